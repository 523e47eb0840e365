// Short-lived credentials and what a platform runtime (Databricks Apps) injects into the config.
#include "common/credentials.h"

#include <gtest/gtest.h>

#include "common/config.h"

namespace exemplar {
namespace {

TEST(Credentials, RefreshesAheadOfExpiryAndOnDemand) {
  int64_t now = 1'000'000;
  int n = 0;
  RefreshingCredentials creds(
      "test", [&]() -> Result<Credential> { return Credential{"secret-" + std::to_string(++n), now + 60'000}; },
      10'000, [&] { return now; });
  EXPECT_EQ(creds.Get()->secret, "secret-1");
  now += 49'000;  // 11 s before expiry: still outside the 10 s margin
  EXPECT_EQ(creds.Get()->secret, "secret-1");
  now += 2'000;   // 9 s before expiry: inside the margin, so a new one
  EXPECT_EQ(creds.Get()->secret, "secret-2");
  EXPECT_EQ(creds.Refresh("secret-2")->secret, "secret-3");  // the server refused the current one
  EXPECT_EQ(creds.Refresh("secret-2")->secret, "secret-3");  // a second caller refused with it: no fetch
  EXPECT_EQ(creds.Get()->secret, "secret-3");
  EXPECT_EQ(creds.fetches(), 3);
}

TEST(Credentials, FailedRefreshKeepsAValidSecretButNotAnExpiredOne) {
  int64_t now = 0;
  bool fail = false;
  RefreshingCredentials creds(
      "test",
      [&]() -> Result<Credential> {
        if (fail) return Status::Unavailable("token endpoint down");
        return Credential{"good", now + 60'000};
      },
      30'000, [&] { return now; });
  ASSERT_EQ(creds.Get()->secret, "good");
  fail = true;
  now = 40'000;  // due for refresh, still valid for 20 s: the refresh fails, the secret serves
  ASSERT_TRUE(creds.Get().ok());
  EXPECT_EQ(creds.Get()->secret, "good");
  EXPECT_FALSE(creds.Refresh("good").ok());  // refused by the server: nothing to fall back to
  now = 61'000;  // expired
  auto r = creds.Get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("token endpoint down"), std::string::npos);
}

TEST(Credentials, TokenCommandFirstLineAndFailures) {
  auto ok = RunTokenCommand("printf 'tok-123\\nignored\\n'", 5000);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->secret, "tok-123");
  EXPECT_GT(ok->expires_at_ms, 0);
  EXPECT_EQ(RunTokenCommand("echo forever", 0)->expires_at_ms, 0);
  EXPECT_EQ(RunTokenCommand("exit 3", 0).status().code(), Code::kUnavailable);
  EXPECT_EQ(RunTokenCommand("true", 0).status().code(), Code::kUnavailable);  // printed nothing
}

TEST(PlatformEnv, DatabricksAppPortAndDatabaseResource) {
  Config c;
  ASSERT_TRUE(c.ApplyPlatformEnv({{"DATABRICKS_APP_PORT", "8000"},
                                  {"DATABRICKS_HOST", "dbc-1234.cloud.databricks.com/"},
                                  {"DATABRICKS_CLIENT_ID", "6f0a-client"},
                                  {"DATABRICKS_CLIENT_SECRET", "dose-secret"},
                                  {"PGHOST", "instance-1.database.cloud.databricks.com"},
                                  {"PGPORT", "5432"},
                                  {"PGDATABASE", "databricks_postgres"},
                                  {"PGUSER", "6f0a-client"},
                                  {"PGSSLMODE", "require"},
                                  {"PGAPPNAME", "exemplar app"}})
                  .ok());
  EXPECT_EQ(c.port, 8000);
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.db,
            "postgresql://6f0a-client@instance-1.database.cloud.databricks.com:5432/databricks_postgres"
            "?sslmode=require&application_name=exemplar%20app");
  EXPECT_EQ(c.databricks_host, "https://dbc-1234.cloud.databricks.com");
  EXPECT_TRUE(c.HasDatabricksServicePrincipal());
  EXPECT_FALSE(c.pg_password_in_env);
}

TEST(PlatformEnv, ServingEndpointsDefaultToTheWorkspace) {
  Config c;
  ASSERT_TRUE(c.Set("embed_auth", "databricks").ok());
  ASSERT_TRUE(c.Set("lm_providers.dbx.auth", "databricks").ok());
  ASSERT_TRUE(c.Set("lm_providers.dbx.model", "databricks-meta-llama-3-3-70b-instruct").ok());
  ASSERT_TRUE(c.Set("lm_providers.other.base_url", "https://llm.internal/v1").ok());
  ASSERT_TRUE(c.Set("lm_providers.other.model", "m").ok());
  ASSERT_TRUE(c.ApplyPlatformEnv({{"DATABRICKS_HOST", "https://dbc-1.cloud.databricks.com"},
                                  {"DATABRICKS_CLIENT_ID", "id"},
                                  {"DATABRICKS_CLIENT_SECRET", "s"}})
                  .ok());
  EXPECT_EQ(c.embed_base_url, "https://dbc-1.cloud.databricks.com/serving-endpoints");
  EXPECT_EQ(c.lm_providers["dbx"].base_url, "https://dbc-1.cloud.databricks.com/serving-endpoints");
  EXPECT_EQ(c.lm_providers["other"].base_url, "https://llm.internal/v1");
  EXPECT_TRUE(c.Validate().ok());
}

TEST(PlatformEnv, ExplicitSettingsWin) {
  Config c;
  ASSERT_TRUE(c.Set("port", "9090").ok());
  ASSERT_TRUE(c.Set("db", "postgres://me@db.internal/ex").ok());
  ASSERT_TRUE(c.ApplyPlatformEnv({{"DATABRICKS_APP_PORT", "8000"}, {"PGHOST", "elsewhere"},
                                  {"PGPASSWORD", "pw"}}).ok());
  EXPECT_EQ(c.port, 9090);
  EXPECT_EQ(c.host, "127.0.0.1");  // no platform port taken, so the listen address stays too
  EXPECT_EQ(c.db, "postgres://me@db.internal/ex");
  EXPECT_TRUE(c.pg_password_in_env);

  Config h;  // an explicit host keeps its value while the platform port applies
  ASSERT_TRUE(h.LoadEnv({{"EXEMPLAR_HOST", "127.0.0.1"}}).ok());
  ASSERT_TRUE(h.ApplyPlatformEnv({{"DATABRICKS_APP_PORT", "8001"}}).ok());
  EXPECT_EQ(h.port, 8001);
  EXPECT_EQ(h.host, "127.0.0.1");
}

TEST(PlatformEnv, BadValuesAreClearErrorsAndNothingIsTakenWithoutThem) {
  Config c;
  auto st = c.ApplyPlatformEnv({{"DATABRICKS_APP_PORT", "eighty"}});
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("DATABRICKS_APP_PORT"), std::string::npos);
  EXPECT_EQ(c.ApplyPlatformEnv({{"PGHOST", "h"}, {"PGPORT", "0"}}).code(), Code::kInvalidArgument);

  Config plain;
  ASSERT_TRUE(plain.ApplyPlatformEnv({}).ok());
  EXPECT_EQ(plain.port, 8080);
  EXPECT_EQ(plain.host, "127.0.0.1");
  EXPECT_EQ(plain.db, "");
  EXPECT_FALSE(plain.HasDatabricksServicePrincipal());

  Config needs;  // auth = databricks without a service principal is refused at start
  ASSERT_TRUE(needs.Set("embed_auth", "databricks").ok());
  EXPECT_EQ(needs.Validate().code(), Code::kInvalidArgument);
  EXPECT_EQ(needs.Set("embed_auth", "oauth").code(), Code::kInvalidArgument);
  EXPECT_EQ(needs.Set("lm_providers.dbx.auth", "token").code(), Code::kInvalidArgument);
}

TEST(Credentials, PercentEncode) {
  EXPECT_EQ(PercentEncode("a b/c?d=e&f@g~h"), "a%20b%2Fc%3Fd%3De%26f%40g~h");
}

}  // namespace
}  // namespace exemplar
