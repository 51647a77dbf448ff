#pragma once

// TLS test peers made in process: a self-signed certificate as an HTTPS listener gets it
// from a Secret, and an OpenSSL client joined to a server session by a memory BIO pair.

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/snapshot/desired_state.h"

namespace portico::test {

// A self-signed certificate for `host` with a new key of `algorithm` ("EC" for P-256, or
// "RSA" for 2048 bits).
inline dp::snapshot::CertificateSpec selfSigned(const char* name, const std::string& algorithm, const char* host) {
  EVP_PKEY* key = algorithm == "EC" ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
  X509* x = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 86'400);
  X509_set_pubkey(x, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(host),
                             -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(x));
  X509_sign(x, key, EVP_sha256());
  auto pem = [](auto write) {
    BIO* b = BIO_new(BIO_s_mem());
    write(b);
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    std::string text(data, static_cast<std::size_t>(n));
    BIO_free(b);
    return text;
  };
  dp::snapshot::CertificateSpec spec{name, pem([&](BIO* b) { PEM_write_bio_X509(b, x); }),
                                     pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); })};
  X509_free(x);
  EVP_PKEY_free(key);
  return spec;
}

// A fresh copy of a client's saved session, as a client that stored it would load it: a
// resumption updates the session it was given (a renewed ticket, a TLS 1.3 ticket used).
inline SSL_SESSION* copySession(SSL_SESSION* session) {
  std::vector<unsigned char> der(static_cast<std::size_t>(i2d_SSL_SESSION(session, nullptr)));
  unsigned char* out = der.data();
  i2d_SSL_SESSION(session, &out);
  const unsigned char* in = der.data();
  return d2i_SSL_SESSION(nullptr, &in, static_cast<long>(der.size()));
}

// A client and a server session joined by a BIO pair; each end owns what it was given.
struct TlsPair {
  SSL_CTX* clientContext = nullptr;
  SSL* client = nullptr;
  SSL* server = nullptr;

  explicit TlsPair(SSL_CTX* serverContext, int maxVersion = TLS1_3_VERSION) {
    clientContext = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_max_proto_version(clientContext, maxVersion);
    SSL_CTX_set_session_cache_mode(clientContext, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    client = SSL_new(clientContext);
    server = SSL_new(serverContext);
    BIO *clientBio = nullptr, *serverBio = nullptr;
    BIO_new_bio_pair(&clientBio, 0, &serverBio, 0);
    SSL_set_bio(client, clientBio, clientBio);
    SSL_set_bio(server, serverBio, serverBio);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    SSL_set_tlsext_host_name(client, "shop.example.com");
  }
  ~TlsPair() {
    // Freed without close_notify, a client's session is marked not resumable.
    if (SSL_is_init_finished(client)) SSL_shutdown(client);
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(clientContext);
  }
  TlsPair(const TlsPair&) = delete;
  TlsPair& operator=(const TlsPair&) = delete;

  // Both ends step until both are done or one fails; true when both finished. The
  // server's own time is added to `serverNs` when given.
  bool handshake(uint64_t* serverNs = nullptr) {
    bool clientDone = false, serverDone = false;
    for (int i = 0; i < 20 && !(clientDone && serverDone); ++i) {
      if (!clientDone && !step(client, clientDone)) return false;
      const auto start = std::chrono::steady_clock::now();
      const bool ok = serverDone || step(server, serverDone);
      if (serverNs != nullptr) {
        *serverNs += static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
      }
      if (!ok) return false;
    }
    return clientDone && serverDone;
  }

 private:
  static bool step(SSL* ssl, bool& done) {
    const int r = SSL_do_handshake(ssl);
    done = r == 1;
    return r == 1 || SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ;
  }
};

}  // namespace portico::test
