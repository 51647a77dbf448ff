#pragma once

// What every fuzz target defines. Built with clang's -fsanitize=fuzzer, libFuzzer
// supplies main() and mutates inputs; in the ordinary build replay_main.cc supplies it and
// runs the checked-in corpus once, so a crash that was found and fixed stays fixed.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace portico::fuzz {

// A property of the code under test that an input broke: the fuzzer saves the input.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz: property broken: %s\n", what);
  std::abort();
}

inline void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

}  // namespace portico::fuzz
