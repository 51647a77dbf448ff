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

namespace {

struct PoolAddress {
  std::string address;
  const AddressPool* pool;
  int family;
};

bool shareSomething(const std::vector<std::string>& a, const std::vector<std::string>& b, std::string& which) {
  for (const auto& p : a) {
    if (std::find(b.begin(), b.end(), p) != b.end()) {
      which = p;
      return true;
    }
  }
  return false;
}

class Assigner {
 public:
  Assigner(const std::vector<AddressClaim>& claims, const std::vector<AddressPool>& pools, std::vector<Problem>& problems)
      : claims_(claims), problems_(problems) {
    for (const auto& p : pools) {
      poolNames_.insert(p.name);
      for (const auto& r : p.ranges) {
        std::string problem;
        for (auto& a : expandRange(r, problem)) {
          const int family = a.find(':') == std::string::npos ? 4 : 6;
          index_[a] = pool_.size();
          pool_.push_back({std::move(a), &p, family});
        }
        if (!problem.empty()) problems.push_back({"controlplane.yaml", "address pool " + p.name, "addresses", problem});
      }
    }
    for (std::size_t i = 0; i < claims.size(); ++i) order_.push_back(i);
    std::sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) {
      // Of equal age (manifests seldom carry creationTimestamp) Gateways come first.
      return std::tie(claims[a].created, claims[a].object) < std::tie(claims[b].created, claims[b].object);
    });
  }

  std::map<std::string, std::vector<std::string>> run() {
    // Addresses a Gateway asks for first: they are the operator's. Then what each claim
    // held, so that a Service asking for an address another holds is refused rather than
    // moving it; then what Services ask for; then new pool addresses. Oldest claim first.
    for (std::size_t c : order_) {
      if (!claims_[c].requestedInPool) requested(c);
    }
    for (std::size_t c : order_) {
      if (claims_[c].requested.empty()) kept(c);
    }
    for (std::size_t c : order_) {
      if (claims_[c].requestedInPool) requested(c);
    }
    for (std::size_t c : order_) {
      if (claims_[c].requested.empty()) fill(c);
    }
    return std::move(out_);
  }

 private:
  void problem(std::size_t c, const std::string& field, const std::string& message) {
    problems_.push_back({claims_[c].source, claims_[c].object, field, message});
  }

  // Empty when claim c may hold `address` beside its holders; else who is in the way.
  std::string obstacle(std::size_t c, const std::string& address) const {
    const auto it = holders_.find(address);
    if (it == holders_.end()) return "";
    const AddressClaim& claim = claims_[c];
    for (std::size_t h : it->second) {
      std::string port;
      if (claim.sharingKey.empty() || claims_[h].sharingKey != claim.sharingKey) return claims_[h].object;
      if (shareSomething(claim.ports, claims_[h].ports, port)) return claims_[h].object + " (both use " + port + ")";
    }
    return "";
  }

  void take(std::size_t c, const std::string& address) {
    holders_[address].push_back(c);
    out_[claims_[c].key].push_back(address);
  }

  bool holds(std::size_t c, int family) const {
    const auto it = out_.find(claims_[c].key);
    if (it == out_.end()) return false;
    return family == 0 || std::any_of(it->second.begin(), it->second.end(), [&](const std::string& a) {
             return (a.find(':') == std::string::npos ? 4 : 6) == family;
           });
  }

  // Whether claim c may take pool address i for `family`.
  bool eligible(std::size_t c, std::size_t i, int family) const {
    const AddressClaim& claim = claims_[c];
    return (claim.pool.empty() || pool_[i].pool->name == claim.pool) && (family == 0 || pool_[i].family == family);
  }

  void requested(std::size_t c) {
    const AddressClaim& claim = claims_[c];
    for (const auto& text : claim.requested) {
      Addr parsed;
      int family;
      if (!parse(text, parsed, family)) {
        problem(c, claim.requestedField, "'" + text + "' is not an IP address");
        continue;
      }
      const std::string canonical = format(parsed, family);
      if (holds(c, 0) && std::count(out_[claim.key].begin(), out_[claim.key].end(), canonical)) continue;
      const auto at = index_.find(canonical);
      if (claim.requestedInPool && (at == index_.end() || !eligible(c, at->second, 0))) {
        problem(c, claim.requestedField,
                canonical + " is in no address pool" + (claim.pool.empty() ? "" : " named " + claim.pool) +
                    " (an address outside the pools is not given)");
        continue;
      }
      if (const std::string who = obstacle(c, canonical); !who.empty()) {
        problem(c, claim.requestedField, canonical + " is already the address of " + who);
        continue;
      }
      take(c, canonical);
    }
  }

  void kept(std::size_t c) {
    for (const auto& text : claims_[c].kept) {
      const auto at = index_.find(text);
      if (at == index_.end() || !eligible(c, at->second, 0) || !obstacle(c, text).empty()) continue;
      const int family = pool_[at->second].family;
      const bool wanted = std::any_of(claims_[c].families.begin(), claims_[c].families.end(),
                                      [&](int f) { return f == 0 ? !holds(c, 0) : f == family && !holds(c, f); });
      if (wanted) take(c, text);
    }
  }

  void fill(std::size_t c) {
    const AddressClaim& claim = claims_[c];
    const std::string field = claim.requestedField;
    std::vector<std::string> missing;
    for (int family : claim.families) {
      if (holds(c, family)) continue;
      std::vector<std::size_t> candidates;
      for (std::size_t i = 0; i < pool_.size(); ++i) {
        if (eligible(c, i, family)) candidates.push_back(i);
      }
      const std::string what = family == 0 ? "" : "IPv" + std::to_string(family) + " ";
      if (candidates.empty()) {
        if (pool_.empty()) {
          problem(c, field, "no addresses given and no address pool configured");
        } else if (!claim.pool.empty() && !poolNames_.count(claim.pool)) {
          missing.push_back("no address pool is named " + claim.pool);
          break;
        } else {
          missing.push_back("no " + what + "address in " + (claim.pool.empty() ? "the pools" : "pool " + claim.pool));
        }
        continue;
      }
      std::string chosen;
      // Sharing: an address a claim of the same key holds, when the ports allow.
      for (std::size_t i = 0; i < candidates.size() && chosen.empty() && !claim.sharingKey.empty(); ++i) {
        const std::string& a = pool_[candidates[i]].address;
        if (holders_.count(a) && obstacle(c, a).empty()) chosen = a;
      }
      const std::size_t start = stableHash(claim.key) % candidates.size();
      for (std::size_t i = 0; i < candidates.size() && chosen.empty(); ++i) {
        const std::string& a = pool_[candidates[(start + i) % candidates.size()]].address;
        if (!holders_.count(a)) chosen = a;
      }
      if (chosen.empty()) {
        missing.push_back("every " + what + "address of " + (claim.pool.empty() ? "the pools" : "pool " + claim.pool) +
                          " is taken");
        continue;
      }
      take(c, chosen);
    }
    // PreferDualStack: one family is enough.
    if (!claim.familiesRequired && holds(c, 0)) return;
    for (const auto& m : missing) problem(c, "", m);
  }

  const std::vector<AddressClaim>& claims_;
  std::vector<Problem>& problems_;
  std::vector<PoolAddress> pool_;
  std::map<std::string, std::size_t> index_;  // address -> its place in pool_
  std::set<std::string> poolNames_;
  std::vector<std::size_t> order_;
  std::map<std::string, std::vector<std::size_t>> holders_;
  std::map<std::string, std::vector<std::string>> out_;
};

}  // namespace

