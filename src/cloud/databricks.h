// Databricks credentials for a server running as a Databricks App (or any holder of a service
// principal's OAuth secret): the workspace OAuth token (machine-to-machine, client credentials)
// and, for Lakebase, a database credential minted with it. Both last about an hour; the
// RefreshingCredentials built here fetch new ones before they expire.
//
//   OAuth token:          POST {host}/oidc/v1/token
//                         Authorization: Basic base64(client_id:client_secret)
//                         grant_type=client_credentials&scope=all-apis
//                         → {"access_token", "token_type", "expires_in"}
//   Database credential:  POST {host}/api/2.0/database/credentials   (Bearer <OAuth token>)
//                         {"request_id": uuid, "instance_names": [instance]}
//                         → {"token", "expiration_time" (RFC 3339)}
//
// The host and the principal come from the platform's environment (DATABRICKS_HOST,
// DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET), never from a request. Secrets are never logged.
#pragma once

#include <memory>
#include <string>

#include "common/credentials.h"
#include "common/status.h"

namespace exemplar::embed {
class HttpClient;
}

namespace exemplar::cloud {

struct ServicePrincipal {
  std::string host;  // https://<workspace>, without a trailing slash
  std::string client_id;
  std::string client_secret;
};

// One token from the workspace's OIDC endpoint. kUnavailable on transport errors, a refusal
// (with the endpoint's error code, never the secret) or a reply without access_token.
Result<Credential> FetchOAuthToken(embed::HttpClient& http, const ServicePrincipal& principal, long timeout_ms);

// One Lakebase database credential for `instance`, requested with `bearer` (an OAuth token).
Result<Credential> FetchDatabaseCredential(embed::HttpClient& http, const std::string& host,
                                           const std::string& bearer, const std::string& instance,
                                           long timeout_ms);

// The principal's OAuth token, refreshed refresh_ahead_ms before it expires.
std::shared_ptr<Credentials> OAuthCredentials(const ServicePrincipal& principal, int64_t refresh_ahead_ms);

// A Lakebase database credential for `instance`, minted with `oauth` (OAuthCredentials) and
// refreshed refresh_ahead_ms before it expires.
std::shared_ptr<Credentials> LakebaseCredentials(std::shared_ptr<Credentials> oauth, const std::string& host,
                                                 const std::string& instance, int64_t refresh_ahead_ms);

}  // namespace exemplar::cloud
