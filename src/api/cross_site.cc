#include "api/cross_site.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace exemplar::api {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsIpLiteral(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

// "https://Example.com:8443/x" → "example.com:8443" (authority, lower case); "" when malformed.
std::string OriginAuthority(const std::string& origin) {
  const size_t sep = origin.find("://");
  if (sep == std::string::npos) return "";
  std::string rest = origin.substr(sep + 3);
  return Lower(rest.substr(0, rest.find('/')));
}

bool IsStateChanging(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

}  // namespace

SitePolicy SitePolicy::FromConfig(const Config& config) {
  SitePolicy p;
  p.listen_host = Lower(config.host);
  for (const auto& h : SplitList(config.allowed_hosts)) p.allowed_hosts.push_back(Lower(h));
  p.cors_origins = SplitList(config.cors_origins);
  return p;
}

std::optional<std::string> HostName(const std::string& host_header) {
  const std::string h = Lower(host_header);
  std::string host;
  size_t rest = 0;  // where ":port" may start
  if (!h.empty() && h.front() == '[') {
    const size_t close = h.find(']');
    if (close == std::string::npos) return std::nullopt;
    host = h.substr(1, close - 1);
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return std::nullopt;
    rest = close + 1;
  } else {
    rest = std::min(h.find(':'), h.size());
    host = h.substr(0, rest);
    // A registered name or IPv4 address: letters, digits, '-', '.', '_'. Anything else ('@' of
    // user info, spaces, '/', '%') makes "localhost:1@evil.com" read as a host it is not.
    if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
        })) {
      return std::nullopt;
    }
  }
  if (rest == h.size()) return host;
  const std::string port = h.substr(rest + 1);
  if (h[rest] != ':' || port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return host;
}

Status CheckHost(const Request& req, const SitePolicy& policy) {
  // No Host at all: HTTP/1.0 or an in-process caller, with no name to rebind. An empty one names
  // no host this server answers to.
  if (req.headers.find("host") == req.headers.end()) return Status::Ok();
  const std::string header = req.Header("host");
  const std::optional<std::string> parsed = HostName(header);
  if (!parsed) {
    return Status(Code::kMisdirected, "Host header '" + header.substr(0, 200) +
                                          "' is not host[:port] (a name, IPv4 address or [IPv6] address, and digits)");
  }
  const std::string& host = *parsed;
  if (host == "localhost" || host == policy.listen_host || IsIpLiteral(host)) return Status::Ok();
  for (const auto& allowed : policy.allowed_hosts) {
    if (allowed == "*" || allowed == host) return Status::Ok();
    if (allowed.front() == '.' && (host == allowed.substr(1) ||
                                   (host.size() > allowed.size() &&
                                    host.compare(host.size() - allowed.size(), allowed.size(), allowed) == 0))) {
      return Status::Ok();
    }
  }
  return Status(Code::kMisdirected, "this server does not answer to host '" + host +
                                        "'; an operator can add it to allowed_hosts");
}

Status CheckCrossSite(const Request& req, const SitePolicy& policy) {
  if (!IsStateChanging(req.method)) return Status::Ok();
  const std::string origin = req.Header("origin");
  if (!origin.empty()) {
    bool allowed = OriginAuthority(origin) == Lower(req.Header("host")) && !OriginAuthority(origin).empty();
    for (const auto& o : policy.cors_origins) allowed = allowed || o == "*" || o == origin;
    if (!allowed) {
      return Status(Code::kPermissionDenied, "cross-site request from origin '" + origin +
                                                 "' refused; an operator can allow it in cors_origins");
    }
  }
  // Forms and text/plain are what a page can send cross-site without a preflight: refused even
  // with an empty body; any other body must name its type.
  const std::string type = MediaType(req.Header("content-type"));
  const bool simple = type == "application/x-www-form-urlencoded" || type == "multipart/form-data" || type == "text/plain";
  if (simple || (!req.body.empty() && type.empty())) {
    return Status(Code::kUnsupportedMedia,
                  type.empty() ? "a request body needs a Content-Type (application/json)"
                               : "Content-Type " + type + " is not accepted; send application/json");
  }
  return Status::Ok();
}

}  // namespace exemplar::api
