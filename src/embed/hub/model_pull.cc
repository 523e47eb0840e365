#include "embed/hub/model_pull.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "embed/hub/file_digest.h"

namespace exemplar::embed::hub {
namespace {

namespace fs = std::filesystem;

int64_t SizeOf(const fs::path& p) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  return ec ? -1 : static_cast<int64_t>(size);
}

// Holds an exclusive flock on a file while alive.
class PullLock {
 public:
  explicit PullLock(const fs::path& path) : fd_(::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600)) {
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~PullLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

Json Manifest(const PullOptions& o, const HubClient& hub, const RepoInfo& info, const std::vector<RepoFile>& files) {
  Json list = Json::array();
  for (const RepoFile& f : files) {
    Json item = {{"path", f.path}, {"size", f.size}};
    if (!f.lfs_sha256.empty()) item["sha256"] = f.lfs_sha256;
    if (!f.blob_id.empty()) item["blob_id"] = f.blob_id;
    list.push_back(std::move(item));
  }
  return {{"repo_id", o.repo_id}, {"revision", o.revision}, {"commit", info.commit},
          {"endpoint", hub.options().endpoint}, {"files", std::move(list)}};
}

Result<Json> ReadManifest(const fs::path& dir) {
  std::ifstream in(dir / kPullManifest);
  if (!in) return Status::NotFound("no manifest");
  std::stringstream text;
  text << in.rdbuf();
  Json j = Json::parse(text.str(), nullptr, false);
  if (!j.is_object()) return Status::InvalidArgument("bad manifest");
  return j;
}

Status WriteFile(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return Status::FailedPrecondition("cannot write " + path.string());
  return Status::Ok();
}

// Whether `dir` already holds exactly these files of this commit.
bool UpToDate(const fs::path& dir, const std::string& commit, const std::vector<RepoFile>& files) {
  auto manifest = ReadManifest(dir);
  if (!manifest.ok() || manifest->value("commit", "") != commit) return false;
  for (const RepoFile& f : files) {
    const int64_t size = SizeOf(dir / f.path);
    if (size < 0 || (f.size >= 0 && size != f.size)) return false;
  }
  return true;
}

// Checks a downloaded file against the listing. Returns how it was checked, or why it failed.
Result<std::string> Verify(const fs::path& file, const RepoFile& f) {
  const int64_t size = SizeOf(file);
  if (f.size >= 0 && size != f.size) {
    return Status::FailedPrecondition(f.path + " has " + std::to_string(size) + " bytes but the hub lists " +
                                      std::to_string(f.size));
  }
  if (!f.lfs_sha256.empty()) {
    EXEMPLAR_ASSIGN_OR_RETURN(std::string got, Sha256OfFile(file));
    if (got != f.lfs_sha256) {
      return Status::FailedPrecondition(f.path + " is corrupted: its sha256 is " + got + " but the hub lists " +
                                        f.lfs_sha256);
    }
    return std::string("sha256");
  }
  if (!f.blob_id.empty()) {
    EXEMPLAR_ASSIGN_OR_RETURN(std::string got, GitBlobIdOfFile(file));
    if (got != f.blob_id) {
      return Status::FailedPrecondition(f.path + " is corrupted: its git blob id is " + got + " but the hub lists " +
                                        f.blob_id);
    }
    return std::string("git blob id");
  }
  return std::string("size");
}

// Downloads one file into `staging` (resuming its .part), checks it and moves it into place.
// Adds the bytes transferred to *downloaded.
Status PullFile(const HubClient& hub, const PullOptions& o, const RepoInfo& info, const RepoFile& f,
                const fs::path& staging, Backoff& backoff, const PullEvents& events, int64_t* downloaded) {
  const fs::path final_path = staging / f.path;
  const fs::path part = final_path.string() + ".part";
  std::error_code ec;
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) return Status::FailedPrecondition("cannot create " + final_path.parent_path().string() + ": " + ec.message());
  if (SizeOf(final_path) >= 0) {  // finished by an earlier, interrupted pull
    auto check = Verify(final_path, f);
    if (check.ok()) {
      if (events.file_done) events.file_done(f, *check);
      return Status::Ok();
    }
    fs::remove(final_path, ec);
  }
  if (f.size >= 0 && SizeOf(part) > f.size) fs::remove(part, ec);
  if (events.file_started) events.file_started(f, std::max<int64_t>(0, SizeOf(part)));
  ProgressFn progress;
  if (events.progress) progress = [&](int64_t done, int64_t total) { events.progress(f, done, total); };
  Status last;
  for (int attempt = 1; attempt <= 1 + o.retry.max_retries; ++attempt) {
    const int64_t before = std::max<int64_t>(0, SizeOf(part));
    if (f.size >= 0 && before == f.size) {
      last = Status::Ok();  // complete already (a .part left by a pull stopped before its check)
      break;
    }
    last = hub.Download(o.repo_id, info.commit, f.path, part, f.size, progress);
    const int64_t after = std::max<int64_t>(0, SizeOf(part));
    *downloaded += after >= before ? after - before : after;
    if (last.ok() || last.code() != Code::kUnavailable || attempt == 1 + o.retry.max_retries) break;
    const int64_t wait_ms = backoff.DelayMs(attempt, -1);
    if (events.note) {
      events.note("retrying " + f.path + " in " + std::to_string(wait_ms) + " ms from byte " + std::to_string(after) +
                  ": " + last.message());
    }
    ::usleep(static_cast<useconds_t>(wait_ms * 1000));
  }
  if (!last.ok()) {
    if (last.code() == Code::kUnavailable && SizeOf(part) > 0) {
      return Status::Unavailable(last.message() + "; " + std::to_string(SizeOf(part)) + " bytes of " + f.path +
                                 " are kept and the next pull continues from there");
    }
    return last;
  }
  auto check = Verify(part, f);
  if (!check.ok()) {
    fs::remove(part, ec);
    return Status::FailedPrecondition(check.status().message() + "; the file was deleted, run the pull again");
  }
  fs::rename(part, final_path, ec);
  if (ec) return Status::FailedPrecondition("cannot move " + part.string() + " into place: " + ec.message());
  if (events.file_done) events.file_done(f, *check);
  return Status::Ok();
}

// Replaces `dir` by `staging` with one rename (the previous pull, if any, is moved aside first
// and deleted after).
Status Publish(const fs::path& staging, const fs::path& dir) {
  std::error_code ec;
  const fs::path old = dir.string() + ".old";
  fs::remove_all(old, ec);
  if (fs::exists(dir, ec)) {
    fs::rename(dir, old, ec);
    if (ec) return Status::FailedPrecondition("cannot move the previous " + dir.string() + " aside: " + ec.message());
  }
  fs::rename(staging, dir, ec);
  if (ec) return Status::FailedPrecondition("cannot move " + staging.string() + " to " + dir.string() + ": " + ec.message());
  fs::remove_all(old, ec);
  return Status::Ok();
}

}  // namespace

