// The L7 half of the snapshot compiler: listener ports, their hostname matchers, routes
// with compiled regular expressions, backend sets, and Hyperscan scratch per worker.

#include <hs/hs.h>

#include <algorithm>
#include <functional>

#include "dataplane/http/header_edits.h"
#include "dataplane/lb/flow_key.h"
#include "dataplane/snapshot/compiler.h"
#include "dataplane/tls/server_context.h"

namespace portico::dp::snapshot {

namespace {

std::string describePort(const L7PortSpec& p) { return "listener port " + p.vip.toString() + ":" + std::to_string(p.port); }

// A whole-value match: Gateway API regular expressions must match all of the value.
Result<uint32_t> compileRegex(const std::string& pattern, const std::string& where, VirtualHost& snap) {
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

Status compileValues(const std::vector<ValueMatchSpec>& specs, const std::string& where, VirtualHost& snap,
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

Result<CompiledMatch> compileMatch(const RouteMatchSpec& spec, const std::string& where, VirtualHost& snap) {
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

bool hostsWithinListener(const L7Listener& l) {
  return std::all_of(l.hostnames.begin(), l.hostnames.end(),
                     [&](const std::string& h) { return l7::hostWithin(h, l.hostname); });
}

}  // namespace

Regex::~Regex() { hs_free_database(db); }

ScratchSet::~ScratchSet() {
  for (hs_scratch* s : scratch_) hs_free_scratch(s);
  hs_free_scratch(prototype_);
}

// The endpoints of one backendRef as a backend set of `vhost`; its index.
Result<uint32_t> Compiler::l7BackendSet(const L7BackendSpec& bs, uint8_t family, const std::string& rwhere,
                                        BackendIds& ids, std::vector<BackendEntry>& backends, VirtualHost& vhost) {
  const std::vector<BackendSpec> usable = reachable(bs.endpoints, family, rwhere + " " + bs.name);
  auto set = backendSet(usable, family, rwhere + " " + bs.name, ids, backends, vhost.refs,
                        lb::MaglevTable::sizeFor(usable.size(), maglevSize_));
  if (!set) return set.error();
  for (const uint16_t slot : set->maglev.slots()) {
    set->slots.push_back(slot == lb::MaglevTable::kNoBackend ? kNoBackendId : set->backendIds[slot]);
  }
  if (set->slots.empty()) set->slots.push_back(kNoBackendId);  // pick() never indexes an empty table
  set->maglev = {};
  vhost.backendSets.push_back(std::move(*set));
  return static_cast<uint32_t>(vhost.backendSets.size() - 1);
}

Result<std::shared_ptr<const VirtualHost>> Compiler::compileVirtualHost(const VirtualHostSpec& hs, uint8_t family,
                                                                        const std::string& lwhere, BackendIds& ids,
                                                                        std::vector<BackendEntry>& backends) {
  auto vhost = std::make_shared<VirtualHost>();
  for (const L7RouteSpec& rs : hs.routes) {
    const std::string rwhere = lwhere + " " + rs.name;
    L7Route route;
    route.name = rs.name;
    auto match = compileMatch(rs.match, rwhere, *vhost);
    if (!match) return match.error();
    route.match = std::move(*match);
    const CompiledMatch& m = route.match;
    route.matchesAll = m.pathType == PathMatchType::kPrefix && m.path == "/" && m.method.empty() && m.headers.empty() &&
                       m.query.empty();
    for (const L7BackendSpec& bs : rs.backends) {
      if (bs.weight == 0) continue;
      WeightedBackend wb;
      if (!bs.invalid) {
        auto set = l7BackendSet(bs, family, rwhere, ids, backends, *vhost);
        if (!set) return set.error();
        wb.set = *set;
      }
      if (!bs.filters.empty()) {
        vhost->filters.push_back({http::encodeEdits(bs.filters.requestHeaders), http::encodeEdits(bs.filters.responseHeaders)});
        wb.filters = static_cast<uint32_t>(vhost->filters.size() - 1);
      }
      route.totalWeight += bs.weight;
      wb.upTo = route.totalWeight;
      route.backends.push_back(wb);
    }
    if (!rs.filters.empty()) {
      RouteFilters f;
      f.requestEdits = http::encodeEdits(rs.filters.requestHeaders);
      f.responseEdits = http::encodeEdits(rs.filters.responseHeaders);
      f.redirect = rs.filters.redirect;
      f.rewrite = rs.filters.rewrite;
      f.requestTimeoutMs = rs.filters.requestTimeoutMs;
      f.backendTimeoutMs = rs.filters.backendTimeoutMs;
      for (const L7BackendSpec& m : rs.filters.mirrors) {
        if (m.invalid) continue;
        auto set = l7BackendSet(m, family, rwhere + " mirror", ids, backends, *vhost);
        if (!set) return set.error();
        f.mirrorSets.push_back(*set);
      }
      vhost->filters.push_back(std::move(f));
      route.filters = static_cast<uint32_t>(vhost->filters.size() - 1);
    }
    if (!route.backends.empty()) route.first = route.backends.front();
    vhost->routes.push_back(std::move(route));
  }
  if (!vhost->routes.empty()) {
    const L7Route& first = vhost->routes.front();
    if (first.matchesAll && first.backends.size() == 1 && first.totalWeight > 0 && first.filters == kNoFilters &&
        first.first.filters == kNoFilters) {
      vhost->onlySet = first.first.set;
    }
  }
  return std::shared_ptr<const VirtualHost>(std::move(vhost));
}

Result<std::shared_ptr<ScratchSet>> Compiler::scratchFor(const std::vector<const hs_database*>& dbs,
                                                         const std::shared_ptr<ScratchSet>& base) {
  // Grow a copy of the base's prototype: if it stays the same size, every worker's
  // scratch already fits the new databases and is shared with the base snapshot.
  hs_scratch* proto = nullptr;
  if (base && base->prototype() != nullptr && hs_clone_scratch(base->prototype(), &proto) != HS_SUCCESS) {
    return Error{"regular expressions", "cannot clone Hyperscan scratch"};
  }
  std::size_t before = 0;
  if (proto != nullptr) hs_scratch_size(proto, &before);
  for (const hs_database* db : dbs) {
    if (hs_alloc_scratch(db, &proto) != HS_SUCCESS) {
      hs_free_scratch(proto);
      return Error{"regular expressions", "cannot allocate Hyperscan scratch"};
    }
  }
  std::size_t after = 0;
  if (proto != nullptr) hs_scratch_size(proto, &after);
  if (base && base->prototype() != nullptr && after == before) {
    hs_free_scratch(proto);
    return base;
  }
  auto set = std::make_shared<ScratchSet>();
  set->prototype() = proto;
  for (unsigned w = 0; w < workers_ && proto != nullptr; ++w) {
    hs_scratch* clone = nullptr;
    if (hs_clone_scratch(proto, &clone) != HS_SUCCESS) return Error{"regular expressions", "cannot clone Hyperscan scratch"};
    set->all().push_back(clone);
  }
  return set;
}

Status Compiler::compileL7(const DesiredState& desired, Snapshot& snap, BackendIds& ids,
                           std::vector<BackendEntry>& backends) {
  std::vector<const hs_database*> dbs;
  for (const L7PortSpec& ps : desired.l7Ports) {
    const std::string where = describePort(ps);
    if (ps.listeners.empty()) return Error{where, "has no listeners"};
    L7Port port;
    port.vip = ps.vip.family == 4 ? lb::v4Mapped(ps.vip.v4) : ps.vip.v6;
    port.portBe = pkt::hton16(ps.port);
    port.family = ps.vip.family;
    port.protocol = familyOf(ps.listeners.front().protocol);
    port.mode = ps.listeners.front().mode;
    std::vector<l7::HostPattern> listenerNames;
    for (std::size_t li = 0; li < ps.listeners.size(); ++li) {
      const ListenerSpec& ls = ps.listeners[li];
      const std::string lwhere = where + " listener " + ls.name;
      if (familyOf(ls.protocol) != port.protocol) return Error{lwhere, "mixes HTTP and TLS on one port"};
      if (terminatesTls(ls.protocol) && ls.mode != L7Mode::kRelay) {
        return Error{lwhere, "a listener that terminates TLS is on a relayed port (its ClientHello read first)"};
      }
      if (ls.mode != port.mode) return Error{lwhere, "mixes connection modes (splice, relay, proxy) on one port"};
      if (ls.mode == L7Mode::kProxy && ls.protocol != ListenerProtocol::kHttp) {
        return Error{lwhere, "proxy mode is for HTTP listeners; TLS passthrough is spliced or relayed"};
      }
      listenerNames.push_back({ls.hostname, static_cast<uint32_t>(li)});
      L7Listener listener;
      listener.name = ls.name;
      listener.identity = std::hash<std::string>{}(ls.name);
      listener.hostname = ls.hostname;
      listener.protocol = ls.protocol;
      listener.proxyProtocol = ls.proxyProtocol;
      if (terminatesTls(ls.protocol)) {
        auto context = tls::ServerContext::build(ls.certificates, lwhere, tls::TicketKeys::processKeys(),
                                                 ls.protocol == ListenerProtocol::kHttps);
        if (!context) return context.error();
        listener.tls = std::move(*context);
      }
      std::vector<l7::HostPattern> hostNames;
      for (std::size_t hi = 0; hi < ls.hosts.size(); ++hi) {
        const VirtualHostSpec& hs = ls.hosts[hi];
        hostNames.push_back({hs.hostname, static_cast<uint32_t>(hi)});
        auto vhost = compileVirtualHost(hs, ps.vip.family, lwhere, ids, backends);
        if (!vhost) return vhost.error();
        for (const auto& r : (*vhost)->regexes) dbs.push_back(r.db);
        listener.vhosts.push_back(std::move(*vhost));
        listener.hostnames.push_back(hs.hostname);
      }
      auto hosts = l7::HostMatcher::build(hostNames);
      if (!hosts) return Error{lwhere + " " + hosts.error().where, hosts.error().what};
      listener.hosts = std::move(*hosts);
      port.listeners.push_back(std::move(listener));
    }
    port.hostsDecide = port.listeners.size() == 1 && hostsWithinListener(port.listeners.front());
    auto matcher = l7::HostMatcher::build(listenerNames);
    if (!matcher) return Error{where + " " + matcher.error().where, matcher.error().what};
    port.listenerMatcher = std::move(*matcher);
    snap.l7Ports.push_back(std::move(port));
  }
  std::sort(snap.l7Ports.begin(), snap.l7Ports.end(), [](const L7Port& a, const L7Port& b) { return a.key() < b.key(); });
  auto scratch = scratchFor(dbs, nullptr);
  if (!scratch) return scratch.error();
  snap.scratch = std::move(*scratch);
  return Ok{};
}

Result<std::unique_ptr<Snapshot>> Compiler::applyDelta(const Snapshot& base, const std::vector<VirtualHostChange>& changes,
                                                       uint64_t version) {
  auto snap = std::make_unique<Snapshot>();
  snap->version = version;
  snap->vips = base.vips;
  snap->services = base.services;
  snap->l7Ports = base.l7Ports;  // listeners share their hosts and matchers
  warnings_.clear();
  BackendIds ids = backendIds_;
  std::vector<BackendEntry> backends = base.backends;
  std::vector<RefCounts> counts = counts_;
  std::vector<BackendRefCount> touched;
  std::vector<const hs_database*> dbs;
  std::vector<L7Listener*> renamed;  // listeners whose host names changed: new matcher
  for (const VirtualHostChange& c : changes) {
    const std::string where = "listener port " + c.vip.toString() + ":" + std::to_string(c.port);
    const pkt::Ipv6Addr vip = c.vip.family == 4 ? lb::v4Mapped(c.vip.v4) : c.vip.v6;
    const auto key = std::make_tuple(vip, pkt::hton16(c.port));
    const auto port = std::find_if(snap->l7Ports.begin(), snap->l7Ports.end(),
                                   [&](const L7Port& p) { return p.key() == key; });
    if (port == snap->l7Ports.end()) return Error{where, "is not served: a new listener port needs a whole push"};
    const auto listener = std::find_if(port->listeners.begin(), port->listeners.end(),
                                       [&](const L7Listener& l) { return l.name == c.listener; });
    if (listener == port->listeners.end()) {
      return Error{where + " listener " + c.listener, "is not served: a new listener needs a whole push"};
    }
    const std::string lwhere = where + " listener " + c.listener;
    const auto at = std::find(listener->hostnames.begin(), listener->hostnames.end(), c.host.hostname);
    const auto index = static_cast<std::size_t>(at - listener->hostnames.begin());
    if (at != listener->hostnames.end()) {
      count(counts, listener->vhosts[index]->refs, -1);
      touched.insert(touched.end(), listener->vhosts[index]->refs.begin(), listener->vhosts[index]->refs.end());
    }
    if (c.remove) {
      if (at == listener->hostnames.end()) continue;
      listener->hostnames.erase(at);
      listener->vhosts.erase(listener->vhosts.begin() + static_cast<std::ptrdiff_t>(index));
      renamed.push_back(&*listener);
      continue;
    }
    auto vhost = compileVirtualHost(c.host, port->family, lwhere, ids, backends);
    if (!vhost) return vhost.error();
    count(counts, (*vhost)->refs, 1);
    touched.insert(touched.end(), (*vhost)->refs.begin(), (*vhost)->refs.end());
    for (const auto& r : (*vhost)->regexes) dbs.push_back(r.db);
    if (at != listener->hostnames.end()) {
      listener->vhosts[index] = std::move(*vhost);
    } else {
      // A name outside the listener's (the control plane intersects them, a hand-made
      // push may not): the listener lookup is needed again.
      if (!l7::hostWithin(c.host.hostname, listener->hostname)) {
        port->hostsDecide = false;
      }
      listener->hostnames.push_back(c.host.hostname);
      listener->vhosts.push_back(std::move(*vhost));
      renamed.push_back(&*listener);
    }
  }
  for (L7Listener* l : renamed) {
    std::vector<l7::HostPattern> names;
    for (std::size_t i = 0; i < l->hostnames.size(); ++i) names.push_back({l->hostnames[i], static_cast<uint32_t>(i)});
    auto hosts = l7::HostMatcher::build(names);
    if (!hosts) return Error{"listener " + l->name + " " + hosts.error().where, hosts.error().what};
    l->hosts = std::move(*hosts);
  }
  auto scratch = scratchFor(dbs, base.scratch);
  if (!scratch) return scratch.error();
  snap->scratch = std::move(*scratch);
  backends.resize(ids.size());
  counts.resize(ids.size());
  for (const auto& r : touched) backends[r.id].state = stateOf(counts[r.id]);
  snap->backends = std::move(backends);
  backendIds_ = std::move(ids);
  counts_ = std::move(counts);
  return snap;
}

}  // namespace portico::dp::snapshot
