#include "service/auth/auth.h"

#include <openssl/evp.h>

#include "common/ids.h"
#include "common/time.h"

namespace exemplar::service {
namespace {

constexpr auto kCacheTtl = std::chrono::seconds(5);  // bounds revocation lag, saves a query per request

}  // namespace

std::optional<Role> ParseRole(const std::string& s) {
  if (s == "read") return Role::kRead;
  if (s == "write") return Role::kWrite;
  if (s == "admin") return Role::kAdmin;
  return std::nullopt;
}

std::string RoleName(Role r) {
  switch (r) {
    case Role::kRead: return "read";
    case Role::kWrite: return "write";
    case Role::kAdmin: return "admin";
    default: return "none";
  }
}

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

Result<Principal> Auth::Authenticate(const std::string& authorization, const std::string& forwarded_email) {
  Principal p;
  if (authorization.empty()) {
    if (options_.required && options_.trusted_proxy && !forwarded_email.empty()) {
      // Behind a trusted proxy (Databricks Apps) the proxy has authenticated the user.
      p.role = Role::kWrite;
      p.user = forwarded_email;
      return p;
    }
    if (options_.required) return Status(Code::kUnauthenticated, "missing bearer token");
    p.role = Role::kAdmin;  // loopback without auth: the local user owns the server
    if (options_.trusted_proxy && !forwarded_email.empty()) p.user = forwarded_email;
    return p;
  }
  const std::string prefix = "Bearer ";
  if (authorization.rfind(prefix, 0) != 0 || authorization.size() <= prefix.size()) {
    return Status(Code::kUnauthenticated, "Authorization must be 'Bearer <token>'");
  }
  std::string hash = Sha256Hex(authorization.substr(prefix.size()));
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && it->second.until > now) p = it->second.principal;
  }
  if (p.role == Role::kNone) {
    EXEMPLAR_ASSIGN_OR_RETURN(auto token, store_.FindTokenByHash(hash));
    if (!token || token->revoked_at) return Status(Code::kUnauthenticated, "invalid or revoked token");
    p.role = ParseRole(token->role).value_or(Role::kNone);
    p.token_id = token->id;
    p.user = token->name.value_or("token:" + token->id.substr(0, 8));
    std::lock_guard lock(mu_);
    cache_[hash] = {p, now + kCacheTtl};
  }
  if (options_.trusted_proxy && !forwarded_email.empty()) p.user = forwarded_email;
  return p;
}

Status Auth::Admit(const Principal& p, int* retry_after) {
  if (options_.rate_per_second <= 0) return Status::Ok();
  double burst = options_.burst > 0 ? options_.burst : 2 * options_.rate_per_second;
  std::string key = p.token_id.empty() ? "anonymous" : p.token_id;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  Bucket& b = buckets_[key];
  if (b.last.time_since_epoch().count() == 0) b = {burst, now};
  b.tokens = std::min(burst, b.tokens + std::chrono::duration<double>(now - b.last).count() * options_.rate_per_second);
  b.last = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return Status::Ok();
  }
  *retry_after = std::max(1, static_cast<int>((1 - b.tokens) / options_.rate_per_second + 0.999));
  return Status::ResourceExhausted("rate limit exceeded; retry after " + std::to_string(*retry_after) + " s");
}

Result<std::pair<std::string, std::string>> Auth::CreateToken(Role role, const std::optional<std::string>& name) {
  storage::ApiToken t;
  t.id = NewUuid();
  t.name = name;
  t.role = RoleName(role);
  std::string token = "exm_" + RandomHex(24);
  t.token_hash = Sha256Hex(token);
  t.created_at = NowMillis();
  EXEMPLAR_RETURN_IF_ERROR(store_.InsertToken(t));
  return std::make_pair(t.id, token);
}

Status Auth::RevokeToken(const std::string& id) {
  EXEMPLAR_RETURN_IF_ERROR(store_.RevokeToken(id));
  std::lock_guard lock(mu_);
  cache_.clear();
  return Status::Ok();
}

}  // namespace exemplar::service
