#pragma once

// HTTPS to the Kubernetes API with libcurl (Debian's libcurl4-openssl-dev: TLS from
// OpenSSL, which the project already links, and in-memory PEM blobs for kubeconfig
// *-data fields). Every call opens its own handle, so threads may share one client.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "controlplane/source/k8s/kube_config.h"

namespace portico::cp::k8s {

struct ApiResponse {
  long status = 0;     // HTTP status; 0 when no answer came (connection, TLS, timeout)
  std::string body;    // the answer (for stream(): what followed the last full line)
  std::string error;   // transport error, when status is 0

  bool ok() const { return status >= 200 && status < 300; }
  // One line for logs: "HTTP 403: <message>" or the transport error.
  std::string describe() const;
};

class ApiClient {
 public:
  explicit ApiClient(KubeConfig config);

  ApiResponse request(const std::string& method, const std::string& path, const std::string& body = "",
                      const std::string& contentType = "application/json", long timeoutS = 30) const;
  // A long GET whose answer is a stream of JSON lines (a watch): `onLine` gets each one;
  // the call returns when the server ends the stream, after `timeoutS`, when `onLine`
  // returns false, or within a second of `stop` becoming true.
  ApiResponse stream(const std::string& path, const std::function<bool(std::string_view)>& onLine, long timeoutS,
                     const std::atomic<bool>& stop) const;

  const KubeConfig& config() const { return config_; }

 private:
  // The token to send: a token file is read again when it changes (service-account
  // tokens rotate about hourly).
  std::string bearer() const;
  ApiResponse perform(const std::string& method, const std::string& path, const std::string& body,
                      const std::string& contentType, long timeoutS, const std::function<bool(std::string_view)>* onLine,
                      const std::atomic<bool>* stop) const;

  KubeConfig config_;
  mutable std::mutex tokenMutex_;
  mutable std::string fileToken_;
  mutable int64_t tokenStamp_ = -1;
};

}  // namespace portico::cp::k8s
