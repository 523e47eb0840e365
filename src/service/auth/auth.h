// Authentication and authorisation (SPEC §5): bearer tokens with roles read < write < admin,
// stored as SHA-256 hashes (the token itself is shown once, at creation), a per-token rate limit,
// and an optional trusted-proxy mode that takes the user from X-Forwarded-Email.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/store.h"

namespace exemplar::service {

enum class Role { kNone = 0, kRead = 1, kWrite = 2, kAdmin = 3 };
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
  double rate_per_second = 0;       // per token; 0 = unlimited
  double burst = 0;                 // bucket size; 0 = 2 × rate
};

std::string Sha256Hex(const std::string& data);

class Auth {
 public:
  Auth(storage::Store& store, AuthOptions options) : store_(store), options_(options) {}

  const AuthOptions& options() const { return options_; }

  // Resolves the caller from the Authorization header value. Without a token: anonymous with
  // admin rights when auth is not required, else kUnauthenticated. A bad or revoked token is always
  // kUnauthenticated.
  Result<Principal> Authenticate(const std::string& authorization, const std::string& forwarded_email);
  // kResourceExhausted with the seconds to wait in *retry_after when over the limit.
  Status Admit(const Principal& p, int* retry_after);

  // Creates a token; returns (id, token). The token is not stored, only its hash.
  Result<std::pair<std::string, std::string>> CreateToken(Role role, const std::optional<std::string>& name);
  Result<std::vector<storage::ApiToken>> ListTokens() { return store_.ListTokens(); }
  Status RevokeToken(const std::string& id);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
  };
  struct Cached {
    Principal principal;
    std::chrono::steady_clock::time_point until;
  };
  storage::Store& store_;
  AuthOptions options_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
  std::map<std::string, Cached> cache_;  // token hash → principal, briefly (revocation lag ≤ kCacheTtl)
};

}  // namespace exemplar::service
