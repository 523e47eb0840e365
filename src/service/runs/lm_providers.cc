#include "service/runs/lm_providers.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace exemplar::service {
namespace {

constexpr const char* kOffline = "offline";

const LmProviderConfig* FindProvider(const Config& c, const std::string& name) {
  auto it = c.lm_providers.find(name);
  return it == c.lm_providers.end() ? nullptr : &it->second;
}

std::vector<std::string> ModelsOf(const LmProviderConfig& p) {
  std::vector<std::string> models = p.allowed_models;
  if (!p.model.empty() && std::find(models.begin(), models.end(), p.model) == models.end()) {
    models.insert(models.begin(), p.model);
  }
  return models;
}

// The request's timeout_ms and max_retries, when given, over the endpoint's.
LmEndpoint WithRequestLimits(const Json& lm, LmEndpoint e) {
  if (lm.contains("timeout_ms")) e.timeout_ms = lm["timeout_ms"].get<int64_t>();
  if (lm.contains("max_retries")) e.max_retries = lm["max_retries"].get<int>();
  return e;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<UrlParts> ParseBaseUrl(const std::string& url) {
  UrlParts u;
  const size_t colon = url.find("://");
  if (colon == std::string::npos) return Status::InvalidArgument("must be an http(s) URL");
  u.scheme = Lower(url.substr(0, colon));
  if (u.scheme != "http" && u.scheme != "https") return Status::InvalidArgument("must be an http(s) URL");
  if (url.find_first_of("?#") != std::string::npos) {
    return Status::InvalidArgument("must not contain a query string or fragment");
  }
  for (unsigned char ch : url) {
    if (ch <= 0x20 || ch == 0x7f || ch == '\\') return Status::InvalidArgument("contains characters not allowed in a URL");
  }
  const size_t start = colon + 3;
  size_t slash = url.find('/', start);
  std::string authority = url.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
  u.path = slash == std::string::npos ? "" : url.substr(slash);
  if (authority.find('@') != std::string::npos) return Status::InvalidArgument("must not contain user info");
  if (authority.empty()) return Status::InvalidArgument("has no host");
  u.port = u.scheme == "https" ? 443 : 80;
  std::string host = authority, port;
  if (host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string::npos) return Status::InvalidArgument("has a malformed IPv6 host");
    port = close + 1 < host.size() && host[close + 1] == ':' ? host.substr(close + 2) : "";
    host = host.substr(1, close - 1);
  } else if (const size_t c = host.rfind(':'); c != std::string::npos) {
    port = host.substr(c + 1);
    host = host.substr(0, c);
  }
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit)) return Status::InvalidArgument("has a malformed port");
    u.port = std::atoi(port.c_str());
    if (u.port <= 0 || u.port > 65535) return Status::InvalidArgument("has a port out of range");
  }
  if (host.empty()) return Status::InvalidArgument("has no host");
  u.host = Lower(host);
  return u;
}

