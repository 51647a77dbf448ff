// Every decision a worker takes from frames: a sequence of frames from the client side
// and the backend side through dispatchFrame, with the timers between them, against one
// snapshot that has each kind of service (ARP/NDP/echo for VIPs, L4 TCP and UDP, an HTTP
// proxy listener with filters, a TLS relay listener with an HTTPS and a TLS Terminate
// listener on its port, an HTTP splice listener).
//
// Input: records of [control][length: 2 bytes, little endian][frame]. Control bit 0: the
// backend side; bit 1: fix lengths and checksums; bit 2: make the frame a reply to the
// last frame the appliance sent out of that side (addresses, ports, sequence and
// acknowledgement numbers), so handshakes, requests and responses can complete; bits 3-7:
// milliseconds to let pass first, in units of 50.
//
// Beyond not crashing: every frame the appliance sends parses; every frame it makes up
// has correct checksums; every frame it forwards or answers from one with correct
// checksums has correct checksums (the incremental updates of NAT and splicing); every
// frame it drops is counted by a reason.

#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/common/dispatch_rig.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

using namespace portico::test::rig;
using portico::fuzz::check;

// PORTICO_FUZZ_VERBOSE=1: what each record did and the counters at the end, to check
// that a seed reaches as deep as it is meant to.
const bool kVerbose = std::getenv("PORTICO_FUZZ_VERBOSE") != nullptr;

uint64_t dropped(const LcoreCounters& counters) {
  uint64_t n = 0;
  for (const auto& d : counters.drops) n += d.load();
  return n;
}

void report(const LcoreCounters& counters) {
#define PORTICO_FUZZ_PRINT(id, name) \
  if (counters.id.load() != 0) std::fprintf(stderr, "  %s=%lu\n", name, static_cast<unsigned long>(counters.id.load()));
  PORTICO_EVENT_COUNTERS(PORTICO_FUZZ_PRINT)
#undef PORTICO_FUZZ_PRINT
  for (std::size_t r = 0; r < kDropReasonCount; ++r) {
    if (counters.drops[r].load() != 0) {
      std::fprintf(stderr, "  drop %s=%lu\n", std::string(dropReasonName(static_cast<DropReason>(r))).c_str(),
                   static_cast<unsigned long>(counters.drops[r].load()));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const World world;
  if (!world.snap) portico::fuzz::fail(world.error.c_str());
  // Set per record: whether the frame handed in had correct checksums.
  bool inValid = false;
  Conversation talk(world, [&](uint8_t side, const uint8_t* f, uint32_t len, bool madeUp) {
    check(side < 2 && len <= kCapacity, "a frame fits its buffer and leaves by a known port");
    pkt::ParsedPacket p;
    check(pkt::parseFrame(f, len, p).ok, "a frame the appliance sends parses");
    if (madeUp) {
      check(l4ChecksumValid(f, p), "a frame the appliance makes up has a correct checksum");
    } else {
      check(!inValid || l4ChecksumValid(f, p), "a frame sent on from a correct one has a correct checksum");
    }
  });

  uint8_t frame[kCapacity];
  for (size_t at = 0; at + 3 <= size;) {
    const uint8_t control = data[at];
    const uint32_t len = std::min<uint32_t>(data[at + 1] | data[at + 2] << 8, std::min<size_t>(size - at - 3, 1514));
    std::memcpy(frame, data + at + 3, len);
    at += 3 + len;
    const uint8_t side = control & 1;
    if ((control & 2) != 0) fixFrame(frame, len);
    if ((control & 4) != 0) {
      replyTo(frame, len, talk.last[side]);  // needs the frame to parse: fixed first
      fixFrame(frame, len);
    }
    if ((control >> 3) != 0) talk.wait((control >> 3) * 50u);

    pkt::ParsedPacket in;
    inValid = pkt::parseFrame(frame, len, in).ok && l4ChecksumValid(frame, in);
    const uint64_t dropsBefore = dropped(talk.counters) + dropped(talk.relayCounters);
    const pkt::Verdict v = talk.receive(side, frame, len);
    check(!v.isDrop() || dropped(talk.counters) + dropped(talk.relayCounters) > dropsBefore,
          "every dropped frame is counted by a reason");
    if (kVerbose) {
      std::fprintf(stderr, "record: side %u, %u bytes -> action %d, %u bytes\n", side, len,
                   static_cast<int>(v.action()), v.length());
    }
  }
  if (kVerbose) {
    report(talk.counters);
    std::fprintf(stderr, "relay worker:\n");
    report(talk.relayCounters);
  }
  return 0;
}
