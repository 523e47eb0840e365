#include "service/auth/auth.h"

#include "storage/audit_context.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "common/address_pattern.h"
#include "common/ids.h"
#include "common/time.h"

namespace exemplar::service {
namespace {

// last_used_at is written at most this often per token: a write per request would cost more
// than the lookup itself.
constexpr int64_t kTouchIntervalMs = 60 * 1000;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::optional<Role> ParseRole(const std::string& s) {
  if (s == "read") return Role::kRead;
  if (s == "agent") return Role::kAgent;
  if (s == "write") return Role::kWrite;
  if (s == "admin") return Role::kAdmin;
  return std::nullopt;
}

std::string RoleName(Role r) {
  switch (r) {
    case Role::kRead: return "read";
    case Role::kAgent: return "agent";
    case Role::kWrite: return "write";
    case Role::kAdmin: return "admin";
    default: return "none";
  }
}

bool AddressMatches(const std::string& address, const std::string& pattern) {
  std::string why;
  const std::optional<AddressPattern> parsed = ParseAddressPattern(pattern, &why);
  return parsed && AddressIn(address, *parsed);  // a malformed pattern matches no one
}

namespace {

bool FromTrustedProxy(const AuthOptions& options, const std::string& remote_addr) {
  if (!options.trusted_proxy) return false;
  for (const auto& pattern : options.proxy_addresses) {
    if (AddressMatches(remote_addr, pattern) || (pattern == "*" && remote_addr.empty())) return true;
  }
  return false;
}

// One address: a non-empty local part, one '@', a domain, and nothing that would make it a list,
// a display name or a wildcard ("@x", "*@x", "a@b,c@x", "a@b@x", "Ana <a@x>"). The domain's labels
// are not empty: "a@x.com." (the DNS root's dot) or "a@.x.com" would name the user of "a@x.com"
// without matching its [proxy_roles] entry, so a user mapped to "none" would get the default role
// (review s24).
bool IsOneAddress(const std::string& email) {
  const size_t at = email.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= email.size() || email.find('@', at + 1) != std::string::npos) {
    return false;
  }
  const std::string_view domain = std::string_view(email).substr(at + 1);
  if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos) return false;
  return email.find_first_of(" \t,;*<>\"'()[]\\") == std::string::npos && email.size() <= 320;
}

Role ProxyRole(const AuthOptions& options, const std::string& email) {
  const std::string e = Lower(email);
  if (auto it = options.proxy_roles.find(e); it != options.proxy_roles.end()) return it->second;
  if (const size_t at = e.rfind('@'); at != std::string::npos) {
    if (auto it = options.proxy_roles.find("*" + e.substr(at)); it != options.proxy_roles.end()) return it->second;
  }
  return options.proxy_default_role;
}

}  // namespace

Result<Presented> ReadCredentials(const AuthOptions& options, const std::string& authorization,
                                  const std::string& forwarded_email, const std::string& remote_addr) {
  if (authorization.empty()) {
    // Forwarded headers count only from the proxy's own addresses.
    if (forwarded_email.empty() || !FromTrustedProxy(options, remote_addr)) return Presented{};
    // The proxy (Databricks Apps) authenticated the user; an identity that is not one address
    // maps to nothing.
    if (!IsOneAddress(forwarded_email)) {
      return Status(Code::kUnauthenticated, "X-Forwarded-Email is not one email address");
    }
    return Presented{Presented::Kind::kProxyUser, forwarded_email};
  }
  // RFC 7235: the scheme is case-insensitive.
  const size_t space = authorization.find(' ');
  const size_t first = space == std::string::npos ? space : authorization.find_first_not_of(' ', space);
  const size_t last = authorization.find_last_not_of(' ');
  if (first == std::string::npos || Lower(authorization.substr(0, space)) != "bearer") {
    return Status(Code::kUnauthenticated, "Authorization must be 'Bearer <token>'");
  }
  return Presented{Presented::Kind::kToken, authorization.substr(first, last - first + 1)};
}