bool IsAddressLiteral(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

bool IsNonPublicAddress(const std::string& address) {
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    const uint32_t a = ntohl(v4.s_addr);
    auto in = [&](uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
    return in(0x00000000, 8) || in(0x0A000000, 8) || in(0x7F000000, 8) || in(0xA9FE0000, 16) ||
           in(0xAC100000, 12) || in(0xC0A80000, 16) || in(0x64400000, 10) || in(0xC0000000, 24) ||
           in(0xC6120000, 15) || a >= 0xE0000000;  // this net, private, loopback, link-local, CGNAT, reserved, multicast
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) != 1) return true;  // not an address: refuse
  const uint8_t* b = v6.s6_addr;
  static const uint8_t kZero[16] = {};
  if (std::memcmp(b, kZero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return true;  // :: and ::1
  auto embedded_v4 = [](const uint8_t* at) {
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, at, text, sizeof text);
    return IsNonPublicAddress(text);
  };
  const bool v4_mapped = std::memcmp(b, kZero, 10) == 0 && b[10] == 0xff && b[11] == 0xff;
  // ::ffff:0:a.b.c.d, IPv4-translated (RFC 2765 / 6145 SIIT): a stateless translator delivers it
  // to a.b.c.d as a v4-mapped address would be.
  const bool v4_translated = std::memcmp(b, kZero, 8) == 0 && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0;
  const bool v4_compatible = std::memcmp(b, kZero, 12) == 0;  // ::a.b.c.d (deprecated)
  static const uint8_t kNat64[12] = {0x00, 0x64, 0xff, 0x9b};   // 64:ff9b::/96
  static const uint8_t kNat64Local[6] = {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01};  // 64:ff9b:1::/48
  if (v4_mapped || v4_translated || v4_compatible || std::memcmp(b, kNat64, 12) == 0) return embedded_v4(b + 12);
  if (std::memcmp(b, kNat64Local, 6) == 0) return true;
  if (b[0] == 0x20 && b[1] == 0x02) return embedded_v4(b + 2);  // 2002::/16 6to4
  return (b[0] & 0xfe) == 0xfc ||                    // fc00::/7 unique local
         (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||  // fe80::/10 link-local
         b[0] == 0xff ||                             // multicast
         (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) ||           // 2001::/32 Teredo
         (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) ||     // 2001:db8::/32 documentation
         (b[0] == 0x01 && std::memcmp(b + 1, kZero, 7) == 0);                 // 100::/64 discard
}

void LmProviders::Validate(const Json& lm, Validation& v, const std::vector<std::string>& loc) const {
  JsonReader r(lm, v, loc);
  const bool caller_endpoint = lm.contains("base_url");
  auto provider = r.String("provider", 128);  // absent: offline
  r.Int("latency_ms", 0, 1000);  // offline LM: simulated latency per call (demos, tests)
  r.Number("temperature", 0.0, 2.0);
  r.Int("max_tokens", 1, 32000);
  r.Int("timeout_ms", 100, 600000);
  r.Int("max_retries", 0, 20);
  auto model = r.String("model", 256);
  if (r.Has("api_key_env")) {
    v.Add(r.Loc("api_key_env"),
          "names a server environment variable; LM keys are the operator's configuration "
          "(choose a provider from GET /api/v1/lm-providers)",
          "value_error.not_allowed");
  }
  if (caller_endpoint || r.Has("api_key")) {
    if (!config_.allow_caller_lm_endpoints) {
      v.Add(r.Loc(caller_endpoint ? "base_url" : "api_key"),
            "LM endpoints are the operator's configuration: name a provider from GET /api/v1/lm-providers "
            "(the server's allow_caller_lm_endpoints is off)",
            "value_error.not_allowed");
      r.RejectUnknownKeys();
      return;
    }
    auto url = r.String("base_url", 2048);
    r.String("api_key", 4096);
    if (provider && *provider != "caller") {
      v.Add(r.Loc("provider"), "a request with base_url uses provider \"caller\" (or none)", "value_error");
    }
    if (url) {
      auto parts = ParseBaseUrl(*url);
      if (!parts.ok()) v.Add(r.Loc("base_url"), parts.status().message(), "value_error.url");
    } else if (!r.Has("base_url")) {
      v.Add(r.Loc("base_url"), "field required with api_key", "value_error.missing");
    }
    if (!model) v.Add(r.Loc("model"), "required with base_url", "value_error.missing");
    r.RejectUnknownKeys();
    return;
  }
  r.RejectUnknownKeys();
  if (!provider || *provider == kOffline) return;
  const LmProviderConfig* p = FindProvider(config_, *provider);
  if (p == nullptr) {
    std::string names = "offline";
    for (const auto& [name, _] : config_.lm_providers) names += ", " + name;
    v.Add(r.Loc("provider"), "unknown provider '" + *provider + "'; configured: " + names, "value_error.not_found");
    return;
  }
  if (model) {
    const auto models = ModelsOf(*p);
    if (std::find(models.begin(), models.end(), *model) == models.end()) {
      std::string list;
      for (const auto& m : models) list += (list.empty() ? "" : ", ") + m;
      v.Add(r.Loc("model"), "provider '" + *provider + "' allows: " + list, "value_error.not_allowed");
    }
  }
}

Result<LmEndpoint> LmProviders::Resolve(const Json& lm, const std::string& caller_api_key) const {
  LmEndpoint e;
  if (lm.contains("base_url")) {
    if (!config_.allow_caller_lm_endpoints) {
      return Status::FailedPrecondition("caller-supplied LM endpoints are no longer allowed by this server");
    }
    EXEMPLAR_ASSIGN_OR_RETURN(UrlParts u, ParseBaseUrl(lm.value("base_url", "")));
    e.provider = "caller";
    e.base_url = lm.value("base_url", "");
    e.model = lm.value("model", "");
    e.api_key = caller_api_key;  // only what the caller sent: never a server secret
    e.direct = true;
    const std::string host = u.host;
    const std::string refused = "a loopback, private or link-local address, which this server does not call "
                                "(lm_allow_private_networks is off)";
    if (IsAddressLiteral(host)) {
      // curl connects to a literal address as it is, without resolving it: nothing to pin (and a
      // RESOLVE entry for an IPv6 literal, "::1:443:[::1]", is one curl refuses as malformed).
      if (!config_.lm_allow_private_networks && IsNonPublicAddress(host)) {
        return Status::InvalidArgument("LM endpoint host '" + host + "' is " + refused);
      }
      return WithRequestLimits(lm, std::move(e));
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) {
      return Status::InvalidArgument("LM endpoint host '" + host + "' does not resolve");
    }
    std::string pinned;
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      char text[INET6_ADDRSTRLEN] = {};
      const void* addr = ai->ai_family == AF_INET
                             ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
                             : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
      if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
      inet_ntop(ai->ai_family, addr, text, sizeof text);
      if (!config_.lm_allow_private_networks && IsNonPublicAddress(text)) {
        freeaddrinfo(res);
        return Status::InvalidArgument("LM endpoint host '" + host + "' resolves to " + refused);
      }
      std::string a = text;
      if (ai->ai_family == AF_INET6) a = "[" + a + "]";
      if (pinned.find(a) == std::string::npos) pinned += (pinned.empty() ? "" : ",") + a;
    }
    freeaddrinfo(res);
    if (pinned.empty()) return Status::InvalidArgument("LM endpoint host '" + host + "' has no usable address");
    e.pinned_addresses.push_back(host + ":" + std::to_string(u.port) + ":" + pinned);
  } else {
    e.provider = lm.value("provider", std::string(kOffline));
    if (e.provider == kOffline) {
      e.offline = true;
      return e;
    }
    const LmProviderConfig* p = FindProvider(config_, e.provider);
    if (p == nullptr) return Status::FailedPrecondition("LM provider '" + e.provider + "' is not configured on this server");
    e.base_url = p->base_url;
    e.model = lm.value("model", p->model.empty() ? ModelsOf(*p).front() : p->model);
    e.timeout_ms = p->timeout_ms;
    e.max_retries = p->max_retries;
    if (p->auth == "databricks") {
      if (!databricks_) {
        return Status::FailedPrecondition("LM provider '" + e.provider +
                                          "': auth databricks, but this server has no Databricks service principal");
      }
      e.bearer = databricks_;
    } else if (!p->api_key_env.empty()) {
      const char* key = std::getenv(p->api_key_env.c_str());
      if (key == nullptr || *key == '\0') {
        return Status::FailedPrecondition("LM provider '" + e.provider + "': its key variable " + p->api_key_env +
                                          " is not set on this server");
      }
      e.api_key = key;
    }
  }
  return WithRequestLimits(lm, std::move(e));
}

Json LmProviders::List() const {
  Json out = Json::array();
  out.push_back({{"name", kOffline}, {"kind", "offline"}, {"models", Json::array({"offline"})},
                 {"default_model", "offline"},
                 {"description", "Built-in deterministic stand-in LM (no network); for demos and tests"}});
  for (const auto& [name, p] : config_.lm_providers) {
    const auto models = ModelsOf(p);
    out.push_back({{"name", name}, {"kind", p.kind}, {"models", models},
                   {"default_model", p.model.empty() ? models.front() : p.model}});
  }
  return {{"providers", out}, {"caller_endpoints_allowed", config_.allow_caller_lm_endpoints}};
}

}  // namespace exemplar::service
