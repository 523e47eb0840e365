// `exemplar serve` while its indexes load (review s22, ops): it listens first, so a liveness probe
// is answered during a rebuild from the rows (minutes at a million examples; here a data dir whose
// snapshots were removed). Meanwhile /healthz is 200, /readyz and every API route 503 with
// Retry-After, the web UI's pages a "starting" page, and a run launch is refused; a stop signal
// ends the load cleanly, writing no snapshot. And a provider key variable that is unset is named in
// a warning at start. Before, the port opened only once the indexes were built, and nothing warned.
// Review s23: the load's 503s cost no rate limit, and a stop before the port opens exits 0.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/json_util.h"
#include "testing/child_process.h"
#include "testing/cli_fixture.h"
#include "testing/fake_embeddings.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

using std::chrono::steady_clock;

// Enough rows that rebuilding their indexes takes a measurable time (about a second on a quiet
// machine), so the probes below run while it does.
constexpr int kExamples = 12000;

std::vector<std::string> ServeArgs(std::vector<std::string> args) {
  args.insert(args.begin(), {CliBinary(), "serve"});
  return args;
}

// `exemplar serve ARGS` as a child process, its stderr (the log) in a file.
class ServeProcess : public ChildProcess {
 public:
  ServeProcess(const std::filesystem::path& log, std::vector<std::string> args, std::vector<std::string> env)
      : ChildProcess(ServeArgs(std::move(args)), {.env = std::move(env), .log = log}) {}
};

HttpResult Send(httplib::Client& client, const std::string& method, const std::string& path,
                const std::string& body = "") {
  httplib::Result r = method == "GET" ? client.Get(path) : client.Post(path, body, "application/json");
  HttpResult out;
  if (!r) return out;  // status -1: no answer (the port is closed)
  out.status = r->status;
  out.raw = r->body;
  out.headers = r->headers;
  out.content_type = r->get_header_value("Content-Type");
  out.body = Json::parse(r->body, nullptr, false);
  return out;
}

std::string Header(const HttpResult& r, const std::string& name) {
  auto it = r.headers.find(name);  // httplib::Headers compares names case-insensitively
  return it == r.headers.end() ? "" : it->second;
}

class ServeLoading : public CliTest {
 protected:
  // A store of kExamples examples, made once for the suite; each test serves a copy of it.
  static void SetUpTestSuite() {
    store_ = std::filesystem::path(::testing::TempDir()) / ("serve_loading_" + NewUuid());
    std::filesystem::create_directories(store_);
    {
      std::ofstream out(store_ / "examples.jsonl");
      const char* words[] = {"sensor", "drift", "voltage", "thermal", "bias", "gain", "signal", "noise",
                             "filter", "pump", "valve", "motor", "torque", "flow", "pressure", "relay"};
      for (int i = 0; i < kExamples; ++i) {
        std::string text;
        for (int w = 0; w < 10; ++w) text += std::string(words[(i * 7 + w * 13 + i / (w + 1)) % 16]) + " ";
        out << Json{{"input", {{"text", text + "item " + std::to_string(i)}}},
                    {"expected_output", {{"label", "l" + std::to_string(i % 7)}}},
                    {"domain", "d" + std::to_string(i % 5)}}
                   .dump()
            << "\n";
      }
    }
    int code = 0;
    Shell(CliBinary() + " import " + (store_ / "examples.jsonl").string() + " --on-duplicate allow --data-dir " +
              (store_ / "data").string() + " 2>/dev/null",
          &code);
    ASSERT_EQ(code, 0);
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(store_); }

