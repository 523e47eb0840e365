// Durability: acknowledged batches survive kill -9 of a real server process, and a batch in
// flight at the kill is either wholly present or wholly absent.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/ids.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

class ServerProcess {
 public:
  ServerProcess(const std::string& data_dir, int port) : port_(port) {
    pid_ = fork();
    if (pid_ == 0) {
      std::string p = std::to_string(port);
      execl(EXEMPLAR_BINARY, EXEMPLAR_BINARY, "serve", "--port", p.c_str(), "--data-dir",
            data_dir.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port);
    client_->set_read_timeout(30, 0);
    for (int i = 0; i < 1000; ++i) {
      if (auto r = client_->Get("/readyz"); r && r->status == 200) return;
      usleep(10000);
    }
    ADD_FAILURE() << "server did not become ready";
  }
  ~ServerProcess() { Kill(SIGKILL); }
  void Kill(int sig) {
    if (pid_ > 0) {
      kill(pid_, sig);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  httplib::Client& client() { return *client_; }

 private:
  int port_;
  pid_t pid_ = -1;
  std::unique_ptr<httplib::Client> client_;
};

Json Batch(int round, int n) {
  Json items = Json::array();
  for (int i = 0; i < n; ++i) {
    Json e = MakeExample("round " + std::to_string(round) + " item " + std::to_string(i) + " detector drift");
    e["domain"] = "durability";
    e["function_name"] = "round_" + std::to_string(round);
    items.push_back(e);
  }
  return {{"examples", items}};
}

TEST(Durability, AcknowledgedBatchesSurviveKill9) {
  std::string dir = ::testing::TempDir() + "/durability_" + NewUuid();
  std::set<std::string> acknowledged;
  constexpr int kBatch = 50;
  for (int cycle = 0; cycle < 3; ++cycle) {
    int port = FreePort();
    ServerProcess server(dir, port);
    for (int round = 0; round < 4; ++round) {
      auto r = server.client().Post("/api/v1/examples/batch", Batch(cycle * 10 + round, kBatch).dump(),
                                    "application/json");
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 201) << r->body;
      for (const auto& id : Json::parse(r->body)["created_ids"]) acknowledged.insert(id.get<std::string>());
    }
    // A batch in flight while the server is killed.
    std::thread inflight([port, cycle] {
      httplib::Client c("127.0.0.1", port);
      c.Post("/api/v1/examples/batch", Batch(cycle * 10 + 9, kBatch).dump(), "application/json");
    });
    usleep(2000 * (cycle + 1));
    server.Kill(SIGKILL);
    inflight.join();
  }
  ServerProcess server(dir, FreePort());
  std::set<std::string> present;
  std::map<std::string, int> per_round;
  for (int page = 1;; ++page) {
    auto r = server.client().Get(("/api/v1/examples?domain=durability&page_size=100&page=" + std::to_string(page)).c_str());
    ASSERT_TRUE(r);
    Json body = Json::parse(r->body);
    for (const auto& e : body["examples"]) {
      present.insert(e["example_id"].get<std::string>());
      per_round[e["function_name"].get<std::string>()]++;
    }
    if (body["examples"].size() < 100) break;
  }
  for (const auto& id : acknowledged) EXPECT_TRUE(present.count(id)) << "lost acknowledged " << id;
  for (const auto& [round, n] : per_round) EXPECT_EQ(n, kBatch) << "partial batch " << round;
  // The indexes agree with the store after recovery: every example is found by its own text.
  auto search = server.client().Post("/api/v1/examples/search",
                                     Json{{"query_text", "round 2 item 7 detector drift"},
                                          {"mode", "keyword"}, {"domain", "durability"}, {"k", 1}}
                                         .dump(),
                                     "application/json");
  ASSERT_TRUE(search);
  Json body = Json::parse(search->body);
  ASSERT_EQ(body["results"].size(), 1u) << search->body;
  EXPECT_EQ(body["results"][0]["example"]["function_name"], "round_2");
  auto ready = Json::parse(server.client().Get("/readyz")->body);
  EXPECT_EQ(ready["indexed"].get<size_t>(), present.size());
  EXPECT_EQ(ready["vectors"].get<size_t>(), present.size());
  server.Kill(SIGTERM);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// Updates acknowledged before kill -9 are present after restart; an update in flight is either
// fully applied (new version and its content) or absent, never half.
TEST(Durability, AcknowledgedUpdatesSurviveKill9) {
  std::string dir = ::testing::TempDir() + "/durability_upd_" + NewUuid();
  int port = FreePort();
  std::map<std::string, int> acked_version;
  {
    ServerProcess server(dir, port);
    auto r = server.client().Post("/api/v1/examples/batch", Batch(0, 20).dump(), "application/json");
    ASSERT_TRUE(r && r->status == 201);
    std::vector<std::string> ids = Json::parse(r->body)["created_ids"];
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::thread writer([&] {
      httplib::Client c("127.0.0.1", port);
      for (int i = 0; !stop; ++i) {
        const std::string& id = ids[i % ids.size()];
        Json body = {{"explanation", "v" + std::to_string(i)}, {"input", {{"text", "updated " + std::to_string(i)}}}};
        auto res = c.Put(("/api/v1/examples/" + id).c_str(), body.dump(), "application/json");
        if (!res) break;  // the server is gone
        if (res->status == 200) {
          std::lock_guard lock(mu);
          acked_version[id] = Json::parse(res->body)["version"].get<int>();
        }
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    server.Kill(SIGKILL);
    stop = true;
    writer.join();
  }
  ASSERT_FALSE(acked_version.empty());
  ServerProcess server(dir, FreePort());
  for (const auto& [id, version] : acked_version) {
    auto r = server.client().Get(("/api/v1/examples/" + id).c_str());
    ASSERT_TRUE(r && r->status == 200);
    Json e = Json::parse(r->body);
    EXPECT_GE(e["version"].get<int>(), version) << id;
    // Content and explanation were written together: their counters match.
    std::string text = e["input"]["text"], expl = e["explanation"];
    EXPECT_EQ(text.substr(std::string("updated ").size()), expl.substr(1)) << id;
    auto versions = Json::parse(server.client().Get(("/api/v1/examples/" + id + "/versions").c_str())->body);
    EXPECT_EQ(versions["versions"].size(), static_cast<size_t>(e["version"].get<int>() - 1)) << id;
  }
  server.Kill(SIGTERM);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace exemplar::testing
