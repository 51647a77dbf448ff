#pragma once

// GET /metrics (Prometheus's text format), /healthz and /readyz over plain HTTP on the
// address dataplane.yaml names (metrics.listen). cpp-httplib (Debian's libcpp-httplib)
// answers on its own threads; the handlers read relaxed counters, so a scrape never
// stops a worker. Plain HTTP, as Prometheus and load-balancer monitors expect: bind it to
// a management address.

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "dataplane/common/result.h"

namespace httplib {
class Server;
}

namespace portico::dp::api {

class MetricsHttp {
 public:
  struct Handlers {
    std::function<std::string()> metrics;
    std::function<bool()> ready;
  };
  // `listen` is "address:port" or "[v6 address]:port"; the error says why it cannot bind.
  static Result<std::unique_ptr<MetricsHttp>> start(const std::string& listen, Handlers handlers);
  ~MetricsHttp();
  void shutdown();

 private:
  MetricsHttp() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace portico::dp::api
