#pragma once

#include <cstdint>

#include "dataplane/lb/vip_table.h"

namespace portico::dp::snapshot {

// Everything workers read to decide a packet, immutable once published. Later issues
// add the Maglev tables, listeners and routes here; workers never see a half-built one.
struct Snapshot {
  uint64_t version = 0;
  lb::VipTable vips;
};

}  // namespace portico::dp::snapshot
