#include "dataplane/l7/syn_cookie.h"

#include <cstring>

namespace portico::dp::l7 {

namespace {

constexpr uint32_t kLowBits = 9;
constexpr uint32_t kLowMask = (1u << kLowBits) - 1;

}  // namespace

const SipKey& SynCookies::keyFor(uint32_t epoch) {
  const unsigned slot = epoch & 1;
  if (epochs_[slot] != epoch) {
    keys_[slot] = SipKey{sipHash24(master_, {epoch, 0}), sipHash24(master_, {epoch, 1})};
    epochs_[slot] = epoch;
  }
  return keys_[slot];
}

uint32_t SynCookies::mac(const SipKey& key, const lb::FlowKey& client, uint32_t clientIsn, uint32_t low) {
  uint64_t w[5];
  std::memcpy(w, &client, sizeof w);
  const uint64_t h = sipHash24(key, {w[0], w[1], w[2], w[3], w[4], static_cast<uint64_t>(clientIsn) << 32 | low});
  return static_cast<uint32_t>(h) & ~kLowMask;
}

uint32_t SynCookies::make(const lb::FlowKey& client, uint32_t clientIsn, const CookieOptions& options,
                          uint32_t nowMs) {
  const uint32_t epoch = nowMs / kCookieEpochMs;
  uint32_t mssIndex = 0;
  for (uint32_t i = 0; i < kCookieMss.size(); ++i) {
    if (kCookieMss[i] <= options.mss) mssIndex = i;
  }
  const uint32_t scale = options.windowScale > 14 ? kNoWindowScale : options.windowScale;
  const uint32_t low = (epoch & 1) << 8 | mssIndex << 5 | scale << 1 | (options.sackPermitted ? 1u : 0u);
  return mac(keyFor(epoch), client, clientIsn, low) | low;
}

std::optional<CookieOptions> SynCookies::check(const lb::FlowKey& client, uint32_t clientIsn, uint32_t cookie,
                                               uint32_t nowMs) {
  const uint32_t now = nowMs / kCookieEpochMs;
  const uint32_t low = cookie & kLowMask;
  // The parity bit names the epoch: this one, or the one before.
  const uint32_t epoch = ((low >> 8) & 1) == (now & 1) ? now : now - 1;
  if (mac(keyFor(epoch), client, clientIsn, low) != (cookie & ~kLowMask)) return std::nullopt;
  CookieOptions o;
  o.mss = kCookieMss[(low >> 5) & 7];
  o.windowScale = static_cast<uint8_t>((low >> 1) & 15);
  o.sackPermitted = (low & 1) != 0;
  return o;
}

}  // namespace portico::dp::l7
