#include "cloud/databricks.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "common/ids.h"
#include "common/time.h"
#include "embed/http_client.h"

namespace exemplar::cloud {
namespace {

constexpr long kTimeoutMs = 15000;

std::string Base64(const std::string& in) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint8_t(in[i]) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// The endpoint's own error code and description (OAuth: error / error_description; REST:
// error_code / message); never the request, which holds the secret.
std::string Refusal(const embed::HttpResponse& r) {
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  std::string why = "HTTP " + std::to_string(r.status);
  if (body.is_object()) {
    for (const char* key : {"error", "error_code", "error_description", "message"}) {
      if (body.contains(key) && body[key].is_string()) why += ", " + body[key].get<std::string>();
    }
  }
  return why;
}

}  // namespace

Result<Credential> FetchOAuthToken(embed::HttpClient& http, const ServicePrincipal& p, long timeout_ms) {
  auto reply = http.Post(p.host + "/oidc/v1/token",
                         {"Authorization: Basic " + Base64(p.client_id + ":" + p.client_secret),
                          "Content-Type: application/x-www-form-urlencoded", "Accept: application/json"},
                         "grant_type=client_credentials&scope=all-apis", timeout_ms);
  if (!reply.ok()) return Status::Unavailable("OAuth token endpoint unreachable: " + reply.status().message());
  if (reply->status != 200) return Status::Unavailable("OAuth token endpoint refused: " + Refusal(*reply));
  auto body = nlohmann::json::parse(reply->body, nullptr, false);
  if (!body.is_object() || !body.contains("access_token") || !body["access_token"].is_string() ||
      body["access_token"].get<std::string>().empty()) {
    return Status::Unavailable("OAuth token endpoint replied without an access_token");
  }
  Credential c{body["access_token"].get<std::string>(), 0};
  // RFC 6749 says a number; some servers send a string.
  int64_t expires_in = 3600;
  if (body.contains("expires_in") && body["expires_in"].is_number()) expires_in = body["expires_in"].get<int64_t>();
  if (body.contains("expires_in") && body["expires_in"].is_string()) {
    expires_in = std::strtoll(body["expires_in"].get<std::string>().c_str(), nullptr, 10);
  }
  c.expires_at_ms = NowMillis() + std::max<int64_t>(1, expires_in) * 1000;
  return c;
}

Result<Credential> FetchDatabaseCredential(embed::HttpClient& http, const std::string& host,
                                           const std::string& bearer, const std::string& instance,
                                           long timeout_ms) {
  nlohmann::json req = {{"request_id", NewUuid()}, {"instance_names", {instance}}};
  auto reply = http.Post(host + "/api/2.0/database/credentials",
                         {"Authorization: Bearer " + bearer, "Content-Type: application/json",
                          "Accept: application/json"},
                         req.dump(), timeout_ms);
  if (!reply.ok()) return Status::Unavailable("database credential endpoint unreachable: " + reply.status().message());
  if (reply->status != 200) return Status::Unavailable("database credential endpoint refused: " + Refusal(*reply));
  auto body = nlohmann::json::parse(reply->body, nullptr, false);
  if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) {
    return Status::Unavailable("database credential endpoint replied without a token");
  }
  Credential c{body["token"].get<std::string>(), NowMillis() + 3600 * 1000};
  if (body.contains("expiration_time") && body["expiration_time"].is_string()) {
    if (auto t = ParseRfc3339(body["expiration_time"].get<std::string>())) c.expires_at_ms = *t;
  }
  return c;
}

std::shared_ptr<Credentials> OAuthCredentials(const ServicePrincipal& principal, int64_t refresh_ahead_ms) {
  auto http = std::make_shared<embed::HttpClient>();
  return std::make_shared<RefreshingCredentials>(
      "databricks-oauth",
      [http, principal]() -> Result<Credential> {
        auto c = FetchOAuthToken(*http, principal, kTimeoutMs);
        if (c.ok()) spdlog::info("databricks: new OAuth token, valid until {}", FormatRfc3339(c->expires_at_ms));
        else spdlog::warn("databricks: {}", c.status().message());
        return c;
      },
      refresh_ahead_ms);
}

std::shared_ptr<Credentials> LakebaseCredentials(std::shared_ptr<Credentials> oauth, const std::string& host,
                                                 const std::string& instance, int64_t refresh_ahead_ms) {
  auto http = std::make_shared<embed::HttpClient>();
  return std::make_shared<RefreshingCredentials>(
      "lakebase",
      [http, oauth, host, instance]() -> Result<Credential> {
        EXEMPLAR_ASSIGN_OR_RETURN(Credential bearer, oauth->Get());
        auto c = FetchDatabaseCredential(*http, host, bearer.secret, instance, kTimeoutMs);
        if (c.ok()) spdlog::info("lakebase: new database credential, valid until {}", FormatRfc3339(c->expires_at_ms));
        else spdlog::warn("lakebase: {}", c.status().message());
        return c;
      },
      refresh_ahead_ms);
}

}  // namespace exemplar::cloud
