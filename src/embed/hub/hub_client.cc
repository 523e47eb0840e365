#include "embed/hub/hub_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <mutex>

namespace exemplar::embed::hub {
namespace {

constexpr size_t kMaxApiReplyBytes = 64u << 20;   // a listing of thousands of files is a few MB
constexpr size_t kMaxErrorBodyBytes = 16u << 10;  // kept from an error reply, for its message
constexpr long kLowSpeedBytes = 1024;             // "stalled" below this many bytes per second

std::once_flag g_curl_init;

// What one request saw: the final response's status, the hub's error headers, and its body (API
// calls, errors) or the file it was written to (downloads).
struct Exchange {
  CURL* curl = nullptr;
  long status = 0;
  std::string error_code;     // X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo)
  std::string error_message;  // X-Error-Message
  std::string content_range;  // Content-Range of a 206
  std::string body;
  bool too_large = false;
  // Downloads only.
  const std::filesystem::path* part = nullptr;
  int64_t offset = 0;         // bytes in `part` before this request
  int64_t written = 0;        // bytes this request appended
  FILE* file = nullptr;
  bool bad_range = false;
  bool write_failed = false;
  int64_t total = -1;
  const ProgressFn* progress = nullptr;
};

std::string Trim(std::string_view v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  return std::string(v);
}

bool HeaderIs(std::string_view line, std::string_view name, std::string* value) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  *value = Trim(line.substr(name.size() + 1));
  return true;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect) starts
    ex->error_code.clear();
    ex->error_message.clear();
    ex->content_range.clear();
  }
  HeaderIs(line, "x-error-code", &ex->error_code) || HeaderIs(line, "x-error-message", &ex->error_message) ||
      HeaderIs(line, "content-range", &ex->content_range);
  return n;
}

size_t OnApiBody(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  if (ex->body.size() + n > kMaxApiReplyBytes) {
    ex->too_large = true;
    return 0;
  }
  ex->body.append(data, n);
  return n;
}

// The start offset of "bytes START-END/TOTAL", or -1.
int64_t RangeStart(const std::string& content_range) {
  const size_t sp = content_range.find(' ');
  if (sp == std::string::npos) return -1;
  try {
    return std::stoll(content_range.substr(sp + 1));
  } catch (...) {
    return -1;
  }
}

// Downloads: a 206 continues the part file, a 200 rewrites it; anything else is an error reply
// whose body must not reach the file.
size_t OnFileBody(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  if (ex->file == nullptr) {
    curl_easy_getinfo(ex->curl, CURLINFO_RESPONSE_CODE, &ex->status);
    if (ex->status == 206) {
      if (RangeStart(ex->content_range) != ex->offset) {
        ex->bad_range = true;
        return 0;
      }
      ex->file = std::fopen(ex->part->c_str(), "ab");
    } else if (ex->status == 200) {
      ex->offset = 0;  // the server sent the whole file
      ex->file = std::fopen(ex->part->c_str(), "wb");
    } else {
      ex->body.append(data, std::min(n, kMaxErrorBodyBytes - std::min(kMaxErrorBodyBytes, ex->body.size())));
      return n;
    }
    if (ex->file == nullptr) {
      ex->write_failed = true;
      return 0;
    }
  }
  if (std::fwrite(data, 1, n, ex->file) != n) {
    ex->write_failed = true;
    return 0;
  }
  ex->written += static_cast<int64_t>(n);
  return n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* ex = static_cast<Exchange*>(user);
  if (ex->progress && *ex->progress && ex->file != nullptr) (*ex->progress)(ex->offset + ex->written, ex->total);
  return 0;
}

std::unique_ptr<CURL, void (*)(CURL*)> NewHandle(const HubOptions& o, curl_slist* headers, char* error) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return curl;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "exemplar/0.1 (model pull)");
  return curl;
}

curl_slist* AuthHeaders(const HubOptions& o) {
  curl_slist* list = nullptr;
  if (!o.token.empty()) list = curl_slist_append(list, ("Authorization: Bearer " + o.token).c_str());
  return list;
}

// A transport failure in the user's terms.
Status TransportError(const HubOptions& o, CURLcode rc, const char* error, const std::string& what) {
  const std::string why = error[0] != '\0' ? error : curl_easy_strerror(rc);
  if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_PROXY) {
    return Status::Unavailable("cannot reach the Hugging Face Hub at " + o.endpoint + " (" + why +
                               "); check the network, or set HF_ENDPOINT to a reachable mirror");
  }
  return Status::Unavailable(what + " failed: " + why);
}

