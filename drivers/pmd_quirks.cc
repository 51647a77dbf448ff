#include "drivers/pmd_quirks.h"

namespace portico::drv {

namespace {

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool hasArg(const std::string& device, const std::string& key) {
  return device.find("," + key + "=") != std::string::npos;
}

}  // namespace

std::string withQueueCount(const std::string& device, uint16_t queues) {
  // af_packet opens one socket per queue pair, in a PACKET_FANOUT group so the kernel
  // spreads flows over them by hash: that is its RSS.
  if (!startsWith(device, "net_af_packet")) return device;
  std::string out = device;
  if (!hasArg(device, "qpairs")) out += ",qpairs=" + std::to_string(queues);
  // The fanout group also rolls frames over to another socket when one's ring is full,
  // which moves a connection to a worker that does not know it. Deeper rings (the PMD's
  // default is 512 frames) keep bursts on their own worker.
  if (queues > 1 && !hasArg(device, "framecnt")) out += ",framecnt=4096";
  return out;
}

bool isVirtualDevice(const std::string& device) {
  return startsWith(device, "net_") || startsWith(device, "eth_") || startsWith(device, "virtio_user");
}

std::string deviceName(const std::string& device) { return device.substr(0, device.find(',')); }

}  // namespace portico::drv
