#include "lm/openai_chat.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <thread>

#include "common/json_util.h"
#include "common/provider_text.h"

namespace exemplar::lm {
namespace {

using Clock = std::chrono::steady_clock;


void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

struct HttpReply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // lower-cased names
  bool cancelled = false;
  // When code != CURLE_OK: curl's description of the code, which names no host, for callers
  // to see; `detail` (curl's error buffer, with host and port) is for the operator's log only.
  std::string error;
  std::string detail;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  static_cast<HttpReply*>(user)->body.append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* reply = static_cast<HttpReply*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) reply->headers.clear();  // a new response (e.g. after 100)
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    reply->headers.emplace_back(Lower(Trim(line.substr(0, colon))), Trim(line.substr(colon + 1)));
  }
  return size * n;
}

std::string Header(const HttpReply& reply, const std::string& name) {
  for (const auto& [k, v] : reply.headers) {
    if (k == name) return v;
  }
  return "";
}

bool Cancelled(const std::function<bool()>& cancelled) { return cancelled && cancelled(); }

// Sleeps `ms`, waking early when cancelled; false when cancelled.
bool CancellableSleep(int64_t ms, const std::function<bool()>& cancelled) {
  auto deadline = Clock::now() + std::chrono::milliseconds(ms);
  while (Clock::now() < deadline) {
    if (Cancelled(cancelled)) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    std::this_thread::sleep_for(
        std::min<std::chrono::milliseconds>(left, std::chrono::milliseconds(OpenAiChatLm::kPollIntervalMs)));
  }
  return !Cancelled(cancelled);
}

bool RetryableCurl(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return false;
    default:
      return true;
  }
}

// The text of one choice: message.content as a string or as content parts, or legacy "text".
bool ChoiceText(const Json& choice, std::string* out) {
  if (!choice.is_object()) return false;
  auto msg = choice.find("message");
  if (msg != choice.end() && msg->is_object()) {
    auto content = msg->find("content");
    if (content == msg->end() || content->is_null()) {
      out->clear();
      return true;
    }
    if (content->is_string()) {
      *out = content->get<std::string>();
      return true;
    }
    if (content->is_array()) {
      out->clear();
      for (const Json& part : *content) {
        if (part.is_object() && part.contains("text") && part["text"].is_string()) {
          *out += part["text"].get<std::string>();
        }
      }
      return true;
    }
    return false;
  }
  auto text = choice.find("text");
  if (text != choice.end() && text->is_string()) {
    *out = text->get<std::string>();
    return true;
  }
  return false;
}

// `key`: the key the request was sent with, never shown back (a provider may echo it).
Result<LmResponse> ParseReply(const std::string& body, std::string_view key) {
  auto malformed = [](const std::string& why) {
    return Status::Internal("malformed provider reply: " + why);
  };
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return malformed("not JSON: " + ScrubProviderText(body, key));
  if (!j.is_object()) return malformed("not a JSON object");
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty()) {
    if (j.contains("error")) return malformed("error without choices: " + ProviderMessage(body, key));
    return malformed("no choices");
  }
  LmResponse resp;
  for (const Json& choice : *choices) {
    std::string text;
    if (!ChoiceText(choice, &text)) return malformed("a choice has no message content");
    resp.choices.push_back(std::move(text));
  }
  resp.text = resp.choices.front();
  auto usage = j.find("usage");
  if (usage != j.end() && usage->is_object()) {
    if (usage->contains("prompt_tokens") && (*usage)["prompt_tokens"].is_number()) {
      resp.prompt_tokens = (*usage)["prompt_tokens"].get<int64_t>();
    }
    if (usage->contains("completion_tokens") && (*usage)["completion_tokens"].is_number()) {
      resp.completion_tokens = (*usage)["completion_tokens"].get<int64_t>();
    }
  }
  return resp;
}

}  // namespace

struct OpenAiChatLm::Connection {
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
  Connection() : multi(curl_multi_init()), easy(curl_easy_init()) {}
  ~Connection() {
    if (easy) curl_easy_cleanup(easy);
    if (multi) curl_multi_cleanup(multi);
  }

