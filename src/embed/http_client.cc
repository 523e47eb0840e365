#include "embed/http_client.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace exemplar::embed {
namespace {

// Idle handles kept for reuse; more concurrent callers than this just open extra connections.
constexpr size_t kMaxIdleHandles = 16;
// Connection setup gets at most this long even when the request timeout is larger.
constexpr long kMaxConnectTimeoutMs = 10000;
// Replies larger than this are refused (an embeddings reply for 64 × 3,072 floats is ≈ 4 MB).
constexpr size_t kMaxReplyBytes = 256u << 20;

std::once_flag g_curl_init;

struct Exchange {
  HttpResponse response;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  if (ex->response.body.size() + n > kMaxReplyBytes) {
    ex->too_large = true;
    return 0;  // aborts the transfer
  }
  ex->response.body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) ex->response.retry_after.clear();  // a new response begins
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size() &&
      std::equal(kName.begin(), kName.end(), line.begin(),
                 [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
    std::string_view value = line.substr(kName.size());
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
    ex->response.retry_after = std::string(value);
  }
  return n;
}

}  // namespace

HttpClient::HttpClient() {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpClient::~HttpClient() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* HttpClient::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void HttpClient::Release(void* handle) {
  {
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdleHandles) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

Result<HttpResponse> HttpClient::Post(const std::string& url, const std::vector<std::string>& headers,
                                      const std::string& body, long timeout_ms) {
  auto* curl = static_cast<CURL*>(Acquire());
  if (curl == nullptr) return Status::Unavailable("cannot create an HTTP client handle");
  curl_easy_reset(curl);  // options only: live connections stay in the handle's cache
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip for large bodies
  Exchange ex;
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ex);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM-based DNS timeouts in threads
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, kMaxConnectTimeoutMs));
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // whatever curl can decode
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "exemplar/0.1");
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &ex.response.status);
  curl_slist_free_all(list);
  Release(curl);
  if (rc != CURLE_OK) {
    // Endpoints are the operator's configuration: the log names the endpoint and curl's detail
    // (host, port); what callers see says only what went wrong.
    spdlog::warn("POST {} failed: {}", url, ex.too_large ? "reply exceeds the size limit" : error[0] ? error : curl_easy_strerror(rc));
    if (ex.too_large) return Status::Unavailable("the provider's reply exceeds the size limit");
    std::string why = curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) why = "timed out after " + std::to_string(timeout_ms) + " ms";
    return Status::Unavailable("request to the provider failed: " + why);
  }
  return std::move(ex.response);
}

}  // namespace exemplar::embed
