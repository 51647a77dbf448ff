#pragma once

// The server side of a listener that terminates TLS: one OpenSSL context with the
// listener's certificates. An RSA and an ECDSA certificate may both be given; OpenSSL
// offers each client the one its signature algorithms accept. TLS 1.2 and 1.3. For HTTP
// (`http`: an HTTPS listener) ALPN chooses http/1.1, and a client that offers only other
// protocols (h2 alone) gets the no_application_protocol alert rather than a protocol this
// proxy does not speak; a TLS listener in Terminate mode relays an opaque stream and
// negotiates no ALPN. Cipher suites: AEADs with forward secrecy only, AES-128-GCM first.
// Resumption by session tickets only (a server-side session cache would be shared by
// every worker behind a lock), sealed with the process's ticket keys so that a ticket
// outlives the push that rebuilt this context (tls/ticket_keys.h). Built on the control path, shared by every worker (an
// SSL_CTX is safe to use from many threads once built).

#include <memory>
#include <string>
#include <vector>

#include "dataplane/common/result.h"
#include "dataplane/snapshot/desired_state.h"
#include "dataplane/tls/ticket_keys.h"

struct ssl_ctx_st;

namespace portico::dp::tls {

class ServerContext {
 public:
  static Result<std::shared_ptr<const ServerContext>> build(
      const std::vector<snapshot::CertificateSpec>& certificates, const std::string& where,
      std::shared_ptr<const TicketKeys> keys = TicketKeys::processKeys(), bool http = true);
  ~ServerContext();
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  ssl_ctx_st* get() const { return ctx_; }

 private:
  ServerContext(ssl_ctx_st* ctx, std::shared_ptr<const TicketKeys> keys) : ctx_(ctx), keys_(std::move(keys)) {}
  ssl_ctx_st* ctx_;
  std::shared_ptr<const TicketKeys> keys_;
};

}  // namespace portico::dp::tls
