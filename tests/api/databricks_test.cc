// Running as a Databricks App (issue 22): the server takes its port and database from what the
// Apps runtime injects (DATABRICKS_APP_PORT, PG*), and PostgreSQL passwords that are short-lived
// OAuth tokens rotate under load without failing a request. The token endpoint is a local fake
// of the workspace's /oidc/v1/token that hands out a new password each time and sets it on the
// role with ALTER ROLE, so a connection opened with an old token would be refused.
#include <gtest/gtest.h>
#include <httplib.h>
#include <pqxx/pqxx>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "common/ids.h"
#include "testing/pg_test_db.h"
#include "testing/test_server.h"

extern char** environ;

namespace exemplar::testing {
namespace {

using namespace std::chrono_literals;

// "postgresql://exemplar@127.0.0.1:PORT/NAME" → its parts.
struct PgUrlParts {
  std::string port, name;
};
PgUrlParts Parts(const std::string& url) {
  const size_t colon = url.rfind(':'), slash = url.rfind('/');
  return {url.substr(colon + 1, slash - colon - 1), url.substr(slash + 1)};
}

// Waits for `cond` up to `limit`.
template <typename F>
bool Eventually(F cond, std::chrono::milliseconds limit = 10s) {
  for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
    if (cond()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return cond();
}

TEST(DatabricksApp, ServesOnTheAppPortWithTheDatabaseResource) {
  PgTestDb db;
  const PgUrlParts pg = Parts(db.url());
  const int port = FreePort();
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("app_" + NewUuid());
  std::filesystem::create_directories(dir);
  // Only what the Apps runtime injects: no --port, no --db.
  std::vector<std::string> env = {"DATABRICKS_APP_PORT=" + std::to_string(port),
                                  "DATABRICKS_APP_NAME=exemplar",
                                  "PGHOST=127.0.0.1",
                                  "PGPORT=" + pg.port,
                                  "PGDATABASE=" + pg.name,
                                  "PGUSER=exemplar",
                                  "PGSSLMODE=disable",
                                  "PGAPPNAME=exemplar-app-test",
                                  "EXEMPLAR_DATA_DIR=" + dir.string(),
                                  "EXEMPLAR_LOG_LEVEL=warn"};
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    if (kv.rfind("PG", 0) != 0 && kv.rfind("DATABRICKS_", 0) != 0 && kv.rfind("EXEMPLAR_", 0) != 0) env.push_back(kv);
  }
  std::vector<std::string> args = {EXEMPLAR_BINARY, "serve"};
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  for (auto& e : env) envp.push_back(e.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    execve(EXEMPLAR_BINARY, argv.data(), envp.data());
    _exit(127);
  }
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  const bool ready = Eventually([&] {
    auto r = client.Get("/readyz");
    return r && r->status == 200;
  }, 30s);
  // Listening beyond loopback (0.0.0.0) means authentication is required.
  auto unauthenticated = client.Get("/api/v1/examples");
  pqxx::connection check(db.url());
  pqxx::work tx(check);
  const int migrated = tx.exec1("SELECT COUNT(*) FROM schema_migrations")[0].as<int>();
  const int sessions =
      tx.exec1("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'exemplar-app-test' AND datname = " +
               tx.quote(pg.name))[0].as<int>();
  tx.commit();
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);

