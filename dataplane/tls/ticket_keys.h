#pragma once

// Session ticket keys for every HTTPS listener of the process. A key is derived (HKDF)
// from a seed and the number of the rotation period it belongs to, so every worker,
// every listener's context (rebuilt on each push) and every appliance given the same
// seed file encrypt and accept the same tickets, and all of them rotate at the same
// moments without exchanging anything. A ticket is accepted for two periods after the
// one that issued it (and one period early, for a peer appliance whose clock runs
// ahead); a client that resumes with an older key is sent a fresh ticket.
//
// Without a seed file the seed is random at start: tickets then survive pushes but
// not a restart, and a pair of appliances does not share them.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/common/result.h"

struct ssl_ctx_st;

namespace portico::dp::tls {

class TicketKeys {
 public:
  static constexpr uint32_t kMinSeedBytes = 32;
  struct Key {
    std::array<uint8_t, 16> name{};
    std::array<uint8_t, 32> aes{};   // AES-256-CBC, the cipher RFC 5077's ticket format names
    std::array<uint8_t, 32> hmac{};  // HMAC-SHA256
  };

  // `seed`: at least kMinSeedBytes; `rotationS`: how long one key encrypts new tickets.
  static Result<std::shared_ptr<const TicketKeys>> fromSeed(std::vector<uint8_t> seed, uint32_t rotationS);
  static Result<std::shared_ptr<const TicketKeys>> fromFile(const std::string& path, uint32_t rotationS);
  static std::shared_ptr<const TicketKeys> random(uint32_t rotationS);

  // The process's keys: set once at start, before any listener is built; a random seed
  // rotating hourly when nobody set them (tests).
  static void setProcessKeys(std::shared_ptr<const TicketKeys> keys);
  static std::shared_ptr<const TicketKeys> processKeys();

  // Tickets of `ctx` sealed and opened with these keys (which must outlive it).
  void install(ssl_ctx_st* ctx) const;

  Key keyFor(uint64_t period) const;
  uint64_t periodAt(uint64_t unixSeconds) const { return unixSeconds / rotationS_; }
  uint32_t rotationS() const { return rotationS_; }
  // Tests move the clock these keys rotate by (seconds since the epoch); 0: the real one.
  void setClockForTest(uint64_t unixSeconds) const { testClock_.store(unixSeconds, std::memory_order_relaxed); }
  uint64_t now() const;
  uint64_t id() const { return id_; }

 private:
  TicketKeys(std::vector<uint8_t> seed, uint32_t rotationS);
  std::vector<uint8_t> seed_;
  uint32_t rotationS_;
  uint64_t id_;  // tells the workers' caches of derived keys apart
  mutable std::atomic<uint64_t> testClock_{0};
};

}  // namespace portico::dp::tls
