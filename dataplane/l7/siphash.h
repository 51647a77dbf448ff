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

inline uint64_t sipHash24(const SipKey& key, std::initializer_list<uint64_t> words) {
  uint64_t v0 = 0x736f6d6570736575ull ^ key.k0;
  uint64_t v1 = 0x646f72616e646f6dull ^ key.k1;
  uint64_t v2 = 0x6c7967656e657261ull ^ key.k0;
  uint64_t v3 = 0x7465646279746573ull ^ key.k1;
  auto rotl = [](uint64_t x, int b) { return (x << b) | (x >> (64 - b)); };
  auto round = [&] {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  };
  for (uint64_t m : words) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  const uint64_t last = static_cast<uint64_t>(words.size() * 8) << 56;
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xff;
  round();
  round();
  round();
  round();
  return v0 ^ v1 ^ v2 ^ v3;
}

}  // namespace portico::dp::l7