  // One HTTP POST; polls `cancelled` every kPollIntervalMs while the transfer runs.
  HttpReply Post(const std::string& url, const std::string& body, curl_slist* headers,
                 const OpenAiChatOptions& opt, const std::function<bool()>& cancelled) {
    HttpReply reply;
    char errbuf[CURL_ERROR_SIZE] = {0};  // for the operator's log only (names host and port)
    curl_easy_reset(easy);
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &reply);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(opt.timeout_ms));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(opt.connect_timeout_ms));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "exemplar/0.1");
    // Never follow redirects (a redirect could lead the key or the prompt elsewhere), speak only
    // HTTP(S), and use the pinned addresses, directly, when the endpoint was checked against
    // private ranges.
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_slist* resolve = nullptr;
    for (const auto& entry : opt.pinned_addresses) resolve = curl_slist_append(resolve, entry.c_str());
    curl_easy_setopt(easy, CURLOPT_RESOLVE, resolve);
    // "" disables a proxy even when the environment names one (CURLOPT_PROXY).
    if (opt.no_proxy) curl_easy_setopt(easy, CURLOPT_PROXY, "");
    struct ResolveGuard {
      curl_slist* list;
      ~ResolveGuard() { curl_slist_free_all(list); }
    } resolve_guard{resolve};

    curl_multi_add_handle(multi, easy);
    int running = 1;
    while (running > 0) {
      if (Cancelled(cancelled)) {
        reply.cancelled = true;
        break;
      }
      CURLMcode mc = curl_multi_perform(multi, &running);
      if (mc != CURLM_OK) {
        reply.code = CURLE_FAILED_INIT;
        reply.error = curl_multi_strerror(mc);
        break;
      }
      if (running > 0) curl_multi_poll(multi, nullptr, 0, kPollIntervalMs, nullptr);
    }
    if (!reply.cancelled && reply.error.empty()) {
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) reply.code = msg->data.result;
      }
      if (reply.code == CURLE_OK) {
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &reply.status);
      } else {
        // curl's error buffer names the host and port ("Failed to connect to 10.0.0.5 port
        // 8000"): endpoints are the operator's configuration and `error` reaches callers (a
        // run's error), so it keeps only the kind of failure; `detail` goes to the log.
        long os_errno = 0;
        curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
        reply.error = os_errno == ECONNREFUSED ? "connection refused"
                      : os_errno == ECONNRESET ? "connection reset"
                      : os_errno == EHOSTUNREACH || os_errno == ENETUNREACH ? "host unreachable"
                                                                          : curl_easy_strerror(reply.code);
        reply.detail = errbuf[0] ? errbuf : reply.error;
      }
    }
    curl_multi_remove_handle(multi, easy);
    return reply;
  }
};

OpenAiChatLm::OpenAiChatLm(OpenAiChatOptions options)
    : options_(std::move(options)),
      backoff_(RetryPolicy{std::max(0, options_.max_retries), options_.initial_backoff_ms, options_.max_backoff_ms,
                           options_.max_retry_after_ms},
               options_.jitter_seed) {
  GlobalInit();
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
}

OpenAiChatLm::~OpenAiChatLm() = default;

std::unique_ptr<OpenAiChatLm::Connection> OpenAiChatLm::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
  }
  return std::make_unique<Connection>();
}

void OpenAiChatLm::Release(std::unique_ptr<Connection> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(conn));
}

