#pragma once

// Header edits into their message, from either daemon's own form (both keep `set` and
// `add` as name/value pairs and `remove` as names).

#include "proto/dataplane.pb.h"

namespace portico {

template <typename Edits>
void headerEditsToProto(const Edits& in, dataplane::v1::HeaderEdits& out) {
  for (const auto& [name, value] : in.set) {
    dataplane::v1::HeaderValue* v = out.add_set();
    v->set_name(name);
    v->set_value(value);
  }
  for (const auto& [name, value] : in.add) {
    dataplane::v1::HeaderValue* v = out.add_add();
    v->set_name(name);
    v->set_value(value);
  }
  for (const auto& name : in.remove) out.add_remove(name);
}

}  // namespace portico