  // A copy of the suite's store without its index snapshots: serve rebuilds every index from the
  // rows. Returns the --data-dir.
  std::string StoreWithoutSnapshots() {
    const auto data = dir_ / "data";
    std::filesystem::copy(store_ / "data", data, std::filesystem::copy_options::recursive);
    for (const auto& f : std::filesystem::directory_iterator(data)) {
      if (f.path().filename().string().rfind("vectors.hnsw", 0) == 0) std::filesystem::remove(f.path());
    }
    return data.string();
  }
  // Polls /healthz until the port answers.
  static bool WaitForListening(httplib::Client& client) {
    for (int i = 0; i < 30000; ++i) {  // up to a minute: the store opens first
      if (Send(client, "GET", "/healthz").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }
  static bool WaitForReady(httplib::Client& client) {
    for (int i = 0; i < 1200; ++i) {
      if (Send(client, "GET", "/readyz").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  static std::filesystem::path store_;
};

std::filesystem::path ServeLoading::store_;

TEST_F(ServeLoading, ProbesAreAnsweredWhileTheIndexesLoadAndTheApiWaitsForThem) {
  const std::string data = StoreWithoutSnapshots();
  // A web UI of one page, to see what a browser gets during the load.
  std::filesystem::create_directories(dir_ / "web");
  std::ofstream(dir_ / "web" / "index.html") << "<!doctype html><p>the app</p>";
  const int port = FreePort();
  ServeProcess serve(dir_ / "serve.log",
                     {"--port", std::to_string(port), "--data-dir", data, "--web-dir", (dir_ / "web").string()}, {});
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  ASSERT_TRUE(WaitForListening(client)) << serve.Log();

  // Alive, not ready: how far the load has come (loopback without auth may learn the counts, once
  // the store's examples are counted: until then no counts, never "0 of 0").
  HttpResult ready = Send(client, "GET", "/readyz");
  for (int i = 0; i < 200 && ready.status == 503 && !ready.body.contains("examples"); ++i) {
    EXPECT_EQ(ready.body["detail"], "loading indexes; retry shortly") << ready.raw;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ready = Send(client, "GET", "/readyz");
  }
  ASSERT_EQ(ready.status, 503) << "the indexes were loaded before the port answered: " << ready.raw << "\n"
                               << serve.Log();
  EXPECT_EQ(ready.body["status"], "loading") << ready.raw;
  EXPECT_EQ(ready.body["code"], "unavailable") << ready.raw;
  EXPECT_EQ(ready.body["examples"], kExamples) << ready.raw;
  EXPECT_LE(ready.body["indexed"].get<int>(), kExamples) << ready.raw;
  EXPECT_EQ(Header(ready, "Retry-After"), "5");

  // Every route that reads the indexes waits for them: a list, a search (answered on the event
  // loop once ready), the metrics, a run launch (no run may start on half-built indexes).
  for (const auto& [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", "/api/v1/examples?page_size=1", ""},
           {"POST", "/api/v1/examples/search", R"({"query_text":"thermal drift","k":3})"},
           {"GET", "/metrics", ""},
           {"POST", "/api/v1/dspy-runs", R"({"template_id":"00000000-0000-0000-0000-000000000000"})"}}) {
    HttpResult r = Send(client, method, path, body);
    EXPECT_EQ(r.status, 503) << method << " " << path << ": " << r.raw;
    EXPECT_EQ(Header(r, "Retry-After"), "5") << method << " " << path;
    EXPECT_NE(r.raw.find("loading indexes: "), std::string::npos) << r.raw;
    EXPECT_NE(r.raw.find("retry shortly"), std::string::npos) << r.raw;
  }
  // The site checks apply as after the load: a Host the server does not answer to gets its 421.
  auto foreign = client.Get("/api/v1/examples?page_size=1", httplib::Headers{{"Host", "evil.example"}});
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 421) << foreign->body;
  // A page of the web UI: a small page that reloads itself, not the app whose calls would fail.
  HttpResult page = Send(client, "GET", "/examples/abc");
  EXPECT_EQ(page.status, 503);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.raw.find("Exemplar is starting"), std::string::npos) << page.raw;
  EXPECT_NE(page.raw.find("http-equiv=\"refresh\""), std::string::npos) << page.raw;
  // The OpenAPI document needs no index.
  EXPECT_EQ(Send(client, "GET", "/api/v1/openapi.json").status, 200);
  EXPECT_EQ(Send(client, "GET", "/healthz").status, 200);

  ASSERT_TRUE(WaitForReady(client)) << serve.Log();
  ready = Send(client, "GET", "/readyz");
  EXPECT_EQ(ready.body["status"], "ready") << ready.raw;
  EXPECT_EQ(ready.body["indexed"], kExamples) << ready.raw;
  EXPECT_EQ(ready.body["index_load"], "rebuild") << ready.raw;
  HttpResult list = Send(client, "GET", "/api/v1/examples?page_size=1");
  EXPECT_EQ(list.status, 200) << list.raw;
  EXPECT_EQ(list.body["total"], kExamples) << list.raw;
  HttpResult found = Send(client, "POST", "/api/v1/examples/search", R"({"query_text":"thermal drift","k":3})");
  EXPECT_EQ(found.status, 200) << found.raw;
  EXPECT_EQ(found.body["results"].size(), 3u) << found.raw;
  EXPECT_EQ(Send(client, "GET", "/metrics").status, 200);
  EXPECT_EQ(Send(client, "GET", "/examples/abc").raw, "<!doctype html><p>the app</p>");
  // The launch refused during the load left no run behind.
  HttpResult runs = Send(client, "GET", "/api/v1/dspy-runs");
  EXPECT_EQ(runs.status, 200) << runs.raw;
  EXPECT_EQ(runs.body["total"], 0) << runs.raw;

  EXPECT_EQ(serve.Terminate(), 0) << serve.Log();
  const std::string log = serve.Log();
  const size_t listening = log.find("loading indexes\"");
  const size_t loaded = log.find("indexes ready: ");
  const size_t ready_line = log.find("\"msg\":\"ready\"");
  EXPECT_NE(listening, std::string::npos) << log;
  EXPECT_NE(loaded, std::string::npos) << log;
  EXPECT_NE(ready_line, std::string::npos) << log;
  EXPECT_LT(listening, loaded) << log;
  EXPECT_LT(loaded, ready_line) << log;
  // The stop after the load wrote the snapshots.
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(data) / "vectors.hnsw.seq"));
}

TEST_F(ServeLoading, AStopSignalDuringTheLoadEndsItCleanlyWithoutASnapshot) {
  const std::string data = StoreWithoutSnapshots();
  const int port = FreePort();
  ServeProcess serve(dir_ / "serve.log", {"--port", std::to_string(port), "--data-dir", data}, {});
  httplib::Client client("127.0.0.1", port);
  ASSERT_TRUE(WaitForListening(client)) << serve.Log();
  ASSERT_EQ(Send(client, "GET", "/readyz").status, 503) << serve.Log();
  const auto stop = steady_clock::now();
  EXPECT_EQ(serve.Terminate(), 0) << serve.Log();
  // The rest of the rows are read, not indexed: well under the load's own time.
  EXPECT_LT(steady_clock::now() - stop, std::chrono::seconds(20));
  const std::string log = serve.Log();
  EXPECT_NE(log.find("stopped while loading the indexes (no snapshot written)"), std::string::npos) << log;
  EXPECT_EQ(log.find("indexes ready: "), std::string::npos) << log;
  // A partial index is never saved: the next start rebuilds, and answers in full.
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(data) / "vectors.hnsw.seq"));
  ServeProcess again(dir_ / "again.log", {"--port", std::to_string(port), "--data-dir", data}, {});
  ASSERT_TRUE(WaitForListening(client)) << again.Log();
  ASSERT_TRUE(WaitForReady(client)) << again.Log();
  EXPECT_EQ(Send(client, "GET", "/readyz").body["indexed"], kExamples);
  EXPECT_EQ(again.Terminate(), 0) << again.Log();
}

