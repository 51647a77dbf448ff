#include "dataplane/tls/ticket_keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>

namespace portico::dp::tls {

namespace {

std::atomic<uint64_t> gNextId{1};
std::shared_ptr<const TicketKeys> gProcessKeys;  // written once before the workers start

// Each worker keeps the keys of the periods it accepts, derived again only when the
// period changes: a ticket costs no derivation, and no worker reads another's memory.
struct KeyCache {
  uint64_t owner = 0;
  uint64_t period = 0;
  TicketKeys::Key keys[4];  // period - 2 .. period + 1; keys[2] encrypts
};
thread_local KeyCache tCache;

const KeyCache& cacheFor(const TicketKeys& k) {
  const uint64_t period = k.periodAt(k.now());
  if (tCache.owner != k.id() || tCache.period != period) {
    for (int i = 0; i < 4; ++i) tCache.keys[i] = k.keyFor(period + i - 2);
    tCache.owner = k.id();
    tCache.period = period;
  }
  return tCache;
}

bool setMacKey(EVP_MAC_CTX* mac, const TicketKeys::Key& key) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<uint8_t*>(key.hmac.data()), key.hmac.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  return EVP_MAC_CTX_set_params(mac, params) == 1;
}

// OpenSSL's ticket callback: 1 sealed or opened with the current key, 2 opened with an
// older one or in TLS 1.3 (the client gets a new ticket), 0 unknown key (a full
// handshake), -1 error. TLS 1.3 clients use a ticket once (RFC 8446 asks them to, and
// browsers do): without a new one after each resumption, every other connection of
// theirs would be a full handshake.
int ticketCallback(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac,
                   int seal) {
  const auto* keys = static_cast<const TicketKeys*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  if (keys == nullptr) return -1;
  const KeyCache& cache = cacheFor(*keys);
  if (seal) {
    const TicketKeys::Key& key = cache.keys[2];
    std::memcpy(name, key.name.data(), key.name.size());
    if (RAND_bytes(iv, 16) != 1) return -1;
    if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv) != 1) return -1;
    return setMacKey(mac, key) ? 1 : -1;
  }
  for (int i = 3; i >= 0; --i) {
    const TicketKeys::Key& key = cache.keys[i];
    if (std::memcmp(name, key.name.data(), key.name.size()) != 0) continue;
    if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv) != 1) return -1;
    if (!setMacKey(mac, key)) return -1;
    return i == 2 && SSL_version(ssl) != TLS1_3_VERSION ? 1 : 2;
  }
  return 0;
}

}  // namespace

TicketKeys::TicketKeys(std::vector<uint8_t> seed, uint32_t rotationS)
    : seed_(std::move(seed)), rotationS_(rotationS), id_(gNextId.fetch_add(1)) {}

Result<std::shared_ptr<const TicketKeys>> TicketKeys::fromSeed(std::vector<uint8_t> seed, uint32_t rotationS) {
  if (seed.size() < kMinSeedBytes) {
    return Error{"", "a ticket key seed needs at least " + std::to_string(kMinSeedBytes) + " bytes (it has " +
                         std::to_string(seed.size()) + "); make one with `openssl rand 48`"};
  }
  if (rotationS == 0) return Error{"", "the ticket key rotation period must be at least one second"};
  return std::shared_ptr<const TicketKeys>(new TicketKeys(std::move(seed), rotationS));
}

Result<std::shared_ptr<const TicketKeys>> TicketKeys::fromFile(const std::string& path, uint32_t rotationS) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path, "cannot be read"};
  std::vector<uint8_t> seed{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto keys = fromSeed(std::move(seed), rotationS);
  if (!keys) return Error{path, keys.error().what};
  return keys;
}

std::shared_ptr<const TicketKeys> TicketKeys::random(uint32_t rotationS) {
  std::vector<uint8_t> seed(48);
  if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) std::abort();  // no randomness: nothing is safe
  return std::shared_ptr<const TicketKeys>(new TicketKeys(std::move(seed), rotationS));
}

void TicketKeys::setProcessKeys(std::shared_ptr<const TicketKeys> keys) { gProcessKeys = std::move(keys); }

std::shared_ptr<const TicketKeys> TicketKeys::processKeys() {
  if (!gProcessKeys) gProcessKeys = random(3600);
  return gProcessKeys;
}

void TicketKeys::install(ssl_ctx_st* ctx) const {
  SSL_CTX_set_app_data(ctx, const_cast<TicketKeys*>(this));
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticketCallback);
  // The lifetime a client is told: a ticket is accepted for at least two periods.
  SSL_CTX_set_timeout(ctx, 2L * rotationS_);
}

uint64_t TicketKeys::now() const {
  const uint64_t test = testClock_.load(std::memory_order_relaxed);
  if (test != 0) return test;
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec);
}

TicketKeys::Key TicketKeys::keyFor(uint64_t period) const {
  uint8_t out[80] = {};
  uint8_t info[8];
  for (int i = 0; i < 8; ++i) info[i] = static_cast<uint8_t>(period >> (56 - 8 * i));
  static const char kSalt[] = "portico session ticket keys";
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(seed_.data()), seed_.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(kSalt), sizeof kSalt - 1),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof info), OSSL_PARAM_construct_end()};
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* kctx = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
  const bool derived = kctx != nullptr && EVP_KDF_derive(kctx, out, sizeof out, params) == 1;
  EVP_KDF_CTX_free(kctx);
  EVP_KDF_free(kdf);
  if (!derived) std::abort();  // HKDF is in every OpenSSL 3 default provider
  Key key;
  std::memcpy(key.name.data(), out, 16);
  std::memcpy(key.aes.data(), out + 16, 32);
  std::memcpy(key.hmac.data(), out + 48, 32);
  return key;
}

}  // namespace portico::dp::tls
