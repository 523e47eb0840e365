// LM providers: the endpoints optimization runs may call. The operator declares them in the
// server config ([lm_providers.NAME]); a run names one and may choose only a model it allows and
// generation parameters. The built-in "offline" provider needs no network. Caller-supplied
// endpoints exist only when the operator opts in (allow_caller_lm_endpoints), and then carry only
// the caller's own key, are pinned to addresses checked against private ranges, and never follow
// redirects.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/credentials.h"
#include "common/json_util.h"
#include "common/status.h"

namespace exemplar::service {

// Where one run's LM calls go, resolved for execution. Never stored: it may hold a key.
struct LmEndpoint {
  std::string provider;           // provider name, or "caller" for a caller-supplied endpoint
  bool offline = false;
  std::string base_url;
  std::string model;
  std::string api_key;
  std::shared_ptr<Credentials> bearer;  // provider auth = databricks: the service principal's token
  int64_t timeout_ms = 60000;
  int max_retries = 3;
  // curl RESOLVE entries ("host:port:address") pinning a caller endpoint to the addresses that
  // were checked, so DNS cannot change them between the check and the call. None for a literal
  // address, which curl does not resolve.
  std::vector<std::string> pinned_addresses;
  // A caller endpoint: connected to directly, never through a proxy of the server's environment
  // (http_proxy, https_proxy, ALL_PROXY), which would receive the caller's prompts and key and
  // connect wherever the host name leads it, not to the checked addresses.
  bool direct = false;
};

class LmProviders {
 public:
  // `databricks`: the server's service-principal OAuth token, for providers with auth = databricks
  // (null when the platform gave no service principal).
  explicit LmProviders(const Config& config, std::shared_ptr<Credentials> databricks = nullptr)
      : config_(config), databricks_(std::move(databricks)) {}

  // Checks a run request's `lm` object; field errors go to `v` at `loc` + key. Keys other than
  // provider, model, temperature, max_tokens, timeout_ms, max_retries and latency_ms (offline) are
  // refused, and so are base_url / api_key_env / api_key unless caller endpoints are allowed.
  void Validate(const Json& lm, Validation& v, const std::vector<std::string>& loc) const;

  // Resolves a validated `lm` object for execution. `caller_api_key` is the key a caller sent
  // with a caller-supplied endpoint ("" = none). kFailedPrecondition when the provider is no
  // longer configured or its key variable is unset; kInvalidArgument when a caller endpoint's
  // host resolves to a forbidden address.
  Result<LmEndpoint> Resolve(const Json& lm, const std::string& caller_api_key) const;

  // Names, kinds and models for GET /api/v1/lm-providers (never URLs or keys).
  Json List() const;

 private:
  const Config& config_;
  std::shared_ptr<Credentials> databricks_;
};

// Splits an http(s) URL; refuses user info, query strings and fragments (a base URL is a prefix
// to which paths are appended). Exposed for tests.
struct UrlParts {
  std::string scheme, host, path;
  int port = 0;
};
Result<UrlParts> ParseBaseUrl(const std::string& url);
// Whether an IPv4/IPv6 address (text) is loopback, private, link-local, unique-local, CGNAT,
// multicast or unspecified; an IPv6 address embedding an IPv4 one (v4-mapped ::ffff:a.b.c.d,
// IPv4-translated ::ffff:0:a.b.c.d, v4-compatible, NAT64, 6to4) is judged by that one. Text that is
// not an address counts as non-public.
bool IsNonPublicAddress(const std::string& address);
// Whether a URL host (brackets removed) is an IPv4 dotted quad or an IPv6 address, which
// connecting does not resolve.
bool IsAddressLiteral(const std::string& host);

}  // namespace exemplar::service
