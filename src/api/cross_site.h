// Cross-site protection for every route, independent of the HTTP server library:
//  - the Host header must name this server (its listen address, localhost, an IP literal, or an
//    operator-configured allowed_hosts entry), else 421: a DNS-rebinding page cannot talk to a
//    loopback server through its own host name;
//  - a state-changing request (POST, PUT, PATCH, DELETE) whose Origin is present and is neither
//    this server's own origin nor in cors_origins gets 403;
//  - a state-changing request with a body must say what it is with a Content-Type a browser cannot
//    send cross-site without a preflight (not empty, not a form or text/plain), else 415.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/http.h"
#include "common/config.h"

namespace exemplar::api {

struct SitePolicy {
  std::string listen_host;                 // lower case
  std::vector<std::string> allowed_hosts;  // "*", "host", or ".suffix" (also matches the apex)
  std::vector<std::string> cors_origins;   // "*" or exact origins

  static SitePolicy FromConfig(const Config& config);
};

// The host name of a Host header value, lower case, without port or IPv6 brackets; nullopt
// unless the value is exactly host[:port] (RFC 9110 §7.2): a name or IPv4 address, or an IPv6
// address in brackets, then optionally ':' and up to 5 digits.
std::optional<std::string> HostName(const std::string& host_header);

Status CheckHost(const Request& req, const SitePolicy& policy);
Status CheckCrossSite(const Request& req, const SitePolicy& policy);

}  // namespace exemplar::api
