#pragma once

#include <string>

namespace portico::cp {

// Why a certificate/key pair cannot serve TLS (empty: it can): both must parse as PEM and
// the key must belong to the certificate. OpenSSL does the checking.
std::string certificateProblem(const std::string& certificatePem, const std::string& keyPem);

}  // namespace portico::cp
