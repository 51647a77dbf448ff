#include "dataplane/tls/server_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

namespace portico::dp::tls {

namespace {

// OpenSSL's reason for the last failure, for an error a person can act on.
std::string openSslReason() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}

int selectHttp11(SSL*, const unsigned char** out, unsigned char* outLength, const unsigned char* offered,
                 unsigned offeredLength, void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outLength, kHttp11, sizeof kHttp11, offered, offeredLength) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct ChainFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};

// Adds one certificate chain (leaf first) and its key; empty when it worked.
std::string addCertificate(SSL_CTX* ctx, const snapshot::CertificateSpec& c) {
  std::unique_ptr<BIO, BioFree> certs(BIO_new_mem_buf(c.certificatePem.data(), static_cast<int>(c.certificatePem.size())));
  std::unique_ptr<X509, X509Free> leaf(PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr));
  if (!leaf) return "its certificate is not PEM: " + openSslReason();
  std::unique_ptr<STACK_OF(X509), ChainFree> chain(sk_X509_new_null());
  while (X509* more = PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr)) sk_X509_push(chain.get(), more);
  ERR_clear_error();  // the end of the PEM text
  std::unique_ptr<BIO, BioFree> keyText(BIO_new_mem_buf(c.keyPem.data(), static_cast<int>(c.keyPem.size())));
  std::unique_ptr<EVP_PKEY, KeyFree> key(PEM_read_bio_PrivateKey(keyText.get(), nullptr, nullptr, nullptr));
  if (!key) return "its private key is not PEM: " + openSslReason();
  if (SSL_CTX_use_cert_and_key(ctx, leaf.get(), key.get(), chain.get(), 1) != 1) {
    return "its key and certificate cannot serve together: " + openSslReason();
  }
  return {};
}

}  // namespace

Result<std::shared_ptr<const ServerContext>> ServerContext::build(
    const std::vector<snapshot::CertificateSpec>& certificates, const std::string& where,
    std::shared_ptr<const TicketKeys> keys, bool http) {
  if (certificates.empty()) return Error{where, "a listener that terminates TLS needs a certificate"};
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return Error{where, "OpenSSL: " + openSslReason()};
  std::shared_ptr<const ServerContext> out(new ServerContext(ctx, std::move(keys)));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Mozilla's "intermediate" choice (without finite-field DHE, which costs a core far more
  // than ECDHE), AES-128-GCM first: as safe in practice and cheaper per byte than AES-256.
  if (SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256") != 1 ||
      SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                   "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                   "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1) {
    return Error{where, "OpenSSL: " + openSslReason()};
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  // Idle connections give their record buffers back; writes may end after any record.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  out->keys_->install(ctx);
  if (http) SSL_CTX_set_alpn_select_cb(ctx, selectHttp11, nullptr);
  for (const auto& c : certificates) {
    const std::string problem = addCertificate(ctx, c);
    if (!problem.empty()) return Error{where + " certificate " + c.name, problem};
  }
  return out;
}

ServerContext::~ServerContext() { SSL_CTX_free(ctx_); }

}  // namespace portico::dp::tls
