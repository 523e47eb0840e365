// Authentication and authorisation (SPEC §5): bearer tokens with roles read < agent < write < admin
// (agent: an LLM agent's token, which reads, retrieves and reports outcomes but edits nothing),
// stored as SHA-256 hashes (the token itself is shown once, at creation), optional expiry, a
// per-token rate limit, and an optional trusted-proxy mode: X-Forwarded-Email from a configured
// proxy address says whose request it is; the role comes from the operator's mapping.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "storage/store.h"

namespace exemplar::service {

// Ordered: each role may do what the ones below it may. Tokens store the role by name.
enum class Role { kNone = 0, kRead = 1, kAgent = 2, kWrite = 3, kAdmin = 4 };
std::optional<Role> ParseRole(const std::string& s);
std::string RoleName(Role r);

struct Principal {
  Role role = Role::kNone;
  std::string token_id;  // "" for anonymous
  std::string user;      // token name or forwarded email
};

struct AuthOptions {
  bool required = false;            // tokens required (non-loopback listeners)
  bool trusted_proxy = false;       // take the user from X-Forwarded-Email
  // Addresses the proxy connects from (IPs or CIDRs, or "*"); forwarded headers from any other
  // peer are ignored.
  std::vector<std::string> proxy_addresses = {"127.0.0.1", "::1"};
  Role proxy_default_role = Role::kRead;
  std::map<std::string, Role> proxy_roles;  // lower-case email or "*@domain" → role
  double rate_per_second = 0;       // per token; 0 = unlimited
  double burst = 0;                 // bucket size; 0 = 2 × rate
};

// Whether `address` (an IPv4/IPv6 peer address) matches `pattern`: "*", an address, or a CIDR.
bool AddressMatches(const std::string& address, const std::string& pattern);

// What a request's headers present, read as Authenticate reads them: nothing, a forwarded
// identity from a trusted proxy address (the email in `value`), or a bearer token (in `value`).
struct Presented {
  enum class Kind { kNothing, kProxyUser, kToken };
  Kind kind = Kind::kNothing;
  std::string value;
};
// kUnauthenticated for a malformed Authorization header or forwarded identity.
Result<Presented> ReadCredentials(const AuthOptions& options, const std::string& authorization,
                                  const std::string& forwarded_email, const std::string& remote_addr);

// The refusal Authenticate would give from the headers alone, before any token is looked up:
// a malformed header, no credentials where tokens are required (401), a forwarded identity
// without a role (403). OK when a token is to be looked up or the caller is already known.
Status RefusalFromHeaders(const AuthOptions& options, const std::string& authorization,
                          const std::string& forwarded_email, const std::string& remote_addr);

class Auth {
 public:
  Auth(storage::Store& store, AuthOptions options) : store_(store), options_(options) {}

  const AuthOptions& options() const { return options_; }

  // Resolves the caller from the Authorization header value ("Bearer <token>", scheme in any
  // case). A bad, revoked or expired token is always kUnauthenticated; revocation takes effect on
  // the next request (tokens are looked up every time). Without a token: a forwarded identity from
  // a trusted proxy address gets its mapped role (proxy_roles, else proxy_default_role; "none" →
  // kPermissionDenied); otherwise anonymous with admin rights when auth is not required, else
  // kUnauthenticated.
  Result<Principal> Authenticate(const std::string& authorization, const std::string& forwarded_email,
                                 const std::string& remote_addr = "");
  // kResourceExhausted with the seconds to wait in *retry_after when over the limit.
  Status Admit(const Principal& p, int* retry_after);

  // Creates a token; returns (id, token). The token is not stored, only its hash. `expires_in_ms`
  // > 0 sets an expiry.
  Result<std::pair<std::string, std::string>> CreateToken(Role role, const std::optional<std::string>& name,
                                                          int64_t expires_in_ms = 0);
  Result<std::vector<storage::ApiToken>> ListTokens() { return store_.ListTokens(); }
  Status RevokeToken(const std::string& id);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
  };
  void NoteUse(const std::string& token_id, int64_t now);

  storage::Store& store_;
  AuthOptions options_;
  std::mutex mu_;
  static constexpr size_t kMaxBuckets = 10000;
  std::map<std::string, Bucket> buckets_;  // rate limit: per token or forwarded user
  std::map<std::string, int64_t> last_touch_;  // GUARDED_BY(mu_): token id → last_used_at written
};

}  // namespace exemplar::service
