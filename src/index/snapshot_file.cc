#include "index/snapshot_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace exemplar::index {
namespace {

uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
uint64_t Scramble(uint64_t w) { return Rotl(w * 0x87c37b91114253d5ULL, 31) * 0x4cf5ad432745937fULL; }

struct FileHeader {
  char magic[8];
  uint32_t version;
  uint32_t reserved;
  uint64_t change_seq;
  uint64_t probe;
  uint64_t body_bytes;
  uint64_t body_checksum;
  uint64_t header_checksum;  // of every field above
};

uint64_t HeaderChecksum(const FileHeader& h) {
  Checksum c;
  c.Update(reinterpret_cast<const char*>(&h), offsetof(FileHeader, header_checksum));
  return c.Digest();
}

}  // namespace

std::string ErrnoText() { return std::strerror(errno); }

std::string TempPathFor(const std::string& path) { return path + ".tmp." + std::to_string(::getpid()); }

Result<SnapshotWriteLock> SnapshotWriteLock::Acquire(const std::string& path) {
  const std::string lock_path = path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot open " + lock_path + ": " + ErrnoText());
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    Status st = Status::Unavailable("cannot lock " + lock_path + ": " + ErrnoText());
    ::close(fd);
    return st;
  }
  return SnapshotWriteLock(fd);
}

SnapshotWriteLock::~SnapshotWriteLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

void RemoveStaleTemps(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const std::string prefix = fs::path(path).filename().string();
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const size_t tmp = name.rfind(".tmp");
    if (tmp == std::string::npos || tmp < prefix.size()) continue;
    const std::string pid_text = name.substr(tmp + 4);
    if (!pid_text.empty()) {
      // `.tmp.<pid>`: another process that still runs may be writing it (a tool calling
      // VectorIndex::Save without the lock), so only this process's (it holds the lock) and a
      // dead process's go. kill(pid, 0) fails with ESRCH only when no such process exists.
      if (pid_text[0] != '.' || pid_text.size() < 2 ||
          pid_text.find_first_not_of("0123456789", 1) != std::string::npos) {
        continue;
      }
      const long pid = std::strtol(pid_text.c_str() + 1, nullptr, 10);
      const bool mine = pid == static_cast<long>(::getpid());
      if (!mine && (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)) continue;
    }
    std::error_code ignored;
    fs::remove(it->path(), ignored);
  }
}

Status WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return Status::Unavailable("cannot write " + path + ": " + ErrnoText());
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

void Checksum::Update(const char* p, size_t n) {
  length_ += n;
  while (n > 0 && carry_len_ > 0) {  // complete a word left over from the previous call
    carry_[carry_len_++] = *p++;
    --n;
    if (carry_len_ == 8) {
      Mix(carry_);
      carry_len_ = 0;
    }
  }
  if (carry_len_ > 0) return;
  for (; n >= 8; p += 8, n -= 8) Mix(p);
  std::memcpy(carry_, p, n);
  carry_len_ = n;
}

uint64_t Checksum::Digest() const {
  uint64_t h = h_;
  if (carry_len_ > 0) {
    char last[8] = {};
    std::memcpy(last, carry_, carry_len_);
    uint64_t w;
    std::memcpy(&w, last, 8);
    h ^= Scramble(w);
  }
  h ^= length_;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

void Checksum::Mix(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  h_ = Rotl(h_ ^ Scramble(w), 27) * 5 + 0x52dce729;
}

Status WriteSnapshotFile(const std::string& path, const SnapshotTag& tag, std::string_view body) {
  FileHeader h{};
  std::memcpy(h.magic, tag.magic, sizeof h.magic);
  h.version = tag.version;
  h.change_seq = tag.change_seq;
  h.probe = tag.probe;
  h.body_bytes = body.size();
  Checksum sum;
  sum.Update(body.data(), body.size());
  h.body_checksum = sum.Digest();
  h.header_checksum = HeaderChecksum(h);

  const std::string tmp = TempPathFor(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Unavailable("cannot create " + tmp + ": " + ErrnoText());
  Status st = WriteAll(fd, reinterpret_cast<const char*>(&h), sizeof h, tmp);
  if (st.ok()) st = WriteAll(fd, body.data(), body.size(), tmp);
  if (st.ok() && ::fsync(fd) != 0) st = Status::Unavailable("cannot fsync " + tmp + ": " + ErrnoText());
  ::close(fd);
  if (st.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    st = Status::Unavailable("cannot install " + path + ": " + ErrnoText());
  }
  if (!st.ok()) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
  }
  return st;
}

Result<std::string> ReadSnapshotFile(const std::string& path, const SnapshotTag& want) {
  auto fail = [&](const std::string& why) { return Status::FailedPrecondition(path + ": " + why); };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(ErrnoText());
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(ErrnoText());
  const auto size = static_cast<uint64_t>(st.st_size);
  FileHeader h;
  if (size < sizeof h || ::pread(fd, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h)) {
    return fail("truncated header");
  }
  if (std::memcmp(h.magic, want.magic, sizeof h.magic) != 0) return fail("not this kind of snapshot");
  if (h.header_checksum != HeaderChecksum(h)) return fail("header checksum mismatch");
  if (h.version != want.version) return fail("unsupported version " + std::to_string(h.version));
  if (h.change_seq != want.change_seq) {
    return fail("reflects change " + std::to_string(h.change_seq) + ", expected " + std::to_string(want.change_seq));
  }
  if (h.probe != want.probe) return fail("written by a build that indexes differently");
  if (h.body_bytes != size - sizeof h) return fail("body has the wrong size");
  std::string body(h.body_bytes, '\0');
  size_t got = 0;
  while (got < body.size()) {
    const ssize_t r = ::pread(fd, body.data() + got, body.size() - got, static_cast<off_t>(sizeof h + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return fail("cannot read the body");
    got += static_cast<size_t>(r);
  }
  Checksum sum;
  sum.Update(body.data(), body.size());
  if (sum.Digest() != h.body_checksum) return fail("body checksum mismatch");
  return body;
}

}  // namespace exemplar::index
