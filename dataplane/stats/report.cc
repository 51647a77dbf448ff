#include "dataplane/stats/report.h"

namespace portico::dp {

std::vector<std::pair<std::string, uint64_t>> counterValues(const LcoreCounters& c, bool all) {
  std::vector<std::pair<std::string, uint64_t>> out;
#define PORTICO_EVENT_VALUE(id, name) out.emplace_back(name, c.id.load(std::memory_order_relaxed));
  PORTICO_EVENT_COUNTERS(PORTICO_EVENT_VALUE)
#undef PORTICO_EVENT_VALUE
  uint64_t dropped = 0;
  for (const auto& d : c.drops) dropped += d.load(std::memory_order_relaxed);
  out.emplace_back("dropped", dropped);
  for (std::size_t i = 0; i < kDropReasonCount; ++i) {
    const uint64_t v = c.drops[i].load(std::memory_order_relaxed);
    if (v != 0 || all) out.emplace_back("drop." + std::string(dropReasonName(static_cast<DropReason>(i))), v);
  }
  return out;
}

std::string formatCounters(const LcoreCounters& c, bool all) {
  std::string out;
  for (const auto& [name, value] : counterValues(c, all)) {
    if (!out.empty()) out += ' ';
    out += name + "=" + std::to_string(value);
  }
  return out;
}

void sumCounters(std::span<const LcoreCounters> lcores, LcoreCounters& total) {
  auto add = [](std::atomic<uint64_t>& to, const std::atomic<uint64_t>& from) {
    to.store(to.load(std::memory_order_relaxed) + from.load(std::memory_order_relaxed), std::memory_order_relaxed);
  };
  for (const auto& c : lcores) {
#define PORTICO_EVENT_SUM(id, name) add(total.id, c.id);
    PORTICO_EVENT_COUNTERS(PORTICO_EVENT_SUM)
#undef PORTICO_EVENT_SUM
    for (std::size_t i = 0; i < kDropReasonCount; ++i) add(total.drops[i], c.drops[i]);
  }
}

}  // namespace portico::dp
