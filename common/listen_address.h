#pragma once

// "address:port" or "[v6 address]:port", as dataplane.yaml writes a listening address.

#include <arpa/inet.h>

#include <string>

namespace portico::common {

// False when `listen` is neither form, the port is not 1-65535, or the address is not an
// IPv4 or IPv6 literal.
inline bool splitListenAddress(const std::string& listen, std::string& address, int& port) {
  std::string portText;
  if (!listen.empty() && listen.front() == '[') {
    const auto close = listen.find("]:");
    if (close == std::string::npos) return false;
    address = listen.substr(1, close - 1);
    portText = listen.substr(close + 2);
  } else {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || listen.find(':') != colon) return false;
    address = listen.substr(0, colon);
    portText = listen.substr(colon + 1);
  }
  if (portText.empty() || portText.size() > 5 || portText.find_first_not_of("0123456789") != std::string::npos) return false;
  port = std::stoi(portText);
  unsigned char buf[16];
  const bool literal = inet_pton(AF_INET, address.c_str(), buf) == 1 || inet_pton(AF_INET6, address.c_str(), buf) == 1;
  return literal && port >= 1 && port <= 65535;
}

}  // namespace portico::common
