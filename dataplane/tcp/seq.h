#pragma once

// TCP sequence numbers compare modulo 2^32 (RFC 9293 3.4): `a` is before `b` when the
// signed distance from b to a is negative.

#include <cstdint>

namespace portico::dp::tcp {

inline bool seqLt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
inline bool seqLe(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) <= 0; }
inline bool seqGt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }
inline bool seqGe(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) >= 0; }
inline uint32_t seqMax(uint32_t a, uint32_t b) { return seqGt(a, b) ? a : b; }
inline uint32_t seqMin(uint32_t a, uint32_t b) { return seqLt(a, b) ? a : b; }

}  // namespace portico::dp::tcp
