#include "controlplane/source/k8s/api_client.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

namespace portico::cp::k8s {

namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

struct Transfer {
  std::string body;
  const std::function<bool(std::string_view)>* onLine = nullptr;
  const std::atomic<bool>* stop = nullptr;
  bool stoppedByLine = false;
};

size_t onData(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->body.append(data, size * count);
  if (t->onLine != nullptr) {
    std::size_t start = 0, nl;
    while ((nl = t->body.find('\n', start)) != std::string::npos) {
      if (nl > start && !(*t->onLine)(std::string_view(t->body).substr(start, nl - start))) {
        t->stoppedByLine = true;
        return 0;  // aborts the transfer
      }
      start = nl + 1;
    }
    t->body.erase(0, start);
  }
  return size * count;
}

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->stop != nullptr && t->stop->load() ? 1 : 0;
}

void blob(CURL* c, CURLoption option, const std::string& pem) {
  curl_blob b{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(c, option, &b);
}

}  // namespace

std::string ApiResponse::describe() const {
  if (status == 0) return error.empty() ? "no answer" : error;
  // A Status object says why in its message.
  const auto j = nlohmann::json::parse(body, nullptr, false);
  const std::string why = j.is_object() && j.contains("message") && j["message"].is_string()
                              ? j["message"].get<std::string>()
                              : body.substr(0, 200);
  return "HTTP " + std::to_string(status) + (why.empty() ? "" : ": " + why);
}

ApiClient::ApiClient(KubeConfig config) : config_(std::move(config)) {
  static CurlGlobal global;
}

std::string ApiClient::bearer() const {
  if (config_.tokenFile.empty()) return config_.token;
  std::lock_guard lock(tokenMutex_);
  struct stat st {};
  const int64_t stamp = stat(config_.tokenFile.c_str(), &st) == 0 ? st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec : -1;
  if (stamp != tokenStamp_) {
    std::ifstream in(config_.tokenFile);
    std::stringstream s;
    s << in.rdbuf();
    fileToken_ = s.str();
    while (!fileToken_.empty() && (fileToken_.back() == '\n' || fileToken_.back() == '\r')) fileToken_.pop_back();
    tokenStamp_ = stamp;
  }
  return fileToken_;
}

ApiResponse ApiClient::stream(const std::string& path, const std::function<bool(std::string_view)>& onLine, long timeoutS,
                              const std::atomic<bool>& stop) const {
  return perform("GET", path, "", "", timeoutS, &onLine, &stop);
}

ApiResponse ApiClient::request(const std::string& method, const std::string& path, const std::string& body,
                               const std::string& contentType, long timeoutS) const {
  return perform(method, path, body, contentType, timeoutS, nullptr, nullptr);
}

ApiResponse ApiClient::perform(const std::string& method, const std::string& path, const std::string& body,
                               const std::string& contentType, long timeoutS,
                               const std::function<bool(std::string_view)>* onLine,
                               const std::atomic<bool>* stop) const {
  ApiResponse out;
  using Handle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
  // Plain requests reuse one handle per thread, and with it the TLS connection: writing
  // the status of 10 000 routes must not cost 20 000 handshakes on the API server. A
  // watch holds its connection for minutes, so it gets a handle of its own.
  thread_local Handle reused(nullptr, curl_easy_cleanup);
  Handle own(nullptr, curl_easy_cleanup);
  Handle& curl = onLine == nullptr ? reused : own;
  if (curl) {
    curl_easy_reset(curl.get());
  } else {
    curl.reset(curl_easy_init());
  }
  if (!curl) {
    out.error = "cannot create an HTTP handle";
    return out;
  }
  CURL* c = curl.get();
  Transfer t;
  t.onLine = onLine;
  t.stop = stop;
  const std::string url = config_.server + path;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onData);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  if (stop != nullptr) {
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, onProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeoutS);
  // A peer that vanished without a FIN is noticed by keepalive probes, not only at the
  // end of a long watch.
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 15L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 5L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  if (!config_.caFile.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config_.caFile.c_str());
  if (!config_.caPem.empty()) blob(c, CURLOPT_CAINFO_BLOB, config_.caPem);
  if (config_.insecureSkipVerify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!config_.clientCertFile.empty()) curl_easy_setopt(c, CURLOPT_SSLCERT, config_.clientCertFile.c_str());
  if (!config_.clientKeyFile.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, config_.clientKeyFile.c_str());
  if (!config_.clientCertPem.empty()) blob(c, CURLOPT_SSLCERT_BLOB, config_.clientCertPem);
  if (!config_.clientKeyPem.empty()) blob(c, CURLOPT_SSLKEY_BLOB, config_.clientKeyPem);
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  if (!contentType.empty()) headers = curl_slist_append(headers, ("Content-Type: " + contentType).c_str());
  const std::string token = bearer();
  if (!token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  out.body = std::move(t.body);
  // Ending on our own terms (stop, or a line that asked to) is not a failure; any other
  // break means the answer is incomplete, whatever status line came first.
  const bool ours = t.stoppedByLine || (stop != nullptr && stop->load() && rc == CURLE_ABORTED_BY_CALLBACK);
  if (rc != CURLE_OK && !ours) {
    out.error = std::string(curl_easy_strerror(rc)) + " (" + method + " " + url + ")";
    out.status = 0;
  }
  return out;
}

}  // namespace portico::cp::k8s
