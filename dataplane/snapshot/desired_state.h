#pragma once

// What the dataplane is asked to serve: the seam between whoever decides (the static
// config today, the control plane's gRPC push next) and the snapshot compiler.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/pkt/ip_address.h"

namespace portico::dp::snapshot {

enum class BackendState : uint8_t {
  kActive,    // takes new flows
  kDraining,  // keeps its open flows, takes no new ones
  kRemoved,   // gone: its flows end
};

struct BackendSpec {
  pkt::IpAddress address;
  uint16_t port = 0;  // host byte order
  uint32_t weight = 1;
  BackendState state = BackendState::kActive;
};

struct ServiceSpec {
  std::string name;
  pkt::IpAddress vip;
  uint16_t port = 0;  // host byte order
  uint8_t proto = 6;  // 6 TCP, 17 UDP
  std::vector<BackendSpec> backends;
};

// L7: what an HTTP or TLS listener port routes, already in Gateway API precedence order
// (the control plane sorts; the dataplane takes the first route that matches).
enum class PathMatchType : uint8_t { kPrefix, kExact, kRegex };
enum class ValueMatchType : uint8_t { kExact, kRegex };
// kHttps: TLS terminated here, then HTTP per request; kTlsTerminate: TLS terminated here,
// then the stream relayed as it is (a TLSRoute). A port's protocol is its family: kHttp,
// or kTls for a port of TLS listeners of any kind (the ClientHello first).
enum class ListenerProtocol : uint8_t { kHttp, kTls, kHttps, kTlsTerminate };
inline ListenerProtocol familyOf(ListenerProtocol p) { return p == ListenerProtocol::kHttp ? p : ListenerProtocol::kTls; }
inline bool terminatesTls(ListenerProtocol p) { return p == ListenerProtocol::kHttps || p == ListenerProtocol::kTlsTerminate; }

struct CertificateSpec {
  std::string name;  // where it came from, for errors
  std::string certificatePem, keyPem;
};

// How a port's connections reach their backends. Splice: the first bytes choose, then the
// two TCP halves are joined by rewriting sequence numbers (the backend's TCP does the
// reliability). Relay: the first bytes choose, then the workers' own TCP endpoint
// terminates both sides and relays the bytes, so each side has its own round trip.
// Proxy (HTTP only): the endpoint terminates both sides and every request is routed on
// its own (dataplane/http/).
enum class L7Mode : uint8_t { kSplice, kRelay, kProxy };

struct ValueMatchSpec {
  std::string name;  // header names compare case-insensitively, query names exactly
  ValueMatchType type = ValueMatchType::kExact;
  std::string value;
};

struct RouteMatchSpec {
  PathMatchType pathType = PathMatchType::kPrefix;
  std::string path = "/";
  std::string method;  // empty: any
  std::vector<ValueMatchSpec> headers;
  std::vector<ValueMatchSpec> query;
};

// HTTPRoute filters (proxy-mode listeners apply them; the others answer 500 rather than
// skip one).
struct HeaderEditsSpec {
  std::vector<std::pair<std::string, std::string>> set, add;
  std::vector<std::string> remove;
  bool empty() const { return set.empty() && add.empty() && remove.empty(); }
};

enum class PathRewrite : uint8_t { kNone, kFull, kPrefix };

struct RedirectSpec {
  std::string scheme;    // empty: the request's
  std::string hostname;  // empty: the request's
  uint16_t port = 0;     // 0: the scheme's well-known port, else the listener's
  PathRewrite pathType = PathRewrite::kNone;
  std::string path;
  uint16_t statusCode = 302;
};

struct RewriteSpec {
  std::string hostname;  // empty: unchanged
  PathRewrite pathType = PathRewrite::kNone;
  std::string path;
};

struct L7BackendSpec;

struct FiltersSpec {
  HeaderEditsSpec requestHeaders, responseHeaders;
  std::optional<RedirectSpec> redirect;
  std::optional<RewriteSpec> rewrite;
  std::vector<L7BackendSpec> mirrors;
  uint32_t requestTimeoutMs = 0;  // 0: none
  uint32_t backendTimeoutMs = 0;  // 0: the listener's default
  bool empty() const;
};

struct L7BackendSpec {
  std::string name;      // "namespace/service:port", for errors and explain
  uint32_t weight = 1;   // 0: takes no connections
  bool invalid = false;  // an unresolvable backendRef: its share of connections gets a 500
  std::vector<BackendSpec> endpoints;  // none ready: 503
  FiltersSpec filters;   // header modifiers only
};

inline bool FiltersSpec::empty() const {
  return requestHeaders.empty() && responseHeaders.empty() && !redirect && !rewrite && mirrors.empty() &&
         requestTimeoutMs == 0 && backendTimeoutMs == 0;
}

struct L7RouteSpec {
  std::string name;  // "HTTPRoute ns/name rule 0", for errors and explain
  RouteMatchSpec match;  // TLS routes match on the name alone
  std::vector<L7BackendSpec> backends;
  FiltersSpec filters;
};

struct VirtualHostSpec {
  std::string hostname;  // "", exact, or "*.suffix", already intersected with the listener's
  std::vector<L7RouteSpec> routes;
};

struct ListenerSpec {
  std::string name;
  std::string hostname;  // "" for any
  ListenerProtocol protocol = ListenerProtocol::kHttp;
  bool proxyProtocol = false;  // prefix the backend stream with a PROXY v2 header
  std::vector<VirtualHostSpec> hosts;
  L7Mode mode = L7Mode::kSplice;
  std::vector<CertificateSpec> certificates;  // kHttps, kTlsTerminate
};

struct L7PortSpec {
  pkt::IpAddress vip;
  uint16_t port = 0;
  std::vector<ListenerSpec> listeners;  // one protocol per port
};

struct DesiredState {
  std::vector<pkt::IpAddress> vips;  // answered (ARP/NDP, ping) even without a service
  std::vector<ServiceSpec> services;
  std::vector<L7PortSpec> l7Ports;
};

}  // namespace portico::dp::snapshot
