#pragma once

// SipHash-2-4 (Aumasson and Bernstein) over whole 64-bit words: the keyed PRF behind SYN
// cookies. A cookie is a MAC an attacker must not forge, so a fast non-cryptographic hash
// (the flow hash) will not do; SipHash is what Linux uses for the same job.

#include <cstdint>
#include <initializer_list>

namespace portico::dp::l7 {

struct SipKey {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
};

namespace detail {

inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

// One SipRound. A function the compiler must inline: as a lambda GCC kept it out of line
// and the four state words went through memory on every round.
[[gnu::always_inline]] inline void sipRound(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
  v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
  v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
}

}  // namespace detail

inline uint64_t sipHash24(const SipKey& key, std::initializer_list<uint64_t> words) {
  using detail::sipRound;
  uint64_t v0 = 0x736f6d6570736575ull ^ key.k0;
  uint64_t v1 = 0x646f72616e646f6dull ^ key.k1;
  uint64_t v2 = 0x6c7967656e657261ull ^ key.k0;
  uint64_t v3 = 0x7465646279746573ull ^ key.k1;
  for (uint64_t m : words) {
    v3 ^= m;
    sipRound(v0, v1, v2, v3);
    sipRound(v0, v1, v2, v3);
    v0 ^= m;
  }
  const uint64_t last = static_cast<uint64_t>(words.size() * 8) << 56;
  v3 ^= last;
  sipRound(v0, v1, v2, v3);
  sipRound(v0, v1, v2, v3);
  v0 ^= last;
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) sipRound(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

}  // namespace portico::dp::l7
