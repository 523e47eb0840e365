#include "testing/test_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "api/routes.h"
#include "common/ids.h"

namespace exemplar::testing {

TestServer::TestServer(Config config) : config_(std::move(config)) {
  dir_ = std::filesystem::path(::testing::TempDir()) / ("exemplar_" + NewUuid());
  std::filesystem::create_directories(dir_);
  config_.data_dir = dir_.string();
  // A stable name across Restart(), as host:port is for a real server.
  if (config_.replica_id.empty()) config_.replica_id = "test-" + NewUuid();
  if (config_.db.empty() && TestBackendIsPostgres()) {
    pg_ = std::make_unique<PgTestDb>();
    config_.db = pg_->url();
  }
  if (config_.host.empty()) config_.host = "127.0.0.1";
  config_.port = 0;
  if (config_.threads == Config{}.threads) config_.threads = 16;  // unless the test chose
  try {
    Start();
  } catch (...) {
    // A server that does not start (tests of bad configuration) leaves no data dir behind.
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

TestServer::~TestServer() {
  Stop();
  pg_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void TestServer::Start() {
  auto rt = cli::Runtime::Open(config_, true, true);
  if (!rt.ok()) throw std::runtime_error("runtime: " + rt.status().ToString());
  runtime_ = std::move(rt).value();
  server_ = std::make_unique<api::Server>(runtime_->config(), api::BuildRoutes(runtime_->services()),
                                          runtime_->auth().options(), &runtime_->metrics());
  Status st = server_->Start();
  if (!st.ok()) throw std::runtime_error("server: " + st.ToString());
  client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  client_->set_tcp_nodelay(true);
  client_->set_read_timeout(30, 0);
  // Wait until the listener accepts (listen_after_bind runs on the server thread).
  for (int i = 0; i < 500; ++i) {
    if (auto r = client_->Get("/healthz"); r && r->status == 200) return;
    usleep(10000);
  }
  throw std::runtime_error("server did not become healthy");
}

void TestServer::Stop() {
  client_.reset();
  if (runtime_) runtime_->runs().Stop();
  if (server_) server_->Stop();
  server_.reset();
  if (runtime_) (void)runtime_->index().SaveSnapshot();
  runtime_.reset();
}

void TestServer::Restart() {
  Stop();
  Start();
}

HttpResult TestServer::Wrap(const httplib::Result& r) {
  HttpResult out;
  if (!r) {
    out.status = -1;
    return out;
  }
  out.status = r->status;
  out.raw = r->body;
  out.content_type = r->get_header_value("Content-Type");
  out.headers = r->headers;
  out.body = Json::parse(r->body, nullptr, false);
  if (out.body.is_discarded()) out.body = nullptr;
  return out;
}

HttpResult TestServer::Get(const std::string& path) { return Wrap(client_->Get(path)); }
HttpResult TestServer::Delete(const std::string& path) { return Wrap(client_->Delete(path)); }
HttpResult TestServer::Post(const std::string& path, const Json& body) {
  return Wrap(client_->Post(path, body.dump(), "application/json"));
}
HttpResult TestServer::Put(const std::string& path, const Json& body) {
  return Wrap(client_->Put(path, body.dump(), "application/json"));
}
HttpResult TestServer::PostRaw(const std::string& path, const std::string& body,
                               const std::string& content_type) {
  return Wrap(client_->Post(path, body, content_type));
}
HttpResult TestServer::PutRaw(const std::string& path, const std::string& body,
                              const std::string& content_type) {
  return Wrap(client_->Put(path, body, content_type));
}

HttpResult TestServer::Send(const std::string& method, const std::string& path, const Json& body,
                            const httplib::Headers& headers) {
  if (method == "GET") return Wrap(client_->Get(path, headers));
  if (method == "DELETE") return Wrap(client_->Delete(path, headers));
  if (method == "PUT") return Wrap(client_->Put(path, headers, body.dump(), "application/json"));
  return Wrap(client_->Post(path, headers, body.dump(), "application/json"));
}

Json MakeExample(const std::string& text, const std::string& domain) {
  return {{"input", {{"text", text}}}, {"expected_output", {{"label", "ok"}}}, {"domain", domain}};
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

Json SlowMiproRun(const std::string& template_id, int latency_ms, int max_trials) {
  return {{"template_id", template_id},
          {"optimizer_type", "MIPROv2"},
          {"optimizer_params", {{"auto", nullptr}, {"num_trials", 400}, {"num_candidates", 6}, {"minibatch", false}}},
          {"lm", {{"provider", "offline"}, {"latency_ms", latency_ms}}},
          {"budget", {{"max_trials", max_trials}}}};
}

Json WaitForRun(TestServer& server, const std::string& id, int seconds) {
  Json run;
  for (int i = 0; i < seconds * 10; ++i) {
    run = server.Get("/api/v1/dspy-runs/" + id).body;
    const std::string st = run.value("status", "");
    if (st == "completed" || st == "failed" || st == "cancelled") return run;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "run did not finish: " << run.dump();
  return run;
}

}  // namespace exemplar::testing
