#pragma once

#include <memory>

#include "dataplane/common/result.h"
#include "dataplane/config/config.h"

namespace grpc {
class Server;
}

namespace portico::dp::runtime {
class Runtime;
}

namespace portico::dp::api {

class DataplaneService;

// The dataplane's gRPC API, served from gRPC's own threads (never a worker): Push
// publishes a state through the runtime and answers once every worker serves it.
class ApiServer {
 public:
  // `tcpPort`, when given, receives the TCP port bound (for "address:0").
  static Result<std::unique_ptr<ApiServer>> start(runtime::Runtime& runtime, const config::ApiConfig& config,
                                                  int* tcpPort = nullptr);
  ~ApiServer();

  void shutdown();

 private:
  ApiServer() = default;
  std::unique_ptr<DataplaneService> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace portico::dp::api
