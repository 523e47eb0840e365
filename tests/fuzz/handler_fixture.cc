#include "fuzz/handler_fixture.h"

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "api/routes.h"

namespace exemplar::fuzz {
namespace {

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

std::string& TempDir() {
  static std::string dir;
  return dir;
}

void RemoveTempDir() {
  std::error_code ec;
  if (!TempDir().empty()) std::filesystem::remove_all(TempDir(), ec);
}

void Die(const std::string& what) {
  std::fprintf(stderr, "fuzz fixture: %s\n", what.c_str());
  std::abort();
}

}  // namespace

HandlerFixture& HandlerFixture::Get(int examples) {
  static HandlerFixture* fixture = [examples] {
    auto* f = new HandlerFixture();
    spdlog::set_level(spdlog::level::off);
    std::string pattern = (std::filesystem::temp_directory_path() / "exemplar_fuzz_XXXXXX").string();
    if (!mkdtemp(pattern.data())) Die("mkdtemp failed");
    TempDir() = f->dir_ = pattern;
    std::atexit(RemoveTempDir);
    Config config;
    config.data_dir = f->dir_;
    // The fixture is never destroyed, so no background thread: the memory releaser's log line could
    // run while exit() was freeing spdlog's registry (an ASan use-after-free at the end of a run).
    config.memory_release_mb = 0;
    auto rt = cli::Runtime::Open(config, true, /*start_runs=*/false);
    if (!rt.ok()) Die("runtime: " + rt.status().ToString());
    f->runtime_ = std::move(rt).value();
    f->routes_ = api::BuildUnguardedRoutes(f->runtime_->services());

    auto must = [&](Result<api::Reply> r, const char* what) {
      if (!r.ok()) Die(std::string(what) + ": " + r.status().ToString());
      return r->body;
    };
    Json tmpl = must(f->Call("POST", "/api/v1/templates",
                             R"({"name": "fuzz", "prompt_template": "Classify the fault.",
                                 "input_schema": [{"name": "text", "type": "string"}],
                                 "output_schema": [{"name": "label", "type": "string"}]})"),
                     "template");
    f->template_id_ = tmpl["id"];
    const char* domains[] = {"physics", "billing", "general"};
    const char* difficulties[] = {"easy", "medium", "hard"};
    const char* words[] = {"detector", "bias", "voltage", "drift", "invoice", "refund", "leak", "noise"};
    Json items = Json::array();
    for (int i = 0; i < examples; ++i) {
      items.push_back({{"input", {{"text", std::string(words[i % 8]) + " " + words[(i * 3 + 1) % 8] + " case " +
                                               std::to_string(i)}}},
                       {"expected_output", {{"label", i % 2 ? "hardware" : "software"}}},
                       {"databit_id", f->template_id_},
                       {"domain", domains[i % 3]},
                       {"function_name", "fn" + std::to_string(i % 4)},
                       {"difficulty", difficulties[i % 3]},
                       {"capability_tags", Json::array({words[i % 8], domains[i % 3]})},
                       {"search_keys", Json::array({"key" + std::to_string(i)})},
                       {"quality_score", (i % 10) / 10.0}});
    }
    Json batch = must(f->Call("POST", "/api/v1/examples/batch", DumpJson({{"examples", items}})), "batch");
    f->example_id_ = batch["created_ids"][0];
    Json run = must(f->Call("POST", "/api/v1/dspy-runs",
                            DumpJson({{"template_id", f->template_id_}, {"optimizer_type", "LabeledFewShot"}})),
                    "run");
    f->run_id_ = run["run_id"];
    Json retrieval = must(f->Call("POST", "/api/v1/examples/retrieve", R"({"query": "detector drift", "k": 2})"),
                          "retrieval");
    f->retrieval_id_ = retrieval["retrieval_id"];
    return f;
  }();
  return *fixture;
}

Result<api::Reply> HandlerFixture::Call(const std::string& method, const std::string& path, const std::string& body) {
  for (const auto& r : routes_) {
    if (r.method == method && r.path == path) {
      api::Request req;
      req.method = method;
      req.path = path;
      req.body = body;
      req.headers["content-type"] = "application/json";
      return r.handler(req);
    }
  }
  return Status::NotFound("no route " + method + " " + path);
}

