#include "controlplane/translate/addresses.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <set>

namespace portico::cp {

namespace {

constexpr std::size_t kMaxPoolAddresses = 65536;

using Addr = std::array<uint8_t, 16>;

bool parse(const std::string& text, Addr& out, int& family) {
  out = {};
  if (inet_pton(AF_INET, text.c_str(), out.data()) == 1) {
    family = 4;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), out.data()) == 1) {
    family = 6;
    return true;
  }
  return false;
}

std::string format(const Addr& a, int family) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family == 4 ? AF_INET : AF_INET6, a.data(), buf, sizeof buf);
  return buf;
}

void increment(Addr& a, int family) {
  for (int i = (family == 4 ? 3 : 15); i >= 0; --i) {
    if (++a[static_cast<std::size_t>(i)] != 0) break;
  }
}

bool lessOrEqual(const Addr& a, const Addr& b, int family) {
  const std::size_t n = family == 4 ? 4 : 16;
  return std::lexicographical_compare(a.begin(), a.begin() + n, b.begin(), b.begin() + n) ||
         std::equal(a.begin(), a.begin() + n, b.begin());
}

// FNV-1a: stable across builds, so a Gateway's first choice never changes.
uint64_t stableHash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::vector<std::string> expandRange(const std::string& range, std::string& problem) {
  std::vector<std::string> out;
  Addr first{}, last{};
  int f1 = 0, f2 = 0;
  const auto dash = range.find('-');
  const auto slash = range.find('/');
  if (dash != std::string::npos) {
    if (!parse(range.substr(0, dash), first, f1) || !parse(range.substr(dash + 1), last, f2) || f1 != f2) {
      problem = "'" + range + "' is not a range of one family like 192.0.2.10-192.0.2.20";
      return {};
    }
  } else if (slash != std::string::npos) {
    if (!parse(range.substr(0, slash), first, f1)) {
      problem = "'" + range + "' is not a CIDR like 192.0.2.0/28";
      return {};
    }
    f2 = f1;
    const int bits = f1 == 4 ? 32 : 128;
    int prefix = -1;
    try {
      prefix = std::stoi(range.substr(slash + 1));
    } catch (const std::exception&) {
    }
    if (prefix < 0 || prefix > bits) {
      problem = "'" + range + "' has a bad prefix length";
      return {};
    }
    last = first;
    for (int bit = prefix; bit < bits; ++bit) {
      const auto byte = static_cast<std::size_t>(bit / 8);
      first[byte] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
      last[byte] |= static_cast<uint8_t>(0x80 >> (bit % 8));
    }
  } else {
    if (!parse(range, first, f1)) {
      problem = "'" + range + "' is not an address, range or CIDR";
      return {};
    }
    last = first;
    f2 = f1;
  }
  if (!lessOrEqual(first, last, f1)) {
    problem = "'" + range + "' ends before it starts";
    return {};
  }
  for (Addr a = first; lessOrEqual(a, last, f1); increment(a, f1)) {
    out.push_back(format(a, f1));
    if (out.size() == kMaxPoolAddresses || a == last) break;
  }
  return out;
}

std::map<std::string, std::vector<std::string>> assignAddresses(
    const std::vector<const Gateway*>& gateways, const std::vector<AddressPool>& pools,
    const std::map<std::string, std::vector<std::string>>& previous, std::vector<Problem>& problems) {
  std::map<std::string, std::vector<std::string>> out;
  std::set<std::string> taken;
  std::vector<std::string> pool;
  for (const auto& p : pools) {
    for (const auto& r : p.ranges) {
      std::string problem;
      for (auto& a : expandRange(r, problem)) pool.push_back(std::move(a));
      if (!problem.empty()) problems.push_back({"controlplane.yaml", "address pool " + p.name, "addresses", problem});
    }
  }

  // Explicit addresses first: they are the operator's; then pool addresses, oldest
  // Gateway first, each from its own stable starting point onwards.
  std::vector<const Gateway*> order(gateways);
  std::sort(order.begin(), order.end(), [](const Gateway* a, const Gateway* b) {
    return std::tie(a->meta.creationTimestamp, a->meta.ns, a->meta.name) <
           std::tie(b->meta.creationTimestamp, b->meta.ns, b->meta.name);
  });
  for (const Gateway* g : order) {
    for (const auto& a : g->addresses) {
      Addr parsed;
      int family;
      if (a.type != "IPAddress" || !parse(a.value, parsed, family)) {
        problems.push_back({g->meta.source, "Gateway " + g->meta.key(), "spec.addresses",
                            "'" + a.value + "' is not an IP address (type IPAddress)"});
        continue;
      }
      const std::string canonical = format(parsed, family);
      if (!taken.insert(canonical).second) {
        problems.push_back({g->meta.source, "Gateway " + g->meta.key(), "spec.addresses",
                            canonical + " is already the address of another Gateway"});
        continue;
      }
      out[g->meta.key()].push_back(canonical);
    }
  }
  // Pool addresses handed out before stay with their Gateways.
  const std::set<std::string> inPool(pool.begin(), pool.end());
  for (const Gateway* g : order) {
    const auto before = previous.find(g->meta.key());
    if (!g->addresses.empty() || before == previous.end() || before->second.size() != 1) continue;
    const std::string& kept = before->second[0];
    if (inPool.count(kept) && taken.insert(kept).second) out[g->meta.key()] = {kept};
  }
  for (const Gateway* g : order) {
    if (!g->addresses.empty() || out.count(g->meta.key())) continue;
    if (pool.empty()) {
      problems.push_back({g->meta.source, "Gateway " + g->meta.key(), "spec.addresses",
                          "no addresses given and no address pool configured"});
      continue;
    }
    const std::size_t start = stableHash(g->meta.key()) % pool.size();
    bool assigned = false;
    for (std::size_t i = 0; i < pool.size() && !assigned; ++i) {
      const std::string& candidate = pool[(start + i) % pool.size()];
      if (taken.insert(candidate).second) {
        out[g->meta.key()].push_back(candidate);
        assigned = true;
      }
    }
    if (!assigned) {
      problems.push_back({g->meta.source, "Gateway " + g->meta.key(), "", "every address of the pools is taken"});
    }
  }
  return out;
}

}  // namespace portico::cp