// Review s23: a 503 of the load used up one request of the caller's rate limit, so a client that
// retried after each Retry-After through a long load found itself refused 429 once the server was
// ready. The load's 503 now comes before the rate limit, which still applies to what is served.
TEST_F(ServeLoading, RetriesDuringTheLoadDoNotUseUpTheRateLimit) {
  const std::string data = StoreWithoutSnapshots();
  const int port = FreePort();
  // Two requests at once, then one per 100 s: a charged 503 would leave none for after the load.
  ServeProcess serve(dir_ / "serve.log", {"--port", std::to_string(port), "--data-dir", data},
                     {"EXEMPLAR_RATE_LIMIT_RPS=0.01", "EXEMPLAR_RATE_LIMIT_BURST=2"});
  httplib::Client client("127.0.0.1", port);
  ASSERT_TRUE(WaitForListening(client)) << serve.Log();
  int loading = 0;
  for (int i = 0; i < 5; ++i) {
    HttpResult r = Send(client, "GET", "/api/v1/examples?page_size=1");
    if (r.status == 200) break;  // loaded already (a fast machine): the rest proves nothing more
    EXPECT_EQ(r.status, 503) << r.raw;
    EXPECT_EQ(Header(r, "Retry-After"), "5") << r.raw;
    ++loading;
  }
  ASSERT_GE(loading, 3) << "the indexes were loaded before the retries: " << serve.Log();
  // The site checks still come first while loading.
  auto foreign = client.Get("/api/v1/examples?page_size=1", httplib::Headers{{"Host", "evil.example"}});
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 421) << foreign->body;

  ASSERT_TRUE(WaitForReady(client)) << serve.Log();  // /readyz is public: never rate-limited
  EXPECT_EQ(Send(client, "GET", "/api/v1/examples?page_size=1").status, 200);
  EXPECT_EQ(Send(client, "GET", "/api/v1/examples?page_size=1").status, 200);
  HttpResult limited = Send(client, "GET", "/api/v1/examples?page_size=1");
  EXPECT_EQ(limited.status, 429) << limited.raw;
  EXPECT_FALSE(Header(limited, "Retry-After").empty());
  EXPECT_EQ(serve.Terminate(), 0) << serve.Log();
}