// An HTTP error reply in the user's terms. `what` names the repository (and file).
Status HttpError(const HubOptions& o, const Exchange& ex, const std::string& repo_id, const std::string& revision,
                 const std::string& what) {
  const std::string hub_says = ex.error_message.empty() ? "" : " (hub: " + ex.error_message + ")";
  const std::string status = "HTTP " + std::to_string(ex.status);
  if (ex.status == 401 && !o.token.empty() && ex.error_code != "RepoNotFound") {
    return {Code::kUnauthenticated, "the hub at " + o.endpoint + " refused HF_TOKEN (" + status + hub_says +
                                        "); check that the token is valid, or unset HF_TOKEN for public models"};
  }
  if (ex.error_code == "GatedRepo" || ex.status == 403) {
    return {Code::kPermissionDenied, "access to " + repo_id + " was denied (" + status + hub_says +
                                         "); if it is gated, accept its terms on the model page and set HF_TOKEN "
                                         "to a token of that account"};
  }
  if (ex.error_code == "RevisionNotFound") {
    return Status::NotFound("revision '" + revision + "' of " + repo_id + " not found (" + status + hub_says + ")");
  }
  if (ex.error_code == "EntryNotFound") {
    return Status::NotFound(what + " not found in " + repo_id + " (" + status + hub_says + ")");
  }
  if (ex.status == 401 || ex.status == 404) {
    // The hub answers 401 for unknown repositories too when no token is sent.
    return Status::NotFound("model repository " + repo_id + " not found on " + o.endpoint + " (" + status +
                            hub_says + "); check the id" +
                            (o.token.empty() ? ", or set HF_TOKEN if the repository is private or gated" : ""));
  }
  if (ex.status == 429 || ex.status >= 500) {
    return Status::Unavailable("the hub answered " + status + " for " + what + hub_says);
  }
  return Status::FailedPrecondition("the hub answered " + status + " for " + what + hub_says);
}

}  // namespace

HubClient::HubClient(HubOptions options) : options_(std::move(options)) {
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/') options_.endpoint.pop_back();
}

std::string HubClient::Encode(const std::string& s, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<RepoInfo> HubClient::FetchRepoInfo(const std::string& repo_id, const std::string& revision) const {
  const std::string url = options_.endpoint + "/api/models/" + repo_id + "/revision/" + Encode(revision, false) +
                          "?blobs=true";
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(AuthHeaders(options_), &curl_slist_free_all);
  char error[CURL_ERROR_SIZE] = {};
  auto curl = NewHandle(options_, headers.get(), error);
  if (!curl) return Status::Unavailable("cannot create an HTTP client handle");
  Exchange ex;
  ex.curl = curl.get();
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, OnApiBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &ex);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, options_.api_timeout_ms);
  curl_easy_setopt(curl.get(), CURLOPT_ACCEPT_ENCODING, "");
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    if (ex.too_large) return Status::Unavailable("the file listing of " + repo_id + " exceeds the size limit");
    return TransportError(options_, rc, error, "listing the files of " + repo_id);
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &ex.status);
  if (ex.status != 200) return HttpError(options_, ex, repo_id, revision, "the file listing");
  Json body = Json::parse(ex.body, nullptr, /*allow_exceptions=*/false);
  return ParseRepoInfo(body);
}

Status HubClient::Download(const std::string& repo_id, const std::string& commit, const std::string& path,
                           const std::filesystem::path& part, int64_t total, const ProgressFn& progress) const {
  const std::string url = options_.endpoint + "/" + repo_id + "/resolve/" + Encode(commit, false) + "/" +
                          Encode(path, true);
  std::error_code ec;
  const int64_t offset = std::filesystem::exists(part, ec) ? static_cast<int64_t>(std::filesystem::file_size(part, ec)) : 0;
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(AuthHeaders(options_), &curl_slist_free_all);
  char error[CURL_ERROR_SIZE] = {};
  auto curl = NewHandle(options_, headers.get(), error);
  if (!curl) return Status::Unavailable("cannot create an HTTP client handle");
  Exchange ex;
  ex.curl = curl.get();
  ex.part = &part;
  ex.offset = ec ? 0 : offset;
  ex.total = total;
  ex.progress = &progress;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, OnFileBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &ex);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, kLowSpeedBytes);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, options_.stall_timeout_s);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &ex);
  if (ex.offset > 0) curl_easy_setopt(curl.get(), CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(ex.offset));
  const CURLcode rc = curl_easy_perform(curl.get());
  if (ex.file != nullptr && std::fclose(ex.file) != 0) ex.write_failed = true;
  ex.file = nullptr;
  if (ex.status == 0) curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &ex.status);
  if (ex.write_failed) return Status::FailedPrecondition("cannot write " + part.string());
  if (ex.bad_range) {
    std::filesystem::remove(part, ec);
    return Status::Unavailable("the download of " + path + " resumed at the wrong offset; starting it again");
  }
  if (ex.status == 416) {  // the part file is not a prefix of this file (or already too long)
    std::filesystem::remove(part, ec);
    return Status::Unavailable("the hub could not resume " + path + " (HTTP 416); starting it again");
  }
  if (ex.status != 0 && ex.status != 200 && ex.status != 206) {
    return HttpError(options_, ex, repo_id, commit, path);
  }
  if (rc == CURLE_RANGE_ERROR) {  // a server that cannot resume: the next attempt starts over
    std::filesystem::remove(part, ec);
    return Status::Unavailable("the server of " + path + " cannot resume a download; starting it again");
  }
  if (rc != CURLE_OK) {
    return TransportError(options_, rc, error,
                          "downloading " + path + " (" + std::to_string(ex.offset + ex.written) + " bytes so far)");
  }
  if (ex.status == 200 && ex.written == 0) {  // an empty file: no body callback ever opened it
    std::unique_ptr<FILE, int (*)(FILE*)> empty(std::fopen(part.c_str(), "wb"), &std::fclose);
    if (!empty) return Status::FailedPrecondition("cannot write " + part.string());
  }
  if (progress) progress(ex.offset + ex.written, total);
  return Status::Ok();
}

}  // namespace exemplar::embed::hub