Result<LmResponse> OpenAiChatLm::Complete(const LmRequest& request) {
  Json body = {{"model", request.model.empty() ? options_.model : request.model},
               {"temperature", request.temperature},
               {"max_tokens", request.max_tokens}};
  Json messages = Json::array();
  for (const ChatMessage& m : request.messages) {
    messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  body["messages"] = std::move(messages);
  if (request.n != 1) body["n"] = request.n;
  if (options_.send_seed && request.seed) body["seed"] = *request.seed;
  const std::string payload = DumpJson(body);
  const std::string url = options_.base_url + "/chat/completions";

  struct SlistGuard {
    curl_slist* list = nullptr;
    ~SlistGuard() { curl_slist_free_all(list); }
  } guard;
  // Headers per attempt: a short-lived bearer (options_.bearer) may change between attempts.
  bool refresh_bearer = false, bearer_refreshed = false;
  std::string sent_bearer, sent_key;
  auto build_headers = [&]() -> Status {
    curl_slist_free_all(guard.list);
    guard.list = curl_slist_append(nullptr, "Content-Type: application/json");
    guard.list = curl_slist_append(guard.list, "Accept: application/json");
    std::string key = options_.api_key;
    if (options_.bearer) {
      auto token = refresh_bearer ? options_.bearer->Refresh(sent_bearer) : options_.bearer->Get();
      refresh_bearer = false;
      if (!token.ok()) return token.status();
      key = sent_bearer = token->secret;
    }
    if (!key.empty()) guard.list = curl_slist_append(guard.list, ("Authorization: Bearer " + key).c_str());
    sent_key = key;
    return Status::Ok();
  };

  std::unique_ptr<Connection> conn = Acquire();
  if (!conn->multi || !conn->easy) return Status::Internal("curl initialisation failed");
  std::string last_error;
  std::optional<Result<LmResponse>> result;
  const RetryEnd end = RetryLoop(
      backoff_,
      [&](int) -> AttemptVerdict {
        if (Cancelled(request.cancelled)) {
          result = Status::Unavailable(kCancelledMessage);
          return {false};
        }
        if (Status st = build_headers(); !st.ok()) {
          last_error = st.message();
          return {true};
        }
        HttpReply reply = conn->Post(url, payload, guard.list, options_, request.cancelled);
        if (reply.cancelled) {
          conn.reset();  // the aborted transfer leaves the connection in an unknown state
          result = Status::Unavailable(kCancelledMessage);
          return {false};
        }
        if (reply.code != CURLE_OK) {
          // Endpoints are the operator's configuration: the log names it, the caller sees why.
          spdlog::warn("LM request to {} failed: {}", url, reply.detail);
          if (!RetryableCurl(reply.code)) {
            result = Status::InvalidArgument("LM request failed: " + reply.error);
            return {false};
          }
          last_error = reply.code == CURLE_OPERATION_TIMEDOUT
                           ? "timed out after " + std::to_string(options_.timeout_ms) + " ms"
                           : reply.error;
          return {true};
        }
        if (reply.status == 401 && options_.bearer && !bearer_refreshed) {
          bearer_refreshed = refresh_bearer = true;  // expired or revoked early: once more with a new token
          last_error = "HTTP 401: the token was refused";
          return {true, 0};
        }
        if (reply.status >= 200 && reply.status < 300) {
          result = ParseReply(reply.body, sent_key);
          return {false};
        }
        if (reply.status >= 300) {
          // The operator's log keeps the provider's words; callers see them scrubbed.
          spdlog::warn("LM request to {} answered HTTP {}: {}", url, reply.status, reply.body.substr(0, 1000));
        }
        if (RetryableHttpStatus(reply.status)) {
          last_error = "HTTP " + std::to_string(reply.status) + ": " + ProviderMessage(reply.body, sent_key);
          const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch()).count();
          return {true, RetryAfterMs(Header(reply, "retry-after-ms"), Header(reply, "retry-after"), now_s)};
        }
        result = Status::InvalidArgument("LM provider rejected the request (HTTP " +
                                         std::to_string(reply.status) + "): " + ProviderMessage(reply.body, sent_key));
        return {false};
      },
      [&](int64_t ms) { return CancellableSleep(ms, request.cancelled); });
  if (conn) Release(std::move(conn));
  if (end == RetryEnd::kDone) return std::move(*result);
  if (end == RetryEnd::kStopped) return Status::Unavailable(kCancelledMessage);
  return Status::Unavailable("LM provider unavailable after " + std::to_string(1 + std::max(0, options_.max_retries)) +
                             " attempt(s): " + last_error);
}

}  // namespace exemplar::lm
