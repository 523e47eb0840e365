#include "common/credentials.h"

#include <cctype>
#include <cstdio>
#include <sys/wait.h>

#include "common/time.h"

namespace exemplar {

RefreshingCredentials::RefreshingCredentials(std::string name, Fetch fetch, int64_t refresh_ahead_ms,
                                             std::function<int64_t()> now_ms)
    : name_(std::move(name)),
      fetch_(std::move(fetch)),
      refresh_ahead_ms_(refresh_ahead_ms),
      now_ms_(now_ms ? std::move(now_ms) : std::function<int64_t()>([] { return NowMillis(); })) {}

Result<Credential> RefreshingCredentials::FetchLocked(bool forced) {
  ++fetches_;
  Result<Credential> fresh = fetch_();
  if (fresh.ok()) {
    current_ = *fresh;
    have_ = true;
    return current_;
  }
  // A failed refresh of a still-valid secret keeps it: the next call tries again. A forced refresh
  // (the server refused the current secret) has nothing to fall back to.
  if (!forced && have_ && (current_.expires_at_ms == 0 || now_ms_() < current_.expires_at_ms)) return current_;
  return Status::Unavailable("credentials (" + name_ + "): " + fresh.status().message());
}

Result<Credential> RefreshingCredentials::Get() {
  std::lock_guard lock(mu_);
  if (have_ && (current_.expires_at_ms == 0 || now_ms_() < current_.expires_at_ms - refresh_ahead_ms_)) {
    return current_;
  }
  return FetchLocked(false);
}

Result<Credential> RefreshingCredentials::Refresh(const std::string& rejected) {
  std::lock_guard lock(mu_);
  if (have_ && current_.secret != rejected &&
      (current_.expires_at_ms == 0 || now_ms_() < current_.expires_at_ms - refresh_ahead_ms_)) {
    return current_;
  }
  return FetchLocked(true);
}

int64_t RefreshingCredentials::fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

Result<Credential> RunTokenCommand(const std::string& command, int64_t ttl_ms) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return Status::Unavailable("cannot run the token command");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0 && out.size() < (1 << 20)) out.append(buf, n);
  const int rc = pclose(pipe);
  if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
    return Status::Unavailable("the token command failed (exit status " +
                               std::to_string(rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc)) + ")");
  }
  const size_t eol = out.find_first_of("\r\n");
  std::string secret = out.substr(0, eol);
  if (secret.empty()) return Status::Unavailable("the token command printed nothing");
  return Credential{std::move(secret), ttl_ms > 0 ? NowMillis() + ttl_ms : 0};
}

std::string PercentEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace exemplar
