// The environment's part of the configuration: EXEMPLAR_<KEY> variables, the names that are not
// one, and what a platform runtime (Databricks Apps) injects.
#include <algorithm>
#include <set>
#include <vector>

#include "common/config.h"
#include "common/config_parse.h"
#include "common/credentials.h"
#include "common/json_util.h"

extern char** environ;

namespace exemplar {

using config_parse::ParseInt;

namespace {
std::string EnvOr(const std::map<std::string, std::string>& env, const std::string& name, const std::string& dflt = "") {
  auto it = env.find(name);
  return it == env.end() || it->second.empty() ? dflt : it->second;
}
}  // namespace

Status Config::ApplyPlatformEnv(const std::map<std::string, std::string>& env) {
  if (const std::string app_port = EnvOr(env, "DATABRICKS_APP_PORT"); !app_port.empty()) {
    // The Apps runtime routes its proxy to this port on the container's address.
    if (!explicit_keys.count("port")) {
      int64_t n;
      EXEMPLAR_RETURN_IF_ERROR(ParseInt("DATABRICKS_APP_PORT", app_port, 1, 65535, &n));
      port = static_cast<int>(n);
      if (!explicit_keys.count("host")) host = "0.0.0.0";
    }
  }
  std::string workspace = EnvOr(env, "DATABRICKS_HOST");
  if (!workspace.empty()) {
    if (workspace.find("://") == std::string::npos) workspace = "https://" + workspace;
    while (!workspace.empty() && workspace.back() == '/') workspace.pop_back();
    databricks_host = workspace;
  }
  if (!databricks_host.empty()) {
    // Serving endpoints of the same workspace, called with the principal's token: the base URL
    // need not be written down.
    if (embed_auth == "databricks" && embed_base_url.empty()) embed_base_url = databricks_host + "/serving-endpoints";
    for (auto& [name, p] : lm_providers) {
      if (p.auth == "databricks" && p.base_url.empty()) p.base_url = databricks_host + "/serving-endpoints";
    }
  }
  databricks_client_id = EnvOr(env, "DATABRICKS_CLIENT_ID", databricks_client_id);
  databricks_client_secret = EnvOr(env, "DATABRICKS_CLIENT_SECRET", databricks_client_secret);
  pg_password_in_env = !EnvOr(env, "PGPASSWORD").empty();
  const std::string pg_host = EnvOr(env, "PGHOST");
  if (!pg_host.empty() && !explicit_keys.count("db")) {
    // A database resource: the same variables libpq reads, written out as one URL so the
    // connection target shows in the config (never a password: PGPASSWORD stays libpq's).
    const std::string pg_port = EnvOr(env, "PGPORT", "5432");
    int64_t n;
    EXEMPLAR_RETURN_IF_ERROR(ParseInt("PGPORT", pg_port, 1, 65535, &n));
    std::string url = "postgresql://";
    if (const std::string user = EnvOr(env, "PGUSER"); !user.empty()) url += PercentEncode(user) + "@";
    url += pg_host.find(':') != std::string::npos ? "[" + pg_host + "]" : pg_host;
    url += ":" + pg_port + "/" + PercentEncode(EnvOr(env, "PGDATABASE", "postgres"));
    std::string query;
    if (const std::string ssl = EnvOr(env, "PGSSLMODE"); !ssl.empty()) query += "sslmode=" + PercentEncode(ssl);
    if (const std::string app = EnvOr(env, "PGAPPNAME"); !app.empty())
      query += (query.empty() ? "" : "&") + std::string("application_name=") + PercentEncode(app);
    db = query.empty() ? url : url + "?" + query;
  }
  return Status::Ok();
}


namespace {

std::string EnvName(const std::string& key) {
  std::string name = "EXEMPLAR_";
  for (char c : key) name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return name;
}

}  // namespace

Status Config::LoadEnv(const std::map<std::string, std::string>& env) {
  for (const auto& key : Keys()) {
    auto it = env.find(EnvName(key));
    if (it != env.end()) EXEMPLAR_RETURN_IF_ERROR(Set(key, it->second));
  }
  return Status::Ok();
}

std::vector<std::string> Config::UnknownEnvNames(const std::map<std::string, std::string>& env) const {
  // Read by the CLI itself, the scripts (setup, build, test, fuzz, TSan, e2e, the Databricks job's
  // optimize.py) and the test binaries.
  static const std::set<std::string> kOthers = {
      "EXEMPLAR_CONFIG",       "EXEMPLAR_BIN",           "EXEMPLAR_BUILD_DIR",  "EXEMPLAR_BUILD_TYPE",
      "EXEMPLAR_FUZZ",         "EXEMPLAR_FUZZ_BUILD_DIR", "EXEMPLAR_FUZZ_SECONDS", "EXEMPLAR_FUZZ_TARGETS",
      "EXEMPLAR_JOBS",         "EXEMPLAR_SKIP_FUZZ",     "EXEMPLAR_SKIP_TSAN",  "EXEMPLAR_SKIP_WEB",
      "EXEMPLAR_TEST_JOBS",    "EXEMPLAR_TSAN",          "EXEMPLAR_TSAN_BUILD_DIR", "EXEMPLAR_PRINT_FLOOR",
      "EXEMPLAR_TEST_BACKEND", "EXEMPLAR_TEST_BINARY",   "EXEMPLAR_TEST_PG_DIR", "EXEMPLAR_UPDATE_GOLDEN",
      "EXEMPLAR_NODE_MIN",     "EXEMPLAR_TOKEN"};
  std::vector<std::string> known;
  for (const auto& key : Keys()) known.push_back(EnvName(key));
  std::set<std::string> secrets = {embed_api_key_env};  // variables holding keys, read by name
  for (const auto& [name, provider] : lm_providers) secrets.insert(provider.api_key_env);
  std::vector<std::string> out;
  for (const auto& [name, value] : env) {
    if (name.rfind("EXEMPLAR_", 0) != 0 || kOthers.count(name) || secrets.count(name) ||
        std::find(known.begin(), known.end(), name) != known.end()) {
      continue;
    }
    // The nearest variables by spelling, else those it begins (EXEMPLAR_RATE_LIMIT → ..._RPS and
    // ..._BURST), else the longest it extends (EXEMPLAR_AUTH_MODE → EXEMPLAR_AUTH).
    constexpr size_t kNear = 3;  // edits
    std::vector<std::string> hints;
    size_t best = kNear;
    for (const auto& k : known) {
      const size_t d = EditDistance(name, k);
      if (d > best) continue;
      if (d < best) best = d, hints.clear();
      hints.push_back(k);
    }
    if (hints.empty()) {
      for (const auto& k : known) {
        if (k.rfind(name, 0) == 0) hints.push_back(k);
      }
    }
    if (hints.empty()) {
      for (const auto& k : known) {
        if (name.rfind(k + "_", 0) == 0 && (hints.empty() || k.size() > hints.front().size())) hints = {k};
      }
    }
    std::string hint;
    for (const auto& h : hints) hint += (hint.empty() ? "" : " or ") + h;
    out.push_back(name + (hint.empty() ? "" : " (did you mean " + hint + "?)"));
  }
  return out;
}

std::map<std::string, std::string> Config::ProcessEnv() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}


}  // namespace exemplar