  ASSERT_TRUE(ready) << "the server did not answer on DATABRICKS_APP_PORT " << port;
  ASSERT_TRUE(unauthenticated);
  EXPECT_EQ(unauthenticated->status, 401);
  EXPECT_GT(migrated, 0) << "the schema was not created in the PGDATABASE database";
  EXPECT_GT(sessions, 0) << "no connection carried PGAPPNAME";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// The workspace as far as the server sees it: the OIDC token endpoint (each token is also the new
// password of the PostgreSQL role) and an OpenAI-compatible embeddings endpoint that accepts only
// tokens it issued.
class FakeWorkspace {
 public:
  FakeWorkspace(std::string admin_url, std::string role) : admin_(admin_url), role_(std::move(role)) {
    server_.Post("/oidc/v1/token", [this](const httplib::Request& req, httplib::Response& res) {
      // Basic base64("client-1:secret-1")
      if (req.get_header_value("Authorization") != "Basic Y2xpZW50LTE6c2VjcmV0LTE=" ||
          req.body != "grant_type=client_credentials&scope=all-apis") {
        res.status = 401;
        res.set_content(R"({"error":"invalid_client"})", "application/json");
        return;
      }
      const std::string token = "tok-" + std::to_string(++issued_) + "-" + NewUuid();
      SetPassword(token);
      {
        std::lock_guard lock(mu_);
        valid_.insert(token);
      }
      res.set_content(Json{{"access_token", token}, {"token_type", "Bearer"}, {"expires_in", kTokenSeconds}}.dump(),
                      "application/json");
    });
    server_.Post("/serving-endpoints/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string auth = req.get_header_value("Authorization");
      {
        std::lock_guard lock(mu_);
        if (auth.rfind("Bearer ", 0) != 0 || !valid_.count(auth.substr(7))) {
          ++refused_bearers_;
          res.status = 401;
          return;
        }
      }
      ++embeddings_;
      Json in = Json::parse(req.body);
      Json data = Json::array();
      for (size_t i = 0; i < in["input"].size(); ++i) {
        const std::string text = in["input"][i].get<std::string>();
        std::vector<float> v(8, 0.1f);
        for (size_t k = 0; k < text.size(); ++k) v[k % 8] += static_cast<unsigned char>(text[k]) / 255.0f;
        data.push_back({{"index", i}, {"embedding", v}});
      }
      res.set_content(Json{{"data", data}}.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~FakeWorkspace() {
    server_.stop();
    thread_.join();
  }
  // Rotates the role's password without the server knowing (as a revocation would).
  void SetPassword(const std::string& password) {
    std::lock_guard lock(admin_mu_);
    pqxx::nontransaction tx(admin_);
    tx.exec("ALTER ROLE " + role_ + " PASSWORD " + tx.quote(password));
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int issued() const { return issued_; }
  int embeddings() const { return embeddings_; }
  int refused_bearers() const { return refused_bearers_; }
  static constexpr int kTokenSeconds = 3;

 private:
  pqxx::connection admin_;
  std::mutex admin_mu_;
  std::string role_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> issued_{0}, embeddings_{0}, refused_bearers_{0};
  std::mutex mu_;
  std::set<std::string> valid_;
};

TEST(DatabricksApp, PostgresPasswordsRotateUnderLoadWithoutFailedRequests) {
  PgTestDb db;
  const PgUrlParts pg = Parts(db.url());
  const std::string role = "rot_" + pg.name.substr(2, 8);
  {
    pqxx::connection admin(db.url());
    pqxx::nontransaction tx(admin);
    try {
      tx.exec("CREATE ROLE exemplar_password_login NOLOGIN");
    } catch (const pqxx::sql_error&) {
      // created by an earlier test run on this server
    }
  }
  {
    pqxx::connection admin(db.url());
    pqxx::nontransaction tx(admin);
    tx.exec("CREATE ROLE " + role + " LOGIN PASSWORD 'not-a-token' IN ROLE exemplar_password_login");
    tx.exec("ALTER DATABASE " + pg.name + " OWNER TO " + role);
    tx.exec("ALTER SCHEMA public OWNER TO " + role);
  }
  FakeWorkspace workspace(db.url(), role);
  {  // the role really needs its password on this server (pg_test_server.sh's pg_hba rule)
    const std::string wrong = "postgresql://" + role + "@127.0.0.1:" + pg.port + "/" + pg.name + "?password=wrong";
    EXPECT_THROW(pqxx::connection{wrong}, pqxx::broken_connection);
  }

  Config c;
  c.db = "postgresql://" + role + "@127.0.0.1:" + pg.port + "/" + pg.name;  // no password
  c.db_connections = 4;
  c.db_credential_refresh_s = 1;  // tokens live 3 s: every connection is renewed after about 2 s
  c.databricks_host = workspace.base();
  c.databricks_client_id = "client-1";
  c.databricks_client_secret = "secret-1";
  c.embedder = "openai";
  c.embed_auth = "databricks";
  c.embed_base_url = workspace.base() + "/serving-endpoints";
  c.embed_model = "databricks-gte-large-en";
  c.embed_dimensions = 8;
  TestServer server(c);
  ASSERT_GE(workspace.issued(), 1);

  pqxx::connection admin(db.url());
  auto backends = [&] {
    pqxx::nontransaction tx(admin);
    std::set<int> pids;
    // The change-log listener holds one LISTEN session for the server's life; the pool's are the rest.
    for (const auto& r : tx.exec("SELECT pid FROM pg_stat_activity WHERE usename = " + tx.quote(role) +
                                 " AND query NOT ILIKE 'LISTEN%'")) {
      pids.insert(r[0].as<int>());
    }
    return pids;
  };
  const std::set<int> first = backends();
  ASSERT_FALSE(first.empty());

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::mutex failures_mu;
  std::vector<std::string> failures;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      httplib::Client http("127.0.0.1", server.port());
      http.set_read_timeout(30, 0);
      for (int i = 0; !stop; ++i) {
        httplib::Result r = (i % 3 == 0)
                                ? http.Post("/api/v1/examples",
                                            MakeExample("rotation " + std::to_string(t) + " " + std::to_string(i)).dump(),
                                            "application/json")
                                : http.Get("/api/v1/examples?page_size=5");
        if (r && (r->status == 200 || r->status == 201)) {
          ++ok;
        } else {
          ++failed;
          std::lock_guard lock(failures_mu);
          if (failures.size() < 5) failures.push_back(r ? std::to_string(r->status) + " " + r->body : "transport error");
        }
      }
    });
  }
  // Tokens expire every 3 s; halfway, the password is also changed behind the server's back, so the
  // next connection it opens is refused and must fetch a new token.
  std::this_thread::sleep_for(3500ms);
  workspace.SetPassword("rotated-out-of-band-" + NewUuid());
  std::this_thread::sleep_for(4500ms);
  stop = true;
  for (auto& th : clients) th.join();

  EXPECT_EQ(failed.load(), 0) << (failures.empty() ? "" : failures.front());
  EXPECT_GT(ok.load(), 50);
  EXPECT_GE(workspace.issued(), 3) << "tokens were not refreshed ahead of their expiry";
  EXPECT_GT(workspace.embeddings(), 0);
  const std::set<int> last = backends();
  for (int pid : first) EXPECT_FALSE(last.count(pid)) << "connection " << pid << " outlived its token";
  // And the server still works on a connection opened after the out-of-band rotation.
  EXPECT_EQ(server.Get("/api/v1/examples?page_size=1").status, 200);
}

TEST(DatabricksApp, WrongServicePrincipalFailsStartClearly) {
  PgTestDb db;
  FakeWorkspace workspace(db.url(), "nobody_role_unused");
  Config c;
  c.databricks_host = workspace.base();
  c.databricks_client_id = "client-1";
  c.databricks_client_secret = "wrong";
  c.embedder = "openai";
  c.embed_auth = "databricks";
  c.embed_base_url = workspace.base() + "/serving-endpoints";
  c.embed_model = "m";
  c.embed_dimensions = 0;  // probes the provider at start, so the token is needed now
  c.embed_retries = 0;
  try {
    TestServer server(c);
    ADD_FAILURE() << "the server started without a valid token";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("invalid_client"), std::string::npos) << what;
    EXPECT_EQ(what.find("wrong"), std::string::npos) << "the secret leaked into the error: " << what;
  }
}

// The shipped app config, with what app.yaml and the Apps runtime set, is a valid configuration
// whose database password and serving-endpoint bearer are the service principal's OAuth token.
TEST(DatabricksApp, ShippedConfigIsValidUnderTheAppsRuntime) {
  Config c;
  ASSERT_TRUE(c.LoadToml(std::string(EXEMPLAR_DEPLOY_DIR) + "/app/exemplar.toml").ok());
  ASSERT_TRUE(c.LoadEnv({{"EXEMPLAR_WEB_DIR", "./web"}, {"EXEMPLAR_DATA_DIR", "/tmp/exemplar"},
                         {"EXEMPLAR_EMBED_MODEL", "databricks-gte-large-en"}})
                  .ok());
  ASSERT_TRUE(c.ApplyPlatformEnv({{"DATABRICKS_APP_PORT", "8000"},
                                  {"DATABRICKS_HOST", "dbc-1.cloud.databricks.com"},
                                  {"DATABRICKS_CLIENT_ID", "id"},
                                  {"DATABRICKS_CLIENT_SECRET", "s"},
                                  {"PGHOST", "instance-x.database.cloud.databricks.com"},
                                  {"PGDATABASE", "databricks_postgres"},
                                  {"PGUSER", "id"},
                                  {"PGSSLMODE", "require"}})
                  .ok());
  ASSERT_TRUE(c.Validate().ok()) << c.Validate().ToString();
  EXPECT_EQ(c.port, 8000);
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_TRUE(c.trusted_proxy);
  EXPECT_EQ(c.embed_base_url, "https://dbc-1.cloud.databricks.com/serving-endpoints");
  EXPECT_EQ(c.lm_providers.at("databricks").base_url, "https://dbc-1.cloud.databricks.com/serving-endpoints");
  auto oauth = cli::DatabricksCredentials(c);
  ASSERT_NE(oauth, nullptr);
  EXPECT_EQ(cli::DbCredentials(c, oauth), oauth);  // no password given: the OAuth token is it
  c.db += "&password=static";
  EXPECT_EQ(cli::DbCredentials(c, oauth), nullptr);  // an explicit password wins
}

}  // namespace
}  // namespace exemplar::testing
