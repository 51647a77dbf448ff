#include "controlplane/translate/ingress.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "controlplane/translate/addresses.h"
#include "controlplane/translate/translation.h"

namespace portico::cp {

namespace {

constexpr const char* kNginx = "nginx.ingress.kubernetes.io/";
constexpr const char* kLegacyClassAnnotation = "kubernetes.io/ingress.class";

using Kind = IngressNote::Kind;

std::optional<std::string> annotation(const ObjectMeta& meta, const std::string& name) {
  const auto it = meta.annotations.find(name);
  if (it == meta.annotations.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> nginx(const Ingress& in, const char* name) { return annotation(in.meta, std::string(kNginx) + name); }

// A hostname as a name part: "*.example.com" -> "wildcard-example-com".
std::string slug(const std::string& host) {
  std::string out;
  for (char c : host) {
    if (c == '*') {
      out += "wildcard";
    } else if (c == '.') {
      out += '-';
    } else {
      out += c;
    }
  }
  return out;
}

bool hostCovered(const std::string& tlsHost, const std::optional<std::string>& host) {
  if (!host) return false;
  if (tlsHost == *host) return true;
  // A wildcard certificate host covers one label.
  if (tlsHost.size() > 2 && tlsHost.compare(0, 2, "*.") == 0) {
    const auto dot = host->find('.');
    return dot != std::string::npos && host->substr(dot) == tlsHost.substr(1);
  }
  return false;
}

// The ingress-nginx annotations this converter carries over, each to a filter or field.
const std::set<std::string>& handledAnnotations() {
  static const std::set<std::string> names = {
      "ssl-redirect",       "force-ssl-redirect", "rewrite-target",   "app-root",
      "permanent-redirect", "permanent-redirect-code", "temporal-redirect", "upstream-vhost",
      "configuration-snippet", "proxy-set-headers", "proxy-read-timeout", "use-regex",
      "backend-protocol"};
  return names;
}

// Why an ingress-nginx annotation has no counterpart, by its family.
std::string droppedWhy(const std::string& name) {
  const auto starts = [&](const char* p) { return name.rfind(p, 0) == 0; };
  if (starts("auth-")) return "authentication has no Gateway API equivalent: put it in the application or an auth proxy";
  if (starts("limit-")) return "rate limits have no Gateway API equivalent";
  if (name == "whitelist-source-range" || name == "allowlist-source-range" || name == "denylist-source-range") {
    return "source address lists have no Gateway API equivalent: filter at the F5 or with a NetworkPolicy";
  }
  if (name == "enable-cors" || starts("cors-")) {
    return "CORS is not converted: set its response headers with a ResponseHeaderModifier by hand";
  }
  if (starts("canary")) return "canaries are not converted: give the main route's backendRefs weights by hand";
  if (name == "affinity" || starts("session-cookie")) {
    return "session affinity is not in Gateway API's standard channel and not served by Portico";
  }
  if (name == "server-snippet") return "nginx configuration is not converted";
  if (name == "proxy-body-size") return "request size limits have no Gateway API equivalent";
  if (name == "ssl-passthrough") return "TLS passthrough is a TLSRoute on a TLS listener in Passthrough mode: write it by hand";
  return "no Gateway API equivalent; not carried over";
}

// "30" (seconds, as ingress-nginx takes it) as a Gateway API duration.
std::optional<std::string> seconds(const std::string& v) {
  if (v.empty() || v.size() > 6 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return v + "s";
}

// "https://example.com:8443/new" as a RequestRedirect.
std::optional<HttpRouteFilter> redirectTo(const std::string& url, uint32_t code) {
  HttpRouteFilter f;
  f.type = "RequestRedirect";
  f.statusCode = code;
  std::string rest = url;
  const auto scheme = rest.find("://");
  if (scheme == std::string::npos) return std::nullopt;
  f.scheme = rest.substr(0, scheme);
  if (*f.scheme != "http" && *f.scheme != "https") return std::nullopt;
  rest = rest.substr(scheme + 3);
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (authority.empty()) return std::nullopt;
  if (const auto colon = authority.rfind(':'); colon != std::string::npos && authority.find(']') == std::string::npos) {
    const std::string port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    f.port = static_cast<uint32_t>(std::stoul(port));
    authority = authority.substr(0, colon);
  }
  f.hostname = authority;
  if (slash != std::string::npos) f.path = HttpPathModifier{"ReplaceFullPath", rest.substr(slash)};
  return f;
}

class Converter {
 public:
  Converter(const ClusterState& state, const IngressSettings& settings) : state_(state), settings_(settings) {
    for (const Gateway& g : state.gateways) {
      if (g.meta.ns == settings.gatewayNamespace && g.meta.name == settings.gatewayName) existing_ = &g;
    }
  }

  IngressConversion run() {
    std::vector<const Ingress*> ours;
    for (const Ingress& in : state_.ingresses) {
      if (isOurIngress(in, state_)) ours.push_back(&in);
    }
    // Older first, as Gateway API orders conflicting routes: the older one keeps a host's
    // certificate and the default backend.
    std::sort(ours.begin(), ours.end(), [](const Ingress* a, const Ingress* b) {
      return std::tie(a->meta.creationTimestamp, a->meta.ns, a->meta.name) <
             std::tie(b->meta.creationTimestamp, b->meta.ns, b->meta.name);
    });
    if (!ours.empty()) created_ = ours.front()->meta.creationTimestamp;
    for (const Ingress* in : ours) collectTls(*in);
    for (const Ingress* in : ours) convert(*in);
    if (existing_ == nullptr && !out_.ingresses.empty()) out_.gateway = makeGateway();
    makeGrants();
    return std::move(out_);
  }

 private:
  struct TlsListener {
    std::string name;
    std::optional<std::string> hostname;
    std::string secretNs, secretName;
  };

  void note(const Ingress& in, Kind kind, const std::string& field, const std::string& what) {
    out_.notes.push_back({in.meta.key(), kind, field, what});
  }

  void collectTls(const Ingress& in) {
    for (std::size_t i = 0; i < in.tls.size(); ++i) {
      const IngressTls& t = in.tls[i];
      const std::string field = "spec.tls[" + std::to_string(i) + "]";
      if (existing_ != nullptr && !t.secretName.empty()) {
        note(in, Kind::kChanged, field,
             "the shared Gateway's HTTPS listeners bring their own certificates: Secret " + t.secretName + " is not used");
      }
      if (t.secretName.empty()) {
        note(in, Kind::kDropped, field, "has no secretName: its hosts are served over HTTP only");
        continue;
      }
      std::vector<std::optional<std::string>> hosts(t.hosts.begin(), t.hosts.end());
      if (hosts.empty()) hosts.push_back(std::nullopt);
      for (const auto& h : hosts) {
        const std::string name = h ? "https-" + slug(*h) : "https";
        const auto same = std::find_if(tls_.begin(), tls_.end(), [&](const TlsListener& l) { return l.name == name; });
        if (same != tls_.end()) {
          if (same->secretNs != in.meta.ns || same->secretName != t.secretName) {
            note(in, Kind::kDropped, field,
                 "host " + h.value_or("(any)") + " already has Secret " + same->secretNs + "/" + same->secretName +
                     " from an older Ingress; this one's Secret " + t.secretName + " is not used");
          }
          continue;
        }
        tls_.push_back({name, h, in.meta.ns, t.secretName});
      }
    }
  }

  Gateway makeGateway() const {
    Gateway g;
    g.meta.ns = settings_.gatewayNamespace;
    g.meta.name = settings_.gatewayName;
    g.meta.source = "ingress conversion";
    // As old as the oldest Ingress on it: older Gateways keep an address both ask for.
    g.meta.creationTimestamp = created_;
    g.gatewayClassName = settings_.gatewayClass;
    for (const auto& a : settings_.addresses) g.addresses.push_back({"IPAddress", a});
    if (!settings_.pool.empty()) g.meta.annotations[kGatewayPoolAnnotation] = settings_.pool;
    Listener http;
    http.name = "http";
    http.port = settings_.httpPort;
    http.protocol = "HTTP";
    http.allowedFrom = "All";
    g.listeners.push_back(http);
    for (const TlsListener& t : tls_) {
      Listener l;
      l.name = t.name;
      l.port = settings_.httpsPort;
      l.protocol = "HTTPS";
      l.hostname = t.hostname;
      l.tlsMode = "Terminate";
      SecretObjectReference ref;
      ref.name = t.secretName;
      if (t.secretNs != settings_.gatewayNamespace) ref.ns = t.secretNs;
      l.certificateRefs.push_back(ref);
      l.allowedFrom = "All";
      g.listeners.push_back(l);
    }
    return g;
  }

  // The Gateway's certificateRefs into other namespaces need their owners' permission.
  void makeGrants() {
    std::map<std::string, std::set<std::string>> secretsByNs;
    if (existing_ != nullptr) return;  // a shared Gateway's references are its owner's
    for (const TlsListener& t : tls_) {
      if (t.secretNs != settings_.gatewayNamespace) secretsByNs[t.secretNs].insert(t.secretName);
    }
    for (const auto& [ns, names] : secretsByNs) {
      ReferenceGrant g;
      g.meta.ns = ns;
      g.meta.name = settings_.namePrefix + "ingress-tls-" + settings_.gatewayName;
      g.meta.source = "ingress conversion";
      g.from.push_back({"gateway.networking.k8s.io", "Gateway", settings_.gatewayNamespace});
      for (const auto& name : names) g.to.push_back({"", "Secret", name});
      out_.grants.push_back(std::move(g));
    }
  }

  ParentReference parent(const std::optional<std::string>& section) const {
    ParentReference p;
    if (settings_.gatewayNamespace != "") p.ns = settings_.gatewayNamespace;
    p.name = settings_.gatewayName;
    p.sectionName = section;
    return p;
  }

  // The Gateway's listeners that serve `host` over HTTP, or over HTTPS.
  std::vector<std::string> listenersFor(const std::optional<std::string>& host, bool https) const {
    std::vector<std::string> names;
    if (existing_ != nullptr) {
      for (const Listener& l : existing_->listeners) {
        if ((l.protocol == "HTTPS") == https && (l.protocol == "HTTP" || l.protocol == "HTTPS")) names.push_back(l.name);
      }
      return names;
    }
    if (!https) return {"http"};
    for (const TlsListener& t : tls_) {
      if (!t.hostname || hostCovered(*t.hostname, host)) names.push_back(t.name);
    }
    return names;
  }

  bool tlsFor(const Ingress& in, const std::optional<std::string>& host) const {
    for (const IngressTls& t : in.tls) {
      if (t.secretName.empty()) continue;
      if (t.hosts.empty()) return true;
      for (const auto& h : t.hosts) {
        if (hostCovered(h, host)) return true;
      }
    }
    return false;
  }

  std::optional<uint32_t> servicePort(const Ingress& in, const IngressBackend& b, const std::string& field) {
    if (b.resource) {
      note(in, Kind::kDropped, field, "resource backend " + *b.resource + " is not served (only Services are)");
      return std::nullopt;
    }
    if (b.portNumber) return b.portNumber;
    for (const Service& s : state_.services) {
      if (s.meta.ns != in.meta.ns || s.meta.name != b.service) continue;
      for (const ServicePort& p : s.ports) {
        if (p.name == *b.portName) return p.port;
      }
    }
    note(in, Kind::kDropped, field,
         "Service " + in.meta.ns + "/" + b.service + " has no port named " + *b.portName + ": the path is not served");
    return std::nullopt;
  }

  // The filters and timeouts every rule of the Ingress gets from its annotations.
  struct Extras {
    std::vector<HttpRouteFilter> filters;
    std::optional<HttpRouteFilter> redirect;  // every request redirected instead of served
    std::optional<std::string> appRoot;
    std::optional<std::string> backendTimeout;
    bool regexPaths = false;
  };

  Extras annotations(const Ingress& in) {
    Extras x;
    HttpHeaderFilter requestHeaders, responseHeaders;
    HttpRouteFilter rewrite;  // rewrite-target and upstream-vhost: one URLRewrite
    rewrite.type = "URLRewrite";
    for (const auto& [key, value] : in.meta.annotations) {
      if (key.rfind(kNginx, 0) != 0) continue;
      const std::string name = key.substr(std::char_traits<char>::length(kNginx));
      const std::string field = "annotation " + key;
      if (!handledAnnotations().count(name)) {
        note(in, Kind::kDropped, field, droppedWhy(name));
        continue;
      }
      if (name == "rewrite-target") {
        if (value.find('$') != std::string::npos) {
          note(in, Kind::kDropped, field,
               "'" + value + "' uses capture groups: write a URLRewrite (ReplacePrefixMatch for the rest of a prefix) by hand");
          continue;
        }
        // nginx's rewrite replaces the whole URI when the location matches.
        rewrite.path = HttpPathModifier{"ReplaceFullPath", value};
        note(in, Kind::kFilter, field, "URLRewrite ReplaceFullPath " + value);
      } else if (name == "upstream-vhost") {
        rewrite.hostname = value;
        note(in, Kind::kFilter, field, "URLRewrite hostname " + value);
      } else if (name == "app-root") {
        x.appRoot = value;
        note(in, Kind::kFilter, field, "a rule for exactly / with RequestRedirect ReplaceFullPath " + value + " (302)");
      } else if (name == "permanent-redirect" || name == "temporal-redirect") {
        uint32_t code = name == "permanent-redirect" ? 301 : 302;
        if (const auto c = nginx(in, "permanent-redirect-code"); c && name == "permanent-redirect") {
          code = static_cast<uint32_t>(std::atoi(c->c_str()));
        }
        auto f = redirectTo(value, code);
        if (!f) {
          note(in, Kind::kDropped, field, "'" + value + "' is not an http(s) URL: not carried over");
          continue;
        }
        x.redirect = *f;
        note(in, Kind::kFilter, field, "RequestRedirect (" + std::to_string(code) + ") on every rule, no backends");
      } else if (name == "configuration-snippet") {
        snippet(in, value, field, requestHeaders, responseHeaders);
      } else if (name == "proxy-set-headers") {
        proxySetHeaders(in, value, field, requestHeaders);
      } else if (name == "proxy-read-timeout") {
        if (const auto d = seconds(value)) {
          x.backendTimeout = *d;
          note(in, Kind::kChanged, field,
               "timeouts.backendRequest " + *d + ": a bound on the whole backend request, where nginx bounds the time "
               "between two reads");
        } else {
          note(in, Kind::kDropped, field, "'" + value + "' is not a number of seconds");
        }
      } else if (name == "use-regex") {
        x.regexPaths = value == "true";
      } else if (name == "backend-protocol") {
        if (value != "HTTP") {
          note(in, Kind::kDropped, field,
               "backends over " + value + " (BackendTLSPolicy, GRPCRoute) are not served by Portico: the routes speak HTTP");
        }
      }
    }
    if (rewrite.path || rewrite.hostname) x.filters.push_back(rewrite);
    if (!requestHeaders.set.empty()) {
      HttpRouteFilter f;
      f.type = "RequestHeaderModifier";
      f.headers = requestHeaders;
      x.filters.push_back(f);
    }
    if (!responseHeaders.set.empty() || !responseHeaders.remove.empty()) {
      HttpRouteFilter f;
      f.type = "ResponseHeaderModifier";
      f.headers = responseHeaders;
      x.filters.push_back(f);
    }
    return x;
  }

  // configuration-snippet: proxy_set_header, more_set_headers and more_clear_headers lines
  // become header modifiers; anything else is nginx configuration, not carried over.
  void snippet(const Ingress& in, const std::string& text, const std::string& field, HttpHeaderFilter& request,
               HttpHeaderFilter& response) {
    std::vector<std::string> left;
    std::size_t start = 0;
    while (start < text.size()) {
      auto end = text.find(';', start);
      if (end == std::string::npos) end = text.size();
      std::string stmt = text.substr(start, end - start);
      start = end + 1;
      const auto b = stmt.find_first_not_of(" \t\r\n");
      if (b == std::string::npos) continue;
      stmt = stmt.substr(b, stmt.find_last_not_of(" \t\r\n") - b + 1);
      const auto unquote = [](std::string s) {
        if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
        return s;
      };
      const auto sp = stmt.find_first_of(" \t");
      const std::string directive = stmt.substr(0, sp);
      const std::string args = sp == std::string::npos ? "" : stmt.substr(stmt.find_first_not_of(" \t", sp));
      if (directive == "proxy_set_header") {
        const auto s2 = args.find_first_of(" \t");
        if (s2 != std::string::npos && args.find('$') == std::string::npos) {
          request.set.emplace_back(args.substr(0, s2), unquote(args.substr(args.find_first_not_of(" \t", s2))));
          continue;
        }
      } else if (directive == "more_set_headers") {
        const std::string h = unquote(args);
        const auto colon = h.find(':');
        if (colon != std::string::npos && h.find('$') == std::string::npos) {
          response.set.emplace_back(h.substr(0, colon), h.substr(h.find_first_not_of(" ", colon + 1)));
          continue;
        }
      } else if (directive == "more_clear_headers") {
        response.remove.push_back(unquote(args));
        continue;
      }
      left.push_back(stmt);
    }
    if (!request.set.empty()) note(in, Kind::kFilter, field, "its proxy_set_header lines: RequestHeaderModifier set");
    if (!response.set.empty() || !response.remove.empty()) {
      note(in, Kind::kFilter, field, "its more_set_headers / more_clear_headers lines: ResponseHeaderModifier");
    }
    for (const auto& s : left) note(in, Kind::kDropped, field, "'" + s + ";' is nginx configuration, not carried over");
  }

  // proxy-set-headers names a ConfigMap ("name" or "namespace/name") of header: value.
  void proxySetHeaders(const Ingress& in, const std::string& value, const std::string& field, HttpHeaderFilter& request) {
    const auto slash = value.find('/');
    const std::string ns = slash == std::string::npos ? in.meta.ns : value.substr(0, slash);
    const std::string name = slash == std::string::npos ? value : value.substr(slash + 1);
    for (const ConfigMap& cm : state_.configMaps) {
      if (cm.meta.ns != ns || cm.meta.name != name) continue;
      for (const auto& [header, v] : cm.data) {
        if (v.find('$') != std::string::npos) {
          note(in, Kind::kDropped, field, "header " + header + ": '" + v + "' uses an nginx variable");
          continue;
        }
        request.set.emplace_back(header, v);
      }
      note(in, Kind::kFilter, field, "ConfigMap " + ns + "/" + name + ": RequestHeaderModifier set");
      return;
    }
    note(in, Kind::kDropped, field,
         "ConfigMap " + ns + "/" + name + " is not among the objects read: put its headers in a RequestHeaderModifier");
  }

  HttpRouteMatch match(const Ingress& in, const IngressPath& p, bool regex, const std::string& field) {
    HttpRouteMatch m;
    m.pathValue = p.path.empty() ? "/" : p.path;
    if (p.pathType == "Exact") {
      m.pathType = "Exact";
    } else if (p.pathType == "ImplementationSpecific" && regex) {
      // ingress-nginx matches such a path as a regular expression from the path's start.
      m.pathType = "RegularExpression";
      m.pathValue += ".*";
      note(in, Kind::kChanged, field, "a regular expression (use-regex): matched case-sensitively, where nginx ignores case");
    } else {
      m.pathType = "PathPrefix";  // Prefix, and ImplementationSpecific as ingress-nginx takes it
    }
    return m;
  }

  HttpRoute route(const Ingress& in, const std::string& suffix, const std::optional<std::string>& host) const {
    HttpRoute r;
    r.meta.ns = in.meta.ns;
    r.meta.name = settings_.namePrefix + in.meta.name + suffix;
    r.meta.creationTimestamp = in.meta.creationTimestamp;
    r.meta.generation = 1;
    r.meta.source = "Ingress " + in.meta.key() + " (" + in.meta.source + ")";
    if (host) r.hostnames.push_back(*host);
    return r;
  }

  void convert(const Ingress& in) {
    out_.ingresses.push_back(in.meta.key());
    Extras x = annotations(in);
    const bool forceRedirect = nginx(in, "force-ssl-redirect").value_or("false") == "true";
    const bool sslRedirect = nginx(in, "ssl-redirect").value_or("true") != "false";

    // The Ingress's rules, by host in their first order; a host listed twice is one route.
    std::vector<std::pair<std::optional<std::string>, std::vector<HttpRouteRule>>> byHost;
    for (std::size_t ri = 0; ri < in.rules.size(); ++ri) {
      const IngressRule& rule = in.rules[ri];
      if (rule.host && rule.host->rfind("*.", 0) == 0) {
        note(in, Kind::kChanged, "spec.rules[" + std::to_string(ri) + "].host",
             "Gateway API's " + *rule.host + " also takes names of more than one label in place of *, where Ingress "
             "takes one");
      }
      auto it = std::find_if(byHost.begin(), byHost.end(), [&](const auto& h) { return h.first == rule.host; });
      if (it == byHost.end()) it = byHost.insert(byHost.end(), {rule.host, {}});
      for (std::size_t pi = 0; pi < rule.paths.size(); ++pi) {
        const IngressPath& p = rule.paths[pi];
        const std::string field = "spec.rules[" + std::to_string(ri) + "].http.paths[" + std::to_string(pi) + "]";
        HttpRouteRule r;
        r.matches.push_back(match(in, p, x.regexPaths, field));
        if (x.redirect) {
          r.filters.push_back(*x.redirect);
        } else {
          const auto port = servicePort(in, p.backend, field + ".backend");
          if (!port) continue;
          BackendRef b;
          b.name = p.backend.service;
          b.port = port;
          r.backendRefs.push_back(b);
          r.filters = x.filters;
          r.backendRequestTimeout = x.backendTimeout;
        }
        it->second.push_back(std::move(r));
      }
    }
    const bool several = byHost.size() + (in.defaultBackend ? 1 : 0) > 1;
    for (auto& [host, rules] : byHost) {
      if (rules.empty()) continue;
      if (x.appRoot) {
        HttpRouteRule root;
        HttpRouteMatch m;
        m.pathType = "Exact";
        m.pathValue = "/";
        root.matches.push_back(m);
        HttpRouteFilter f;
        f.type = "RequestRedirect";
        f.statusCode = 302;
        f.path = HttpPathModifier{"ReplaceFullPath", *x.appRoot};
        root.filters.push_back(f);
        rules.insert(rules.begin(), root);
      }
      const std::string suffix = several ? "-" + (host ? slug(*host) : std::string("any-host")) : "";
      HttpRoute r = route(in, suffix, host);
      r.rules = rules;
      const bool tls = tlsFor(in, host);
      const bool redirect = (tls && sslRedirect) || forceRedirect;
      if (!redirect) {
        r.parentRefs.push_back(parent(std::nullopt));  // every listener whose hostname takes it
        out_.routes.push_back(std::move(r));
        continue;
      }
      // HTTPS serves the rules; HTTP redirects the same requests to it (ingress-nginx's
      // default for hosts with a certificate, with its 308).
      for (const auto& l : listenersFor(host, true)) r.parentRefs.push_back(parent(l));
      HttpRoute http = route(in, suffix + "-redirect", host);
      for (const auto& l : listenersFor(host, false)) http.parentRefs.push_back(parent(l));
      for (const HttpRouteRule& rule : rules) {
        HttpRouteRule red;
        red.matches = rule.matches;
        HttpRouteFilter f;
        f.type = "RequestRedirect";
        f.scheme = "https";
        f.statusCode = 308;
        red.filters.push_back(f);
        http.rules.push_back(std::move(red));
      }
      const std::string field = forceRedirect ? "annotation nginx.ingress.kubernetes.io/force-ssl-redirect" : "spec.tls";
      note(in, Kind::kFilter, field,
           "HTTP requests for " + host.value_or("any host") + " get RequestRedirect to https (308), route " + http.meta.name);
      if (!r.parentRefs.empty()) {
        out_.routes.push_back(std::move(r));
      } else {
        note(in, Kind::kDropped, field, "no HTTPS listener serves " + host.value_or("any host") + ": only the redirect is made");
      }
      out_.routes.push_back(std::move(http));
    }
    if (in.defaultBackend) {
      if (defaultTaken_) {
        note(in, Kind::kDropped, "spec.defaultBackend", "an older Ingress's default backend is served instead");
      } else if (const auto port = servicePort(in, *in.defaultBackend, "spec.defaultBackend")) {
        defaultTaken_ = true;
        HttpRoute r = route(in, several ? "-default" : "", std::nullopt);
        r.parentRefs.push_back(parent(std::nullopt));
        HttpRouteRule rule;
        BackendRef b;
        b.name = in.defaultBackend->service;
        b.port = port;
        rule.backendRefs.push_back(b);
        r.rules.push_back(rule);
        note(in, Kind::kChanged, "spec.defaultBackend",
             "route " + r.meta.name + " without hostnames: requests no other route's hostname takes");
        out_.routes.push_back(std::move(r));
      }
    }
  }

  const ClusterState& state_;
  const IngressSettings& settings_;
  const Gateway* existing_ = nullptr;
  std::vector<TlsListener> tls_;
  std::string created_;
  bool defaultTaken_ = false;
  IngressConversion out_;
};

}  // namespace

std::string IngressNote::toString() const {
  const char* k = kind == Kind::kFilter ? "becomes" : kind == Kind::kChanged ? "changed" : "not carried over";
  return "Ingress " + ingress + " " + field + ": " + k + ": " + what;
}

bool isOurIngress(const Ingress& ingress, const ClusterState& state) {
  std::optional<std::string> cls = ingress.ingressClassName;
  if (!cls) cls = annotation(ingress.meta, kLegacyClassAnnotation);
  for (const IngressClass& c : state.ingressClasses) {
    if (c.controller != kIngressControllerName) continue;
    if (cls ? c.meta.name == *cls : c.isDefault) return true;
  }
  return false;
}

IngressConversion convertIngresses(const ClusterState& state, const IngressSettings& settings) {
  return Converter(state, settings).run();
}

std::vector<std::string> ingressConflicts(const Translation& translation, const IngressConversion& conversion,
                                          const IngressSettings& settings) {
  std::vector<std::string> out;
  const GatewayState* gw = translation.gateway(settings.gatewayNamespace + "/" + settings.gatewayName);
  if (gw == nullptr) return out;
  std::set<std::string> made;
  for (const auto& r : conversion.routes) made.insert(r.meta.key());
  std::set<std::string> said;
  for (const ListenerState& l : gw->listeners) {
    std::map<std::string, std::string> ingressHosts;  // hostname -> the made route serving it
    for (const AttachedRoute& r : l.routes) {
      if (!made.count(r.key)) continue;
      for (const auto& h : r.hostnames) ingressHosts.emplace(h, r.key);
    }
    for (const AttachedRoute& r : l.routes) {
      if (made.count(r.key)) continue;
      for (const auto& h : r.hostnames) {
        const auto it = ingressHosts.find(h);
        if (it == ingressHosts.end()) continue;
        const std::string msg = r.kind + " " + r.key + " and the Ingress served as HTTPRoute " + it->second +
                                " both serve host " + (h.empty() ? "(any)" : h) + " on Gateway " + gw->key +
                                ": Gateway API's precedence decides each request between them";
        if (said.insert(msg).second) out.push_back(msg);
      }
    }
  }
  return out;
}

ClusterState withIngresses(const ClusterState& state, const IngressConversion& conversion,
                           const IngressSettings& settings, std::set<std::string>* made) {
  ClusterState out = state;
  std::set<std::string> added;
  if (conversion.gateway) {
    const bool classKnown = std::any_of(out.gatewayClasses.begin(), out.gatewayClasses.end(),
                                        [&](const GatewayClass& c) { return c.meta.name == settings.gatewayClass; });
    if (!classKnown) {
      out.gatewayClasses.push_back({ObjectMeta{"", settings.gatewayClass}, kControllerName});
      added.insert("GatewayClass " + settings.gatewayClass);
    }
    out.gateways.push_back(*conversion.gateway);
    added.insert("Gateway " + conversion.gateway->meta.key());
  }
  for (const auto& r : conversion.routes) added.insert("HTTPRoute " + r.meta.key());
  if (made != nullptr) *made = std::move(added);
  for (const auto& r : conversion.routes) out.httpRoutes.push_back(r);
  for (const auto& g : conversion.grants) out.referenceGrants.push_back(g);
  return out;
}

}  // namespace portico::cp
