// The L7 half of the snapshot compiler: listener ports, their hostname matchers, routes
// with compiled regular expressions, backend sets, and Hyperscan scratch per worker.

#include <hs/hs.h>

#include "dataplane/lb/flow_key.h"
#include "dataplane/snapshot/compiler.h"

namespace portico::dp::snapshot {

namespace {

std::string describePort(const L7PortSpec& p) { return "listener port " + p.vip.toString() + ":" + std::to_string(p.port); }

// A whole-value match: Gateway API regular expressions must match all of the value.
Result<uint32_t> compileRegex(const std::string& pattern, const std::string& where, Snapshot& snap) {
  const std::string anchored = "^(?:" + pattern + ")$";
  Regex r;
  hs_compile_error_t* err = nullptr;
  if (hs_compile(anchored.c_str(), HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL | HS_FLAG_ALLOWEMPTY, HS_MODE_BLOCK, nullptr,
                 &r.db, &err) != HS_SUCCESS) {
    Error e{where, "regular expression \"" + pattern + "\": " + (err != nullptr ? err->message : "rejected")};
    hs_free_compile_error(err);
    return e;
  }
  snap.regexes.push_back(std::move(r));
  return static_cast<uint32_t>(snap.regexes.size() - 1);
}

Status compileValues(const std::vector<ValueMatchSpec>& specs, const std::string& where, Snapshot& snap,
                     std::vector<ValueMatch>& out) {
  for (const auto& v : specs) {
    ValueMatch m{v.name, v.type, v.value, kNoRegex};
    if (v.type == ValueMatchType::kRegex) {
      auto re = compileRegex(v.value, where + " " + v.name, snap);
      if (!re) return re.error();
      m.regex = *re;
    }
    out.push_back(std::move(m));
  }
  return Ok{};
}

Result<CompiledMatch> compileMatch(const RouteMatchSpec& spec, const std::string& where, Snapshot& snap) {
  CompiledMatch m;
  m.pathType = spec.pathType;
  m.path = spec.path;
  m.method = spec.method;
  if (spec.pathType == PathMatchType::kRegex) {
    auto re = compileRegex(spec.path, where + " path", snap);
    if (!re) return re.error();
    m.pathRegex = *re;
  } else if (spec.path.empty() || spec.path.front() != '/') {
    return Error{where + " path", "\"" + spec.path + "\" must start with '/'"};
  }
  if (auto st = compileValues(spec.headers, where + " header", snap, m.headers); !st) return st.error();
  if (auto st = compileValues(spec.query, where + " query parameter", snap, m.query); !st) return st.error();
  return m;
}

l7::WildcardSpan spanOf(ListenerProtocol p) {
  return p == ListenerProtocol::kTls ? l7::WildcardSpan::kOneLabel : l7::WildcardSpan::kOneOrMoreLabels;
}

}  // namespace

Regex::~Regex() { hs_free_database(db); }

ScratchSet::~ScratchSet() {
  for (hs_scratch* s : scratch_) hs_free_scratch(s);
}

Status Compiler::compileL7(const DesiredState& desired, Snapshot& snap, BackendIds& ids,
                           std::vector<BackendEntry>& backends) {
  for (const L7PortSpec& ps : desired.l7Ports) {
    const std::string where = describePort(ps);
    if (ps.listeners.empty()) return Error{where, "has no listeners"};
    L7Port port;
    port.vip = ps.vip.family == 4 ? lb::v4Mapped(ps.vip.v4) : ps.vip.v6;
    port.portBe = pkt::hton16(ps.port);
    port.family = ps.vip.family;
    port.protocol = ps.listeners.front().protocol;
    std::vector<l7::HostPattern> listenerNames;
    for (std::size_t li = 0; li < ps.listeners.size(); ++li) {
      const ListenerSpec& ls = ps.listeners[li];
      const std::string lwhere = where + " listener " + ls.name;
      if (ls.protocol != port.protocol) return Error{lwhere, "mixes HTTP and TLS on one port"};
      listenerNames.push_back({ls.hostname, static_cast<uint32_t>(li)});
      L7Listener listener;
      listener.name = ls.name;
      listener.protocol = ls.protocol;
      listener.proxyProtocol = ls.proxyProtocol;
      std::vector<l7::HostPattern> hostNames;
      for (std::size_t hi = 0; hi < ls.hosts.size(); ++hi) {
        const VirtualHostSpec& hs = ls.hosts[hi];
        hostNames.push_back({hs.hostname, static_cast<uint32_t>(hi)});
        VirtualHost vhost;
        for (const L7RouteSpec& rs : hs.routes) {
          const std::string rwhere = lwhere + " " + rs.name;
          L7Route route;
          route.name = rs.name;
          auto match = compileMatch(rs.match, rwhere, snap);
          if (!match) return match.error();
          route.match = std::move(*match);
          for (const L7BackendSpec& bs : rs.backends) {
            if (bs.weight == 0) continue;
            WeightedBackend wb;
            if (!bs.invalid) {
              // An endpoint this dataplane cannot reach is left out (and reported), as if
              // not ready: one bad endpoint must not keep every other route from serving.
              std::vector<BackendSpec> reachable;
              for (const BackendSpec& e : bs.endpoints) {
                if (e.address.family == ps.vip.family && this->route(e.address)) {
                  reachable.push_back(e);
                } else {
                  warnings_.push_back(rwhere + " " + bs.name + " endpoint " + e.address.toString() +
                                      ": no port reaches it (or its family differs from the VIP's); left out");
                }
              }
              auto set = backendSet(reachable, ps.vip.family, rwhere + " " + bs.name, ids, backends,
                                    lb::MaglevTable::sizeFor(reachable.size(), maglevSize_));
              if (!set) return set.error();
              snap.backendSets.push_back(std::move(*set));
              wb.set = static_cast<uint32_t>(snap.backendSets.size() - 1);
            }
            route.totalWeight += bs.weight;
            wb.upTo = route.totalWeight;
            route.backends.push_back(wb);
          }
          vhost.routes.push_back(std::move(route));
        }
        listener.vhosts.push_back(std::move(vhost));
      }
      auto hosts = l7::HostMatcher::build(hostNames, spanOf(ls.protocol));
      if (!hosts) return Error{lwhere + " " + hosts.error().where, hosts.error().what};
      listener.hosts = std::move(*hosts);
      port.listeners.push_back(std::move(listener));
    }
    auto matcher = l7::HostMatcher::build(listenerNames, spanOf(port.protocol));
    if (!matcher) return Error{where + " " + matcher.error().where, matcher.error().what};
    port.listenerMatcher = std::move(*matcher);
    snap.l7Ports.push_back(std::move(port));
  }
  std::sort(snap.l7Ports.begin(), snap.l7Ports.end(), [](const L7Port& a, const L7Port& b) { return a.key() < b.key(); });

  // One scratch that serves every database, cloned for each worker.
  hs_scratch* proto = nullptr;
  Status st = Ok{};
  for (const auto& port : snap.l7Ports) {
    if (st) st = port.listenerMatcher->reserveScratch(&proto);
    for (const auto& l : port.listeners) {
      if (st) st = l.hosts->reserveScratch(&proto);
    }
  }
  for (const auto& r : snap.regexes) {
    if (st && hs_alloc_scratch(r.db, &proto) != HS_SUCCESS) st = Error{"regular expressions", "cannot allocate Hyperscan scratch"};
  }
  snap.scratch = std::make_unique<ScratchSet>();
  if (proto != nullptr) {
    for (unsigned w = 0; w < workers_ && st; ++w) {
      hs_scratch* clone = nullptr;
      if (hs_clone_scratch(proto, &clone) != HS_SUCCESS) st = Error{"hostname matcher", "cannot clone Hyperscan scratch"};
      snap.scratch->all().push_back(clone);
    }
    hs_free_scratch(proto);
  }
  return st;
}

}  // namespace portico::dp::snapshot
