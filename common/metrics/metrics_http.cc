#include "common/metrics/metrics_http.h"

#include <httplib.h>

#include "common/listen_address.h"

namespace portico::common {

std::unique_ptr<MetricsHttp> MetricsHttp::start(const std::string& listen, Handlers handlers, std::string& error) {
  std::string address;
  int port = 0;
  if (!splitListenAddress(listen, address, port)) {
    error = "metrics.listen " + listen + ": is not address:port";
    return nullptr;
  }
  std::unique_ptr<MetricsHttp> m(new MetricsHttp());
  m->server_ = std::make_unique<httplib::Server>();
  httplib::Server& s = *m->server_;
  s.Get("/metrics", [h = handlers](const httplib::Request&, httplib::Response& res) {
    res.set_content(h.metrics(), "text/plain; version=0.0.4; charset=utf-8");
  });
  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  s.Get("/readyz", [h = handlers](const httplib::Request&, httplib::Response& res) {
    const bool ready = h.ready();
    res.status = ready ? 200 : 503;
    res.set_content(ready ? "ready\n" : "not ready: the workers are not running or no state is served yet\n",
                    "text/plain");
  });
  if (!s.bind_to_port(address, port)) {
    error = "metrics.listen " + listen + ": cannot bind (in use, or not an address of this host)";
    return nullptr;
  }
  m->thread_ = std::thread([&s] { s.listen_after_bind(); });
  return m;
}

void MetricsHttp::shutdown() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

MetricsHttp::~MetricsHttp() { shutdown(); }

}  // namespace portico::common
