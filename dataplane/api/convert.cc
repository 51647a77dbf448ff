#include "dataplane/api/convert.h"

namespace portico::dp::api {

namespace pb = portico::dataplane::v1;

Result<snapshot::DesiredState> fromProto(const pb::DesiredState& in) {
  snapshot::DesiredState out;
  for (int i = 0; i < in.vips_size(); ++i) {
    const auto a = pkt::IpAddress::parse(in.vips(i));
    if (!a) return Error{"vips[" + std::to_string(i) + "]", "'" + in.vips(i) + "' is not an IP address"};
    out.vips.push_back(*a);
  }
  for (int i = 0; i < in.services_size(); ++i) {
    const pb::Service& s = in.services(i);
    const std::string where = "services[" + std::to_string(i) + "] (" + s.name() + ")";
    snapshot::ServiceSpec svc;
    svc.name = s.name();
    const auto vip = pkt::IpAddress::parse(s.vip());
    if (!vip) return Error{where + ".vip", "'" + s.vip() + "' is not an IP address"};
    svc.vip = *vip;
    if (s.port() == 0 || s.port() > 65535) return Error{where + ".port", std::to_string(s.port()) + " is not a port"};
    svc.port = static_cast<uint16_t>(s.port());
    if (s.protocol() == pb::PROTOCOL_TCP) {
      svc.proto = 6;
    } else if (s.protocol() == pb::PROTOCOL_UDP) {
      svc.proto = 17;
    } else {
      return Error{where + ".protocol", "must be TCP or UDP"};
    }
    for (int b = 0; b < s.backends_size(); ++b) {
      const pb::Backend& be = s.backends(b);
      const std::string bwhere = where + ".backends[" + std::to_string(b) + "]";
      snapshot::BackendSpec spec;
      const auto addr = pkt::IpAddress::parse(be.address());
      if (!addr) return Error{bwhere + ".address", "'" + be.address() + "' is not an IP address"};
      spec.address = *addr;
      if (be.port() == 0 || be.port() > 65535) return Error{bwhere + ".port", std::to_string(be.port()) + " is not a port"};
      spec.port = static_cast<uint16_t>(be.port());
      spec.weight = be.weight();
      spec.state = be.state() == pb::BACKEND_STATE_DRAINING  ? snapshot::BackendState::kDraining
                   : be.state() == pb::BACKEND_STATE_REMOVED ? snapshot::BackendState::kRemoved
                                                             : snapshot::BackendState::kActive;
      svc.backends.push_back(spec);
    }
    out.services.push_back(std::move(svc));
  }
  return out;
}

pb::DesiredState toProto(const snapshot::DesiredState& state, uint64_t version) {
  pb::DesiredState out;
  out.set_version(version);
  for (const auto& v : state.vips) out.add_vips(v.toString());
  for (const auto& s : state.services) {
    pb::Service* svc = out.add_services();
    svc->set_name(s.name);
    svc->set_vip(s.vip.toString());
    svc->set_port(s.port);
    svc->set_protocol(s.proto == 6 ? pb::PROTOCOL_TCP : pb::PROTOCOL_UDP);
    for (const auto& b : s.backends) {
      pb::Backend* be = svc->add_backends();
      be->set_address(b.address.toString());
      be->set_port(b.port);
      be->set_weight(b.weight);
      be->set_state(b.state == snapshot::BackendState::kDraining  ? pb::BACKEND_STATE_DRAINING
                    : b.state == snapshot::BackendState::kRemoved ? pb::BACKEND_STATE_REMOVED
                                                                  : pb::BACKEND_STATE_ACTIVE);
    }
  }
  return out;
}

}  // namespace portico::dp::api