// Review s23: a SIGTERM that came before the port opened (while the store opened or the embedder
// was built) could be taken by a thread a library started before serve blocked the signals
// (OpenBLAS's pool), whose default action ended the process with 143. Here the start waits on the
// embedding provider's dimension probe, held at the fake's gate; the stop comes meanwhile.
TEST_F(ServeLoading, AStopSignalBeforeThePortOpensExitsZero) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    FakeEmbeddings fake;
    fake.Close();
    const int port = FreePort();
    const std::string name = "early" + std::to_string(attempt);
    ServeProcess serve(dir_ / (name + ".log"),
                       {"--port", std::to_string(port), "--data-dir", (dir_ / name).string()},
                       {"EXEMPLAR_EMBEDDER=openai", "EXEMPLAR_EMBED_BASE_URL=" + fake.base_url(),
                        "EXEMPLAR_EMBED_MODEL=m", "EXEMPLAR_EMBED_RETRIES=0", "EXEMPLAR_EMBED_DIMENSIONS=0"});
    ASSERT_TRUE(fake.AwaitWaiting()) << serve.Log();  // the probe: before the port opens
    std::thread answer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      fake.Open();  // the probe is answered after the stop: serve goes on to find it
    });
    const int code = serve.Terminate();
    answer.join();
    const std::string log = serve.Log();
    EXPECT_EQ(code, 0) << "attempt " << attempt << ": " << log;
    EXPECT_NE(log.find("stopped while starting"), std::string::npos) << log;
    EXPECT_EQ(log.find("listening on"), std::string::npos) << log;
    EXPECT_FALSE(std::filesystem::exists(dir_ / name / "vectors.hnsw.seq"));
  }
}

// A provider key read from an unset (or empty) variable makes every call the provider
// authenticates fail with a 401, long after the start: the start names the variable, never a value.
TEST_F(ServeLoading, AnUnsetProviderKeyVariableIsNamedInAWarningAtStart) {
  const std::string config = Write("exemplar.toml",
                                   "[lm_providers.remote]\n"
                                   "base_url = \"http://127.0.0.1:9/v1\"\n"
                                   "model = \"m\"\n"
                                   "api_key_env = \"EARLY_TEST_LM_KEY\"\n");
  const std::vector<std::string> openai = {"EXEMPLAR_EMBEDDER=openai", "EXEMPLAR_EMBED_BASE_URL=http://127.0.0.1:9/v1",
                                           "EXEMPLAR_EMBED_MODEL=m", "EXEMPLAR_EMBED_DIMENSIONS=8",
                                           "EXEMPLAR_EMBED_API_KEY_ENV=EARLY_TEST_EMBED_KEY"};
  auto start = [&](const std::string& name, std::vector<std::string> env) {
    const int port = FreePort();
    ServeProcess serve(dir_ / (name + ".log"),
                       {"--port", std::to_string(port), "--data-dir", (dir_ / name).string(), "--config", config},
                       std::move(env));
    httplib::Client client("127.0.0.1", port);
    EXPECT_TRUE(WaitForReady(client)) << serve.Log();
    EXPECT_EQ(serve.Terminate(), 0) << serve.Log();
    return serve.Log();
  };
  std::vector<std::string> unset = openai;
  unset.push_back("EARLY_TEST_LM_KEY=");  // empty counts as unset
  const std::string warned = start("unset", unset);
  EXPECT_NE(warned.find("embed_api_key_env names EARLY_TEST_EMBED_KEY, which is not set or empty"), std::string::npos)
      << warned;
  EXPECT_NE(warned.find("LM provider 'remote': its api_key_env EARLY_TEST_LM_KEY is not set or empty"),
            std::string::npos)
      << warned;

  std::vector<std::string> set = openai;
  set.push_back("EARLY_TEST_EMBED_KEY=sk-embed-secret");
  set.push_back("EARLY_TEST_LM_KEY=sk-lm-secret");
  const std::string quiet = start("set", set);
  EXPECT_EQ(quiet.find("is not set or empty"), std::string::npos) << quiet;
  EXPECT_EQ(quiet.find("secret"), std::string::npos) << quiet;
}

}  // namespace
}  // namespace exemplar::testing
