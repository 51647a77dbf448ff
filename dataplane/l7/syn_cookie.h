#pragma once

// SYN cookies: the SYN-ACK's sequence number carries, authenticated, everything the
// connection needs later (the client's MSS, window scale and SACK permission), so an L7
// listener keeps no state until the client's ACK proves it saw the SYN-ACK. A SYN flood
// costs replies, never memory.
//
// Layout of the 32-bit cookie, low bits first:
//   bit 0      SACK permitted
//   bits 1-4   the client's window scale, 15 when it sent none
//   bits 5-7   index of the client's MSS in kCookieMss (rounded down)
//   bit 8      parity of the secret's epoch
//   bits 9-31  SipHash-2-4 of the 4-tuple, the client's ISN and bits 0-8, under the
//              epoch's secret
// Secrets are derived from a random master key per epoch (kCookieEpochMs), so they
// rotate on the clock with no shared state between workers; a cookie is accepted in its
// own epoch and the next, i.e. for one to two epochs.
//
// Timestamps: the SYN-ACK does not offer them (nor does the backend SYN), so connections
// through L7 listeners run without TCP timestamps. Encoding them as Linux does would tie
// the splice to rewriting every segment's TSval/TSecr for a gain (PAWS, RTT samples)
// that matters little on the short paths an appliance sits on.

#include <array>
#include <cstdint>
#include <optional>

#include "dataplane/l7/siphash.h"
#include "dataplane/lb/flow_key.h"
#include "dataplane/tcp/tcp_options.h"

namespace portico::dp::l7 {

using tcp::kNoWindowScale;
inline constexpr std::array<uint16_t, 8> kCookieMss{216, 536, 1200, 1220, 1360, 1440, 1460, 8960};
inline constexpr uint32_t kCookieEpochMs = 64'000;

struct CookieOptions {
  uint16_t mss = 536;
  uint8_t windowScale = kNoWindowScale;  // the client's shift, kNoWindowScale for none
  bool sackPermitted = false;
};

class SynCookies {
 public:
  explicit SynCookies(const SipKey& master) : master_(master) {}

  // The initial sequence number for a SYN-ACK answering `client` (client -> VIP key).
  // The MSS is rounded down to the next table value.
  uint32_t make(const lb::FlowKey& client, uint32_t clientIsn, const CookieOptions& options, uint32_t nowMs);

  // The options a cookie carries if it is genuine and fresh; `cookie` is the ACK's
  // acknowledgement number minus one.
  std::optional<CookieOptions> check(const lb::FlowKey& client, uint32_t clientIsn, uint32_t cookie, uint32_t nowMs);

 private:
  const SipKey& keyFor(uint32_t epoch);
  static uint32_t mac(const SipKey& key, const lb::FlowKey& client, uint32_t clientIsn, uint32_t low);

  SipKey master_;
  // The last two epochs' secrets, so the common case derives nothing.
  std::array<uint32_t, 2> epochs_{~0u, ~0u};
  std::array<SipKey, 2> keys_{};
};

}  // namespace portico::dp::l7
