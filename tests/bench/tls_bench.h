#pragma once

namespace portico::bench {

// What an HTTPS listener's handshakes cost a worker, measured in process on the server
// side of an OpenSSL client (the same ServerContext the workers use): full handshakes
// for ECDSA P-256 and RSA-2048 in TLS 1.3 and 1.2, each against the cost of the one
// signature it cannot avoid, and resumed ones against the full handshake. These set the
// per-pass handshake budget's worst delay (docs/benchmarks.md).
int tlsHandshake(int handshakes);

}  // namespace portico::bench
