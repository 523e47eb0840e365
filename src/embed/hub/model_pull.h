// Pulling a sentence-transformers model from the Hugging Face Hub into a models directory, where
// the local embedder loads it.
//
// Layout: repository "owner/name" lands in <models_dir>/owner/name/ (a repository without an owner
// in <models_dir>/name/), holding the files SelectModelFiles picks plus exemplar-pull.json (repo,
// revision, commit and every file's size and digest). Files are downloaded into
// <models_dir>/owner/name.partial/ as "<file>.part", continued with HTTP Range after an
// interruption (by a retry, or by the next pull), checked against the hub's listing (LFS files by
// SHA-256, others by git blob id, else by size; a mismatch deletes the file and fails the pull),
// and the finished folder replaces the model folder with one rename. A model folder is therefore
// either absent, the previous pull, or complete. Concurrent pulls of one model (replicas starting
// together) take turns on an flock of <models_dir>/owner/name.lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "common/retry.h"
#include "common/status.h"
#include "embed/hub/hub_client.h"

namespace exemplar::embed::hub {

constexpr const char* kPullManifest = "exemplar-pull.json";

struct PullOptions {
  std::string repo_id;
  std::string revision = "main";
  std::filesystem::path models_dir;
  // Per file: a transfer cut off by the network (or answered 429/5xx) is continued by up to
  // max_retries more attempts, after a backoff.
  RetryPolicy retry = {.max_retries = 3, .initial_backoff_ms = 1000, .max_backoff_ms = 15000};
};

// Callbacks for a progress display; any may be empty.
struct PullEvents {
  // A file starts; `done` bytes of it are already on disk (a resumed download).
  std::function<void(const RepoFile& file, int64_t done)> file_started;
  std::function<void(const RepoFile& file, int64_t done, int64_t total)> progress;
  // A file is complete and checked; `check` says how ("sha256", "git blob id", "size").
  std::function<void(const RepoFile& file, const std::string& check)> file_done;
  // Something worth a line: a retry, "already up to date".
  std::function<void(const std::string& note)> note;
};

struct PullResult {
  std::filesystem::path dir;       // the model folder
  std::string commit;
  int files = 0;
  int64_t bytes = 0;               // size of the model's files
  int64_t bytes_downloaded = 0;    // transferred by this pull
  bool up_to_date = false;         // the folder already held this commit: nothing was downloaded
};

// <models_dir>/<repo_id> ("owner/name" → owner/name). REQUIRES: ValidateRepoId(repo_id) is ok.
std::filesystem::path ModelDirFor(const std::filesystem::path& models_dir, const std::string& repo_id);

// $XDG_CACHE_HOME/exemplar/models, else $HOME/.cache/exemplar/models, else ./models.
std::filesystem::path DefaultModelsDir();

// Whether `dir` holds a completed pull (its manifest is there).
bool IsPulled(const std::filesystem::path& dir);

// Pulls options.repo_id at options.revision. Errors: those of HubClient (kNotFound,
// kUnauthenticated, kPermissionDenied, kUnavailable after the last attempt), kInvalidArgument for
// a malformed repository id, kFailedPrecondition for a repository without usable weights, a file
// that fails its check (deleted; the message names the file and both digests) or a folder that
// cannot be written.
Result<PullResult> PullModel(const HubClient& hub, const PullOptions& options, const PullEvents& events = {});

}  // namespace exemplar::embed::hub
