#pragma once

#include <cstdint>
#include <string>

namespace portico::dp::tls {

// dataplane.yaml `l7.tls:`.
struct TlsSettings {
  // A file of at least 32 random bytes (`openssl rand 48`) the ticket keys are derived
  // from: give both appliances of a pair the same file and a ticket one issued resumes
  // on the other. Empty: a random seed at start (tickets survive pushes, not restarts).
  std::string ticketKeyFile;
  uint32_t ticketKeyRotationS = 3'600;  // a key seals new tickets this long; opens them two periods more
  // The most a worker spends on TLS handshakes in one pass over its queues before it
  // serves the rest of its traffic; handshakes beyond it wait for the next pass.
  uint32_t handshakeBudgetUs = 500;
};

}  // namespace portico::dp::tls
