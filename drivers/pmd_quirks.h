#pragma once

#include <cstdint>
#include <string>

namespace portico::drv {

// Rewrites a vdev string so the PMD offers `queues` queue pairs where it needs telling
// (af_packet's qpairs=, tap's queues=); returns other devices unchanged.
std::string withQueueCount(const std::string& device, uint16_t queues);

// True for device strings that name a virtual device (probed by us) rather than a PCI
// address (probed by the EAL bus scan).
bool isVirtualDevice(const std::string& device);

// The ethdev name DPDK registers for a device string: the vdev name before any argument.
std::string deviceName(const std::string& device);

}  // namespace portico::drv