std::optional<Result<api::Reply>> HandlerFixture::Dispatch(std::string_view input,
                                                           const std::set<std::string>& allowed) {
  size_t nl = input.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  std::string_view line = input.substr(0, nl);
  std::string body(input.substr(nl + 1));
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  std::string method(line.substr(0, sp));
  std::string_view target = line.substr(sp + 1);
  std::optional<std::string> param;
  if (size_t sp2 = target.find(' '); sp2 != std::string_view::npos) {
    param = PercentDecode(target.substr(sp2 + 1));
    target = target.substr(0, sp2);
  }
  std::string_view query;
  if (size_t q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  std::string path(target);
  if (!allowed.count(method + " " + path)) return std::nullopt;
  const api::Route* route = nullptr;
  for (const auto& r : routes_) {
    if (r.method == method && r.path == path) route = &r;
  }
  if (!route || !route->handler) return std::nullopt;

  api::Request req;
  req.method = method;
  req.path = path;
  req.headers["content-type"] = "application/json";
  if (path.find('{') != std::string::npos) {
    const std::string& seeded = path.find("/dspy-runs/") != std::string::npos ? run_id_
                                : path.find("/templates/") != std::string::npos ||
                                          path.find("/databit/") != std::string::npos
                                    ? template_id_
                                    : example_id_;
    req.path_params.push_back(param.value_or(seeded));
  }
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    size_t eq = kv.find('=');
    req.query.emplace(PercentDecode(kv.substr(0, eq)),
                      eq == std::string_view::npos ? "" : PercentDecode(kv.substr(eq + 1)));
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  ReplaceAll(body, "{example_id}", example_id_);
  ReplaceAll(body, "{template_id}", template_id_);
  ReplaceAll(body, "{run_id}", run_id_);
  ReplaceAll(body, "{retrieval_id}", retrieval_id_);
  req.body = std::move(body);
  return route->handler(req);
}

std::set<std::string> HandlerFixture::RouteKeys() const {
  std::set<std::string> keys;
  for (const auto& r : routes_) keys.insert(r.method + " " + r.path);
  return keys;
}

void HandlerFixture::Check(const Result<api::Reply>& reply, std::string_view input) {
  if (!reply.ok()) {
    if (reply.status().code() == Code::kInternal) {
      std::fprintf(stderr, "500 for input:\n%.*s\n=> %s\n", static_cast<int>(std::min<size_t>(input.size(), 4096)),
                   input.data(), reply.status().ToString().c_str());
      std::abort();
    }
    (void)DumpJson(api::ErrorBody(reply.status(), "fuzz"));
    return;
  }
  if (reply->raw.empty() && !reply->body.is_null()) (void)DumpJson(reply->body);
  if (reply->stream) {
    // A streamed body (export, events) is produced piece by piece as the server would, up to the
    // first wait: an event stream of a run in flight waits for events that this fixture never sends.
    std::string piece;
    for (int i = 0; i < 100000; ++i) {
      piece.clear();
      if (reply->stream->next(&piece) != api::BodyStream::Step::kData) break;
    }
  }
  // Replies written as JSON text must be valid JSON (NDJSON and other types are not checked).
  const std::string& type = reply->content_type;
  if (!reply->raw.empty() && type.find("json") != std::string::npos && type.find("ndjson") == std::string::npos &&
      Json::parse(reply->raw, nullptr, false).is_discarded()) {
    std::fprintf(stderr, "invalid JSON text in a %s reply for input:\n%.*s\n=> %.*s\n", type.c_str(),
                 static_cast<int>(std::min<size_t>(input.size(), 4096)), input.data(),
                 static_cast<int>(std::min<size_t>(reply->raw.size(), 4096)), reply->raw.data());
    std::abort();
  }
}

Json HandlerFixture::ReplyJson(const api::Reply& reply) {
  if (reply.raw.empty()) return reply.body;
  return Json::parse(reply.raw, nullptr, false);
}

}  // namespace exemplar::fuzz
