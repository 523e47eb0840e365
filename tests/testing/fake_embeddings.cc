#include "testing/fake_embeddings.h"

#include <chrono>

#include "common/json_util.h"

namespace exemplar::testing {

FakeEmbeddings::FakeEmbeddings(int dim) : dim_(dim), hash_(dim) {
  server_.Post("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
    const Json request = Json::parse(req.body, nullptr, false);
    {
      std::unique_lock lock(mu_);
      ++waiting_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return open_; });
      --waiting_;
      for (const auto& t : request["input"]) texts_.push_back(t.get<std::string>());
    }
    Json data = Json::array();
    for (size_t i = 0; i < request["input"].size(); ++i) {
      data.push_back({{"object", "embedding"}, {"index", i},
                      {"embedding", hash_.Compute(request["input"][i].get<std::string>())}});
    }
    res.set_content(Json{{"object", "list"}, {"data", data}, {"model", request["model"]}}.dump(), "application/json");
  });
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::yield();
}

FakeEmbeddings::~FakeEmbeddings() {
  Open();
  server_.stop();
  thread_.join();
}

void FakeEmbeddings::Close() {
  std::lock_guard lock(mu_);
  open_ = false;
}

void FakeEmbeddings::Open() {
  std::lock_guard lock(mu_);
  open_ = true;
  changed_.notify_all();
}

bool FakeEmbeddings::AwaitWaiting() {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, std::chrono::seconds(30), [this] { return waiting_ > 0; });
}

std::vector<std::string> FakeEmbeddings::texts() {
  std::lock_guard lock(mu_);
  return texts_;
}

void UseFake(Config& c, const FakeEmbeddings& fake, const std::string& model) {
  c.embedder = "openai";
  c.embed_base_url = fake.base_url();
  c.embed_model = model;
  c.embed_dimensions = fake.dim();  // no probe request at start
  c.embed_retries = 0;
}

}  // namespace exemplar::testing
