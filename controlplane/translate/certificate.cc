#include "controlplane/translate/certificate.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace portico::cp {

std::string certificateProblem(const std::string& certificatePem, const std::string& keyPem) {
  using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
  Bio certBio(BIO_new_mem_buf(certificatePem.data(), static_cast<int>(certificatePem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr),
                                                   X509_free);
  if (!cert) return "tls.crt is not a PEM certificate";
  Bio keyBio(BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size())), BIO_free);
  // A null callback would make OpenSSL prompt on the terminal for a passphrase.
  auto noPassphrase = [](char*, int, int, void*) { return 0; };
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(keyBio.get(), nullptr, noPassphrase, nullptr), EVP_PKEY_free);
  if (!key) return "tls.key is not an unencrypted PEM private key";
  if (X509_check_private_key(cert.get(), key.get()) != 1) return "tls.key does not belong to tls.crt";
  return {};
}

}  // namespace portico::cp
