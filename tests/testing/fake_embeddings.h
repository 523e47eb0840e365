// FakeEmbeddings: an OpenAI-compatible /v1/embeddings server on a free loopback port whose vectors
// are HashEmbedder(dim)'s. Counts the texts it embeds; while closed, requests wait at the gate (a
// slow provider, made deterministic).
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "embed/hash_embedder.h"

namespace exemplar::testing {

class FakeEmbeddings {
 public:
  explicit FakeEmbeddings(int dim = 16);
  ~FakeEmbeddings();
  FakeEmbeddings(const FakeEmbeddings&) = delete;
  FakeEmbeddings& operator=(const FakeEmbeddings&) = delete;

  int dim() const { return dim_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  void Close();
  void Open();
  // Returns once a request waits at the closed gate (false after 30 s).
  bool AwaitWaiting();
  std::vector<std::string> texts();

 private:
  int dim_;
  embed::HashEmbedder hash_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable changed_;
  bool open_ = true;
  int waiting_ = 0;
  std::vector<std::string> texts_;
};

// Points `c` at the fake as an "openai" embedder serving `model` (no probe request at start, no
// retries).
void UseFake(Config& c, const FakeEmbeddings& fake, const std::string& model);

}  // namespace exemplar::testing
