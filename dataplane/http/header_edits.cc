#include "dataplane/http/header_edits.h"

#include <algorithm>

#include "dataplane/http/fields.h"

namespace portico::dp::http {

namespace {

void put(std::string& out, EditOp op, std::string_view name, std::string_view value) {
  name = name.substr(0, 255);
  value = value.substr(0, 65535);
  out.push_back(static_cast<char>(op));
  out.push_back(static_cast<char>(name.size()));
  out.push_back(static_cast<char>(value.size() & 0xff));
  out.push_back(static_cast<char>(value.size() >> 8));
  out.append(name);
  out.append(value);
}

}  // namespace

std::string encodeEdits(const snapshot::HeaderEditsSpec& spec) {
  std::string out;
  for (const auto& [name, value] : spec.set) put(out, EditOp::kSet, name, value);
  for (const auto& [name, value] : spec.add) put(out, EditOp::kAdd, name, value);
  for (const auto& name : spec.remove) put(out, EditOp::kRemove, name, {});
  return out;
}

bool HeaderEdits::drops(std::string_view name) const {
  bool dropped = false;
  each([&](EditOp op, std::string_view n, std::string_view) {
    if (op != EditOp::kAdd && equalsNoCase(n, name)) dropped = true;
  });
  return dropped;
}

}  // namespace portico::dp::http
