// TestServer: a real Exemplar server (store, indexes, HTTP) on a free loopback port with a temp
// data directory, for black-box API tests. Restart() stops and reopens everything on the same
// data directory, proving persistence. With EXEMPLAR_TEST_BACKEND=postgres (the "pg:" variants
// registered by tests/CMakeLists.txt) the store is a fresh PostgreSQL database instead of SQLite,
// unless the config already names a database.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "api/server.h"
#include "cli/runtime.h"
#include "common/json_util.h"
#include "testing/pg_test_db.h"

namespace exemplar::testing {

struct HttpResult {
  int status = 0;
  Json body;          // parsed JSON (null when the body is not JSON)
  std::string raw;
  std::string content_type;
  httplib::Headers headers;  // the response's headers (names as sent; look up case-insensitively)
};

class TestServer {
 public:
  explicit TestServer(Config config = {});
  ~TestServer();

  void Restart();
  // Stop and Start separately, for a server that is down while others keep writing.
  void Stop();
  void Start();
  int port() const { return server_->port(); }
  const std::filesystem::path& data_dir() const { return dir_; }
  // The effective config (db names the PostgreSQL database of the pg: variants).
  const Config& config() const { return config_; }
  // The config the next Start() uses (e.g. another embedder between Stop() and Start()).
  Config& next_config() { return config_; }
  cli::Runtime& runtime() { return *runtime_; }

  HttpResult Get(const std::string& path);
  HttpResult Delete(const std::string& path);
  HttpResult Post(const std::string& path, const Json& body);
  HttpResult Put(const std::string& path, const Json& body);
  // Sends a raw body with the given content type.
  HttpResult PostRaw(const std::string& path, const std::string& body, const std::string& content_type);
  HttpResult PutRaw(const std::string& path, const std::string& body, const std::string& content_type);
  // Sends the request with extra headers (e.g. Authorization).
  HttpResult Send(const std::string& method, const std::string& path, const Json& body,
                  const httplib::Headers& headers);

 private:
  HttpResult Wrap(const httplib::Result& r);

  Config config_;
  std::unique_ptr<PgTestDb> pg_;  // the PostgreSQL variant's database (EXEMPLAR_TEST_BACKEND)
  std::filesystem::path dir_;
  std::unique_ptr<cli::Runtime> runtime_;
  std::unique_ptr<api::Server> server_;
  std::unique_ptr<httplib::Client> client_;
};

// A minimal valid example body.
Json MakeExample(const std::string& text, const std::string& domain = "general");

// A free TCP port on 127.0.0.1 (bound then released).
int FreePort();

// The body of POST /dspy-runs for a long MIPROv2 run on the offline LM (400 trials of 6 candidates,
// each LM call `latency_ms` long): a run that is still going when a test acts on it.
Json SlowMiproRun(const std::string& template_id, int latency_ms, int max_trials = 400);

// Polls GET /dspy-runs/{id} until the run has finished (completed, failed or cancelled) and
// returns it; a test failure when it has not finished within `seconds`.
Json WaitForRun(TestServer& server, const std::string& id, int seconds = 180);

}  // namespace exemplar::testing
