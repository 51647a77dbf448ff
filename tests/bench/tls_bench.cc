#include "tests/bench/tls_bench.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "dataplane/tls/server_context.h"
#include "tests/bench/figure.h"
#include "tests/common/tls_peer.h"

namespace portico::bench {

namespace {

using Clock = std::chrono::steady_clock;

double usSince(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

// One signature with the certificate's key, as a handshake's CertificateVerify makes.
double signUs(const dp::snapshot::CertificateSpec& c, int count) {
  BIO* text = BIO_new_mem_buf(c.keyPem.data(), static_cast<int>(c.keyPem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(text, nullptr, nullptr, nullptr);
  BIO_free(text);
  const unsigned char message[64] = {};
  unsigned char signature[512];
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    EVP_DigestSignInit(md, &pctx, EVP_sha256(), nullptr, key);
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    size_t length = sizeof signature;
    EVP_DigestSign(md, signature, &length, message, sizeof message);
    EVP_MD_CTX_free(md);
  }
  const double us = usSince(start) / count;
  EVP_PKEY_free(key);
  return us;
}

// The server's time per handshake, best of three rounds of `count`; resumed from a
// ticket when `resume`.
double handshakeUs(const dp::tls::ServerContext& server, int version, int count, bool resume) {
  SSL_SESSION* session = nullptr;
  if (resume) {
    test::TlsPair first(server.get(), version);
    first.handshake();
    char byte;
    size_t n = 0;
    SSL_write_ex(first.server, "x", 1, &n);
    SSL_read_ex(first.client, &byte, 1, &n);  // the TLS 1.3 tickets
    session = SSL_get1_session(first.client);
  }
  double best = 1e18;
  for (int round = 0; round < 3; ++round) {
    uint64_t serverNs = 0;
    for (int i = 0; i < count; ++i) {
      test::TlsPair pair(server.get(), version);
      SSL_SESSION* saved = session != nullptr ? test::copySession(session) : nullptr;
      if (saved != nullptr) SSL_set_session(pair.client, saved);
      SSL_SESSION_free(saved);
      if (!pair.handshake(&serverNs) || (resume && !SSL_session_reused(pair.client))) {
        std::fprintf(stderr, "tls bench: a handshake failed\n");
        SSL_SESSION_free(session);
        return -1;
      }
    }
    best = std::min(best, static_cast<double>(serverNs) / 1000.0 / count);
  }
  SSL_SESSION_free(session);
  return best;
}

}  // namespace

int tlsHandshake(int handshakes) {
  const auto ecdsa = test::selfSigned("ecdsa", "EC", "shop.example.com");
  const auto rsa = test::selfSigned("rsa", "RSA", "shop.example.com");
  struct Case {
    const char* name;
    const dp::snapshot::CertificateSpec* certificate;
    int version;
  };
  const Case cases[] = {{"ecdsa_p256.tls13", &ecdsa, TLS1_3_VERSION},
                        {"rsa_2048.tls13", &rsa, TLS1_3_VERSION},
                        {"ecdsa_p256.tls12", &ecdsa, TLS1_2_VERSION},
                        {"rsa_2048.tls12", &rsa, TLS1_2_VERSION}};
  const std::string conditions = "server side of an in-process OpenSSL client, X25519, best of 3 rounds of " +
                                 std::to_string(handshakes) + "; floor: ";
  for (const Case& c : cases) {
    auto server = dp::tls::ServerContext::build({*c.certificate}, "bench listener");
    if (!server) {
      std::fprintf(stderr, "tls bench: %s\n", server.error().toString().c_str());
      return 1;
    }
    const double full = handshakeUs(**server, c.version, handshakes, false);
    const double sign = signUs(*c.certificate, handshakes);
    if (full < 0) return 1;
    figure(std::string("tls.handshake_us.") + c.name, full, "us", conditions + "one signature with the same key", sign);
    if (c.certificate == &ecdsa) {
      const double resumed = handshakeUs(**server, c.version, handshakes, true);
      if (resumed < 0) return 1;
      figure(std::string("tls.resumed_us.") + c.name, resumed, "us", conditions + "the full handshake", full);
    }
  }
  return 0;
}

}  // namespace portico::bench