fs::path ModelDirFor(const fs::path& models_dir, const std::string& repo_id) { return models_dir / repo_id; }

fs::path DefaultModelsDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "exemplar" / "models";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "exemplar" / "models";
  return "models";
}

bool IsPulled(const fs::path& dir) { return SizeOf(dir / kPullManifest) > 0; }

Result<PullResult> PullModel(const HubClient& hub, const PullOptions& o, const PullEvents& events) {
  EXEMPLAR_RETURN_IF_ERROR(ValidateRepoId(o.repo_id));
  if (o.revision.empty()) return Status::InvalidArgument("empty revision");
  EXEMPLAR_ASSIGN_OR_RETURN(RepoInfo info, hub.FetchRepoInfo(o.repo_id, o.revision));
  EXEMPLAR_ASSIGN_OR_RETURN(std::vector<RepoFile> files, SelectModelFiles(info, o.repo_id));

  PullResult result;
  result.dir = ModelDirFor(o.models_dir, o.repo_id);
  result.commit = info.commit;
  result.files = static_cast<int>(files.size());
  for (const RepoFile& f : files) result.bytes += std::max<int64_t>(0, f.size);

  std::error_code ec;
  fs::create_directories(result.dir.parent_path(), ec);
  if (ec) return Status::FailedPrecondition("cannot create " + result.dir.parent_path().string() + ": " + ec.message());
  PullLock lock(result.dir.string() + ".lock");
  if (!lock.ok()) return Status::FailedPrecondition("cannot lock " + result.dir.string() + ".lock");
  if (UpToDate(result.dir, info.commit, files)) {
    result.up_to_date = true;
    if (events.note) events.note(o.repo_id + " is up to date (commit " + info.commit + ")");
    return result;
  }

  const fs::path staging = result.dir.string() + ".partial";
  const Json manifest = Manifest(o, hub, info, files);
  auto staged = ReadManifest(staging);
  if (!staged.ok() || staged->value("commit", "") != info.commit) {
    fs::remove_all(staging, ec);  // parts of another commit cannot be continued
    fs::create_directories(staging, ec);
    if (ec) return Status::FailedPrecondition("cannot create " + staging.string() + ": " + ec.message());
    EXEMPLAR_RETURN_IF_ERROR(WriteFile(staging / kPullManifest, DumpJson(manifest)));
  }
  Backoff backoff(o.retry);
  for (const RepoFile& f : files) {
    EXEMPLAR_RETURN_IF_ERROR(PullFile(hub, o, info, f, staging, backoff, events, &result.bytes_downloaded));
  }
  EXEMPLAR_RETURN_IF_ERROR(Publish(staging, result.dir));
  return result;
}

}  // namespace exemplar::embed::hub
