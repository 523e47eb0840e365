// exemplar model pull REPO_ID: downloads a sentence-transformers model from the Hugging Face Hub
// into the models directory (progress bar on a terminal, plain lines otherwise), and the lookup of
// `model = "REPO_ID"` for the local embedder, which pulls on first start with model_auto_pull.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/runtime.h"
#include "embed/hub/model_pull.h"
#include "embed/local_embedder.h"

namespace exemplar::cli {
namespace {

namespace hub = embed::hub;
using Clock = std::chrono::steady_clock;

// 812 B, 4.2 kB, 90.9 MB, 1.1 GB.
std::string HumanBytes(int64_t bytes) {
  char buf[32];
  const double b = static_cast<double>(bytes);
  if (bytes < 1000) std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  else if (bytes < 1000000) std::snprintf(buf, sizeof buf, "%.1f kB", b / 1e3);
  else if (bytes < 1000000000) std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
  else std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  return buf;
}

// HF_ENDPOINT and HF_TOKEN, as the Hugging Face tools read them.
hub::HubOptions HubOptionsFromEnv() {
  hub::HubOptions o;
  if (const char* endpoint = std::getenv("HF_ENDPOINT"); endpoint && *endpoint) o.endpoint = endpoint;
  if (const char* token = std::getenv("HF_TOKEN"); token && *token) o.token = token;
  return o;
}

std::filesystem::path ModelsDir(const Config& config) {
  return config.models_dir.empty() ? hub::DefaultModelsDir() : std::filesystem::path(config.models_dir);
}

// A bar redrawn in place on a terminal (at most 10 times a second); elsewhere one line per file.
class PullDisplay {
 public:
  explicit PullDisplay(bool tty) : tty_(tty) {}

  hub::PullEvents Events() {
    hub::PullEvents e;
    e.file_started = [this](const hub::RepoFile& f, int64_t done) {
      start_ = Clock::now();
      start_bytes_ = done;
      last_draw_ = {};
      if (!tty_) {
        std::cerr << f.path << ": " << (f.size >= 0 ? HumanBytes(f.size) : "size unknown")
                  << (done > 0 ? ", continuing from " + HumanBytes(done) : "") << "\n";
      }
    };
    e.progress = [this](const hub::RepoFile& f, int64_t done, int64_t total) { Draw(f, done, total, false); };
    e.file_done = [this](const hub::RepoFile& f, const std::string& check) {
      if (tty_) Draw(f, f.size, f.size, true);
      if (tty_) std::cerr << "\r\033[K";
      std::cerr << f.path << ": ok (" << HumanBytes(std::max<int64_t>(0, f.size)) << ", " << check << " verified)\n";
    };
    e.note = [this](const std::string& note) {
      if (tty_) std::cerr << "\r\033[K";
      std::cerr << note << "\n";
    };
    return e;
  }

 private:
  void Draw(const hub::RepoFile& f, int64_t done, int64_t total, bool force) {
    if (!tty_) return;
    const auto now = Clock::now();
    if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    constexpr int kWidth = 30;
    const double fraction = total > 0 ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total)) : 0;
    const int filled = static_cast<int>(fraction * kWidth);
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(done - start_bytes_) / seconds : 0;
    char line[256];
    std::snprintf(line, sizeof line, "\r%-28.28s [%s%s] %3d%%  %s / %s  %s/s\033[K", f.path.c_str(),
                  std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(),
                  static_cast<int>(fraction * 100), HumanBytes(done).c_str(),
                  total >= 0 ? HumanBytes(total).c_str() : "?", HumanBytes(static_cast<int64_t>(rate)).c_str());
    std::cerr << line << std::flush;
  }

  bool tty_;
  Clock::time_point start_{}, last_draw_{};
  int64_t start_bytes_ = 0;
};

}  // namespace

int RunModelPull(const Config& config, const std::string& repo_id, const std::string& revision) {
  if (Status st = hub::ValidateRepoId(repo_id); !st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return 2;
  }
  hub::HubClient client(HubOptionsFromEnv());
  hub::PullOptions o;
  o.repo_id = repo_id;
  o.revision = revision;
  o.models_dir = ModelsDir(config);
  PullDisplay display(::isatty(STDERR_FILENO) == 1);
  std::cerr << "pulling " << repo_id << " (" << revision << ") from " << client.options().endpoint << " into "
            << hub::ModelDirFor(o.models_dir, repo_id).string() << "\n";
  auto pulled = hub::PullModel(client, o, display.Events());
  if (!pulled.ok()) {
    std::cerr << "error: " << pulled.status().message() << "\n";
    return 1;
  }
  auto embedder = embed::LocalEmbedder::Open(pulled->dir.string(), 1);
  if (!embedder.ok()) {
    std::cerr << "error: pulled " << repo_id << " into " << pulled->dir.string()
              << ", but the local embedder cannot load it: " << embedder.status().message() << "\n";
    return 1;
  }
  std::cout << "ready: " << pulled->dir.string() << " (" << repo_id << " at " << pulled->commit << ", "
            << pulled->files << " files, " << HumanBytes(pulled->bytes) << ", " << HumanBytes(pulled->bytes_downloaded)
            << " downloaded, " << (*embedder)->dim() << " dimensions)\n"
            << "serve it with: exemplar serve --embedder local --model " << repo_id
            << (config.models_dir.empty() ? "" : " --models-dir " + config.models_dir) << "\n";
  return 0;
}

Result<std::string> LocalModelDir(const Config& config) {
  if (!config.model_dir.empty()) return config.model_dir;
  if (config.model.empty()) {
    return Status::InvalidArgument("embedder local needs model (a Hugging Face repository id, e.g. "
                                   "sentence-transformers/all-MiniLM-L6-v2) or model_dir");
  }
  EXEMPLAR_RETURN_IF_ERROR(hub::ValidateRepoId(config.model));
  const auto dir = hub::ModelDirFor(ModelsDir(config), config.model);
  if (hub::IsPulled(dir)) return dir.string();
  if (!config.model_auto_pull) {
    return Status::FailedPrecondition("model " + config.model + " is not in " + ModelsDir(config).string() +
                                      ": run `exemplar model pull " + config.model +
                                      "` first, or set model_auto_pull = true");
  }
  hub::HubClient client(HubOptionsFromEnv());
  hub::PullOptions o;
  o.repo_id = config.model;
  o.models_dir = ModelsDir(config);
  hub::PullEvents events;
  events.file_done = [](const hub::RepoFile& f, const std::string& check) {
    spdlog::info("model pull: {} ok ({} bytes, {} verified)", f.path, f.size, check);
  };
  events.note = [](const std::string& note) { spdlog::warn("model pull: {}", note); };
  spdlog::info("model pull: {} from {} into {}", config.model, client.options().endpoint, dir.string());
  auto pulled = hub::PullModel(client, o, events);
  if (!pulled.ok()) {
    return Status(pulled.status().code(), "pulling model " + config.model + " failed: " + pulled.status().message());
  }
  spdlog::info("model pull: {} at {} ready ({} bytes)", config.model, pulled->commit, pulled->bytes);
  return pulled->dir.string();
}

}  // namespace exemplar::cli
