#include "drivers/host_interface.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace portico::drv {

namespace {

// <linux/ipv6.h>'s in6_ifreq, which cannot be included beside <netinet/in.h>.
struct In6Ifreq {
  in6_addr addr;
  uint32_t prefixLength;
  int ifindex;
};

class Socket {
 public:
  explicit Socket(int family) : fd_(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

dp::Error failure(const std::string& name, const std::string& what) {
  return dp::Error{"host interface " + name, what + ": " + std::strerror(errno)};
}

ifreq requestFor(const std::string& name) {
  ifreq r{};
  std::strncpy(r.ifr_name, name.c_str(), IFNAMSIZ - 1);
  return r;
}

}  // namespace

dp::Status configureHostInterface(const std::string& name, std::optional<uint32_t> ipv4Be, uint8_t ipv4Prefix,
                                  const std::optional<dp::pkt::Ipv6Addr>& ipv6, uint8_t ipv6Prefix) {
  Socket s4(AF_INET);
  if (s4.fd() < 0) return failure(name, "socket");
  ifreq r = requestFor(name);
  if (::ioctl(s4.fd(), SIOCGIFFLAGS, &r) != 0) return failure(name, "cannot read its flags");
  r.ifr_flags = static_cast<short>(r.ifr_flags | IFF_UP);
  if (::ioctl(s4.fd(), SIOCSIFFLAGS, &r) != 0) return failure(name, "cannot bring it up");
  if (ipv4Be) {
    auto set = [&](unsigned long op, uint32_t value, const char* what) -> dp::Status {
      ifreq a = requestFor(name);
      auto* sin = reinterpret_cast<sockaddr_in*>(&a.ifr_addr);
      sin->sin_family = AF_INET;
      sin->sin_addr.s_addr = value;
      if (::ioctl(s4.fd(), op, &a) != 0) return failure(name, what);
      return dp::Ok{};
    };
    const uint32_t mask = ipv4Prefix == 0 ? 0 : htonl(~uint32_t{0} << (32 - ipv4Prefix));
    if (auto st = set(SIOCSIFADDR, *ipv4Be, "cannot set its IPv4 address"); !st) return st;
    if (auto st = set(SIOCSIFNETMASK, mask, "cannot set its IPv4 netmask"); !st) return st;
  }
  if (ipv6) {
    Socket s6(AF_INET6);
    if (s6.fd() < 0) return failure(name, "socket");
    ifreq idx = requestFor(name);
    if (::ioctl(s6.fd(), SIOCGIFINDEX, &idx) != 0) return failure(name, "cannot find its index");
    In6Ifreq a{};
    std::memcpy(&a.addr, ipv6->data(), ipv6->size());
    a.prefixLength = ipv6Prefix;
    a.ifindex = idx.ifr_ifindex;
    if (::ioctl(s6.fd(), SIOCSIFADDR, &a) != 0 && errno != EEXIST) return failure(name, "cannot set its IPv6 address");
  }
  return dp::Ok{};
}

std::string tapDevice(unsigned index, const std::string& name, const dp::pkt::MacAddr& mac) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return "net_tap_host" + std::to_string(index) + ",iface=" + name + ",mac=" + text;
}

}  // namespace portico::drv
