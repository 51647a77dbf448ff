// The lab's impaired link (this kernel has no netem): bridges two interfaces frame by
// frame through AF_PACKET sockets, and on the way drops, delays, reorders and duplicates
// frames with a seeded random generator, the same way in both directions.
//
// usage: impair_relay IFACE_A IFACE_B [--seed N] [--loss P] [--delay-us N]
//          [--reorder P] [--reorder-delay-us N] [--duplicate P]
// P is a share (0.05 is 5 %). A reordered frame is held reorder-delay-us longer than the
// others, so the ones behind it overtake it. Prints its counts on SIGTERM/SIGINT.

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t stopping = 0;

struct Options {
  uint64_t seed = 1;
  double loss = 0, reorder = 0, duplicate = 0;
  uint64_t delayUs = 0, reorderDelayUs = 2'000;
};

struct Held {
  uint64_t at;
  uint64_t order;
  std::vector<uint8_t> frame;
  bool operator>(const Held& o) const { return at != o.at ? at > o.at : order > o.order; }
};

struct Counts {
  uint64_t in = 0, out = 0, dropped = 0, reordered = 0, duplicated = 0;
};

uint64_t nowUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

int openPort(const char* name) {
  const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
  if (fd < 0) return -1;
  const unsigned index = if_nametoindex(name);
  if (index == 0) return -1;
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = static_cast<int>(index);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  packet_mreq mreq{};
  mreq.mr_ifindex = static_cast<int>(index);
  mreq.mr_type = PACKET_MR_PROMISC;
  setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof mreq);
  const int size = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);
  return fd;
}

// One direction: frames read from `from`, held, then written to `to`.
struct Direction {
  int from = -1, to = -1;
  std::priority_queue<Held, std::vector<Held>, std::greater<>> held;
  uint64_t order = 0;
  Counts counts;
};

void receive(Direction& d, const Options& o, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  uint8_t buf[65536];
  for (int i = 0; i < 256; ++i) {
    sockaddr_ll from{};
    socklen_t len = sizeof from;
    const ssize_t n = recvfrom(d.from, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) return;
    if (from.sll_pkttype == PACKET_OUTGOING) continue;  // our own writes on this port
    ++d.counts.in;
    if (u(rng) < o.loss) {
      ++d.counts.dropped;
      continue;
    }
    uint64_t at = nowUs() + o.delayUs;
    if (u(rng) < o.reorder) {
      at += o.reorderDelayUs;
      ++d.counts.reordered;
    }
    std::vector<uint8_t> frame(buf, buf + n);
    if (u(rng) < o.duplicate) {
      ++d.counts.duplicated;
      d.held.push({at, d.order++, frame});
    }
    d.held.push({at, d.order++, std::move(frame)});
  }
}

// Sends what is due; returns the microseconds until the next frame is (or -1: none held).
int64_t release(Direction& d) {
  const uint64_t now = nowUs();
  while (!d.held.empty() && d.held.top().at <= now) {
    const Held& h = d.held.top();
    if (send(d.to, h.frame.data(), h.frame.size(), 0) < 0 && errno == EAGAIN) return 50;  // the port is busy: soon
    ++d.counts.out;
    d.held.pop();
  }
  return d.held.empty() ? -1 : static_cast<int64_t>(d.held.top().at - now);
}

double share(const char* text) { return std::strtod(text, nullptr); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: impair_relay IFACE_A IFACE_B [--seed N] [--loss P] [--delay-us N] [--reorder P] "
                         "[--reorder-delay-us N] [--duplicate P]\n");
    return 2;
  }
  Options o;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--seed") o.seed = std::strtoull(argv[i + 1], nullptr, 10);
    else if (k == "--loss") o.loss = share(argv[i + 1]);
    else if (k == "--delay-us") o.delayUs = std::strtoull(argv[i + 1], nullptr, 10);
    else if (k == "--reorder") o.reorder = share(argv[i + 1]);
    else if (k == "--reorder-delay-us") o.reorderDelayUs = std::strtoull(argv[i + 1], nullptr, 10);
    else if (k == "--duplicate") o.duplicate = share(argv[i + 1]);
    else {
      std::fprintf(stderr, "impair_relay: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  const int a = openPort(argv[1]), b = openPort(argv[2]);
  if (a < 0 || b < 0) {
    std::fprintf(stderr, "impair_relay: cannot open %s or %s: %s\n", argv[1], argv[2], std::strerror(errno));
    return 1;
  }
  signal(SIGTERM, [](int) { stopping = 1; });
  signal(SIGINT, [](int) { stopping = 1; });
  std::mt19937_64 rng(o.seed);
  Direction ab, ba;
  ab.from = a;
  ab.to = b;
  ba.from = b;
  ba.to = a;
  std::printf("impair_relay: %s <-> %s ready\n", argv[1], argv[2]);
  std::fflush(stdout);
  while (!stopping) {
    const int64_t waitAb = release(ab), waitBa = release(ba);
    int64_t wait = 100'000;
    if (waitAb >= 0) wait = std::min(wait, waitAb);
    if (waitBa >= 0) wait = std::min(wait, waitBa);
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    const timespec timeout{static_cast<time_t>(wait / 1'000'000), static_cast<long>((wait % 1'000'000) * 1000)};
    if (ppoll(fds, 2, &timeout, nullptr) < 0 && errno != EINTR) break;
    if (fds[0].revents & POLLIN) receive(ab, o, rng);
    if (fds[1].revents & POLLIN) receive(ba, o, rng);
  }
  for (const auto* d : {&ab, &ba}) {
    std::printf("impair_relay: %s: in %lu out %lu dropped %lu reordered %lu duplicated %lu\n",
                d == &ab ? "a->b" : "b->a", static_cast<unsigned long>(d->counts.in),
                static_cast<unsigned long>(d->counts.out), static_cast<unsigned long>(d->counts.dropped),
                static_cast<unsigned long>(d->counts.reordered), static_cast<unsigned long>(d->counts.duplicated));
  }
  return 0;
}
