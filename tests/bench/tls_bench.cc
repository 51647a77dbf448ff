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

// A context as an OpenSSL server gets it with nothing but the certificate and key.
SSL_CTX* bareContext(const dp::snapshot::CertificateSpec& c) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  BIO* certs = BIO_new_mem_buf(c.certificatePem.data(), static_cast<int>(c.certificatePem.size()));
  BIO* keys = BIO_new_mem_buf(c.keyPem.data(), static_cast<int>(c.keyPem.size()));
  X509* x = PEM_read_bio_X509(certs, nullptr, nullptr, nullptr);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(keys, nullptr, nullptr, nullptr);
  SSL_CTX_use_certificate(ctx, x);
  SSL_CTX_use_PrivateKey(ctx, key);
  X509_free(x);
  EVP_PKEY_free(key);
  BIO_free(certs);
  BIO_free(keys);
  return ctx;
}

// The server's time per handshake, over `count` of them; resumed from a ticket when
// `resume`.
double handshakeUs(SSL_CTX* server, int version, int count, bool resume) {
  SSL_SESSION* session = nullptr;
  if (resume) {
    test::TlsPair first(server, version);
    first.handshake();
    char byte;
    size_t n = 0;
    SSL_write_ex(first.server, "x", 1, &n);
    SSL_read_ex(first.client, &byte, 1, &n);  // the TLS 1.3 tickets
    session = SSL_get1_session(first.client);
  }
  uint64_t serverNs = 0;
  for (int i = 0; i < count; ++i) {
    {
      test::TlsPair pair(server, version);
      SSL_SESSION* saved = session != nullptr ? test::copySession(session) : nullptr;
      if (saved != nullptr) SSL_set_session(pair.client, saved);
      SSL_SESSION_free(saved);
      if (!pair.handshake(&serverNs) || (resume && !SSL_session_reused(pair.client))) {
        std::fprintf(stderr, "tls bench: a handshake failed\n");
        SSL_SESSION_free(session);
        return -1;
      }
    }
  }
  SSL_SESSION_free(session);
  return static_cast<double>(serverNs) / 1000.0 / count;
}

// Best of `rounds` for Portico's context and a bare one, the two alternating so that the
// machine's noise falls on both alike.
std::pair<double, double> againstBare(const dp::tls::ServerContext& ours, SSL_CTX* bare, int version, int count,
                                      bool resume) {
  double best = 1e18, bestBare = 1e18;
  for (int round = 0; round < 5; ++round) {
    const double a = handshakeUs(ours.get(), version, count, resume);
    const double b = handshakeUs(bare, version, count, resume);
    if (a < 0 || b < 0) return {-1, -1};
    best = std::min(best, a);
    bestBare = std::min(bestBare, b);
  }
  return {best, bestBare};
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
  const std::string conditions = "server side of an in-process OpenSSL client, X25519, best of 5 rounds of " +
                                 std::to_string(handshakes) + " alternating with the floor's; floor: ";
  for (const Case& c : cases) {
    auto server = dp::tls::ServerContext::build({*c.certificate}, "bench listener");
    if (!server) {
      std::fprintf(stderr, "tls bench: %s\n", server.error().toString().c_str());
      return 1;
    }
    SSL_CTX* bare = bareContext(*c.certificate);
    const auto [full, fullBare] = againstBare(**server, bare, c.version, handshakes, false);
    const double sign = signUs(*c.certificate, handshakes);
    std::pair<double, double> resumed{0, 0};
    if (c.certificate == &ecdsa) resumed = againstBare(**server, bare, c.version, handshakes, true);
    SSL_CTX_free(bare);
    if (full < 0 || resumed.first < 0) return 1;
    const std::string name = c.name;
    figure("tls.handshake_us." + name, full, "us", conditions + "a bare OpenSSL context, certificate and key only", fullBare);
    figure("tls.handshake_sign_ratio." + name, full / sign, "x", conditions.substr(0, conditions.find(";")) +
                                                                   "; one signature with the same key: " +
                                                                   std::to_string(sign) + " us");
    if (c.certificate == &ecdsa) {
      figure("tls.resumed_us." + name, resumed.first, "us", conditions + "a bare OpenSSL context", resumed.second);
    }
  }
  return 0;
}

}  // namespace portico::bench