std::map<std::string, std::vector<std::string>> assignAddresses(const std::vector<AddressClaim>& claims,
                                                                 const std::vector<AddressPool>& pools,
                                                                 std::vector<Problem>& problems) {
  return Assigner(claims, pools, problems).run();
}

std::vector<AddressClaim> gatewayClaims(const std::vector<const Gateway*>& gateways,
                                        const std::map<std::string, std::vector<std::string>>& previous) {
  std::vector<AddressClaim> out;
  for (const Gateway* g : gateways) {
    AddressClaim c;
    c.key = g->meta.key();
    c.object = "Gateway " + c.key;
    c.source = g->meta.source;
    c.created = g->meta.creationTimestamp;
    c.requestedField = "spec.addresses";
    // Another type (Hostname, a named address) can never parse as an IP address: it is
    // reported as what it is.
    for (const auto& a : g->addresses) c.requested.push_back(a.type == "IPAddress" ? a.value : a.type + " " + a.value);
    if (const auto it = previous.find(c.key); it != previous.end()) c.kept = it->second;
    // A pool address comes from the pool this names, as a LoadBalancer Service's does.
    if (const auto it = g->meta.annotations.find(kGatewayPoolAnnotation); it != g->meta.annotations.end()) {
      c.pool = it->second;
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::map<std::string, std::vector<std::string>> assignAddresses(
    const std::vector<const Gateway*>& gateways, const std::vector<AddressPool>& pools,
    const std::map<std::string, std::vector<std::string>>& previous, std::vector<Problem>& problems) {
  return assignAddresses(gatewayClaims(gateways, previous), pools, problems);
}

}  // namespace portico::cp