namespace {

// What Authenticate refuses once the headers are read, before any token is looked up.
Status Refusal(const AuthOptions& options, const Presented& presented) {
  switch (presented.kind) {
    case Presented::Kind::kNothing:
      return options.required ? Status(Code::kUnauthenticated, "missing bearer token") : Status::Ok();
    case Presented::Kind::kProxyUser:
      // What a forwarded user may do is the operator's mapping, never more than that.
      if (ProxyRole(options, presented.value) == Role::kNone) {
        return Status(Code::kPermissionDenied, presented.value + " has no role on this server (proxy_roles)");
      }
      return Status::Ok();
    case Presented::Kind::kToken: return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace

Status RefusalFromHeaders(const AuthOptions& options, const std::string& authorization,
                          const std::string& forwarded_email, const std::string& remote_addr) {
  EXEMPLAR_ASSIGN_OR_RETURN(Presented presented, ReadCredentials(options, authorization, forwarded_email, remote_addr));
  return Refusal(options, presented);
}

void Auth::NoteUse(const std::string& token_id, int64_t now) {
  {
    std::lock_guard lock(mu_);
    int64_t& last = last_touch_[token_id];
    if (now - last < kTouchIntervalMs) return;
    last = now;
  }
  (void)store_.TouchToken(token_id, now);  // best effort: a failed write loses only a timestamp
}

Result<Principal> Auth::Authenticate(const std::string& authorization, const std::string& forwarded_email,
                                     const std::string& remote_addr) {
  EXEMPLAR_ASSIGN_OR_RETURN(Presented presented, ReadCredentials(options_, authorization, forwarded_email, remote_addr));
  EXEMPLAR_RETURN_IF_ERROR(Refusal(options_, presented));
  Principal p;
  if (presented.kind == Presented::Kind::kProxyUser) {
    p.role = ProxyRole(options_, presented.value);
    p.user = presented.value;
    return p;
  }
  if (presented.kind == Presented::Kind::kNothing) {
    p.role = Role::kAdmin;  // loopback without auth: the local user owns the server
    return p;
  }
  const std::string& token_text = presented.value;
  EXEMPLAR_ASSIGN_OR_RETURN(auto token, store_.FindTokenByHash(Sha256Hex(token_text)));
  if (!token || token->revoked_at) return Status(Code::kUnauthenticated, "invalid or revoked token");
  const int64_t now = NowMillis();
  if (token->expires_at && *token->expires_at <= now) return Status(Code::kUnauthenticated, "token expired");
  p.role = ParseRole(token->role).value_or(Role::kNone);
  p.token_id = token->id;
  // The token names the caller: it carries the role, and its holder answers for its use (a
  // forwarded email beside it would let anyone at the proxy's address sign as someone else).
  p.user = token->name.value_or("token:" + token->id.substr(0, 8));
  NoteUse(token->id, now);
  return p;
}

Status Auth::Admit(const Principal& p, int* retry_after) {
  if (options_.rate_per_second <= 0) return Status::Ok();
  // A request takes one whole token: a bucket smaller than one (2 × a rate below 0.5/s) would
  // refuse every request for ever.
  const double burst = std::max(1.0, options_.burst > 0 ? options_.burst : 2 * options_.rate_per_second);
  // One bucket per token, per user the proxy vouches for, else one for the anonymous.
  std::string key = !p.token_id.empty() ? "token:" + p.token_id : !p.user.empty() ? "user:" + p.user : "anonymous";
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (buckets_.size() >= kMaxBuckets) {
    // Full buckets carry no state: forgetting them keeps the map bounded however many users come.
    const double refill_s = burst / options_.rate_per_second;
    std::erase_if(buckets_, [&](const auto& kv) {
      return std::chrono::duration<double>(now - kv.second.last).count() >= refill_s;
    });
  }
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

Result<std::pair<std::string, std::string>> Auth::CreateToken(Role role, const std::optional<std::string>& name,
                                                              int64_t expires_in_ms) {
  storage::ApiToken t;
  t.id = NewUuid();
  t.name = name;
  t.role = RoleName(role);
  std::string token = "exm_" + RandomHex(24);
  t.token_hash = Sha256Hex(token);
  t.created_at = NowMillis();
  if (expires_in_ms > 0) t.expires_at = t.created_at + expires_in_ms;
  if (auto* scope = storage::AuditScope::Current()) scope->entry().entity_ids.push_back(t.id);
  EXEMPLAR_RETURN_IF_ERROR(store_.InsertToken(t));
  return std::make_pair(t.id, token);
}

Status Auth::RevokeToken(const std::string& id) { return store_.RevokeToken(id); }

}  // namespace exemplar::service
