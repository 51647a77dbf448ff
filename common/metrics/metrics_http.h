#pragma once

// GET /metrics (Prometheus's text format), /healthz and /readyz over plain HTTP on the
// address a daemon's config names (metrics.listen). cpp-httplib (Debian's libcpp-httplib)
// answers on its own threads, never a dataplane worker's. Plain HTTP, as Prometheus and
// load-balancer monitors expect: bind it to a management address.

#include <functional>
#include <memory>
#include <string>
#include <thread>


namespace httplib {
class Server;
}

namespace portico::common {

class MetricsHttp {
 public:
  struct Handlers {
    std::function<std::string()> metrics;
    std::function<bool()> ready;
  };
  // `listen` is "address:port" or "[v6 address]:port". Null, with `error` saying why,
  // when it is not or cannot be bound.
  static std::unique_ptr<MetricsHttp> start(const std::string& listen, Handlers handlers, std::string& error);
  ~MetricsHttp();
  void shutdown();

 private:
  MetricsHttp() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace portico::common
