// Snapshot files of the in-memory indexes: a checksummed header and body, written atomically
// (temp file, fsync, rename) and verified before anything is parsed, plus a bounds-checked
// reader and a writer for the bodies. Used by the vector snapshot, the keyword snapshot and the
// catalog snapshot, so a torn, truncated or foreign file is refused the same way everywhere.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "common/status.h"

namespace exemplar::index {

// 64-bit streaming checksum (MurmurHash3-style word mixing, finalised with fmix64). Detects
// truncation and corruption; not a cryptographic hash.
class Checksum {
 public:
  void Update(const char* p, size_t n);
  uint64_t Digest() const;

 private:
  void Mix(const char* p);
  uint64_t h_ = 0x9E3779B97F4A7C15ULL;
  uint64_t length_ = 0;
  char carry_[8] = {};
  size_t carry_len_ = 0;
};

// What a snapshot file says about itself. `magic` names the kind of file; `version` its layout;
// `change_seq` the store's change-log position it reflects; `probe` a fingerprint of the code
// that produced its contents (e.g. the tokenizer's output on a fixed text), so a snapshot written
// by a build that tokenises or hashes differently is refused instead of silently mixed in.
struct SnapshotTag {
  char magic[8];
  uint32_t version = 0;
  uint64_t change_seq = 0;
  uint64_t probe = 0;
};

// The temp file a snapshot file `path` is written to before it is renamed into place: named for
// this process (`path`.tmp.<pid>), so that two processes writing snapshots in one data directory
// (`exemplar import` beside `serve`) never write or rename each other's temp files.
std::string TempPathFor(const std::string& path);

// An exclusive lock (flock(2) on `<path>.lock`) over writing the snapshot set named `path`
// (`path`, `.graph`, `.f32`, `.catalog`, `.keywords`, `.seq`, ...): one writer at a time, in this
// process or another, so that the set installed is one writer's. The kernel drops it when its
// holder dies, so a crashed writer never blocks the next.
class SnapshotWriteLock {
 public:
  // Waits for the lock (another writer finishes its set first). kUnavailable when the lock file
  // cannot be opened.
  static Result<SnapshotWriteLock> Acquire(const std::string& path);
  SnapshotWriteLock(SnapshotWriteLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  SnapshotWriteLock& operator=(SnapshotWriteLock&&) = delete;
  SnapshotWriteLock(const SnapshotWriteLock&) = delete;
  ~SnapshotWriteLock();

 private:
  explicit SnapshotWriteLock(int fd) : fd_(fd) {}
  int fd_;
};

// Removes the temp files of snapshot writes of the set named `path` (`path`*.tmp, and
// `path`*.tmp.<pid> of a process that no longer runs) that a writer which died left behind.
// REQUIRES: the SnapshotWriteLock of `path` is held (a live writer holds it while its temp files
// exist, so none of its files is touched).
void RemoveStaleTemps(const std::string& path);

// Writes `body` under a header of `tag` to `path` atomically. kUnavailable on I/O errors.
Status WriteSnapshotFile(const std::string& path, const SnapshotTag& tag, std::string_view body);

// strerror(errno), and write(2) of all `n` bytes (retrying on EINTR); the error names `path`.
std::string ErrnoText();
Status WriteAll(int fd, const char* p, size_t n, const std::string& path);
// Reads a file written by WriteSnapshotFile and returns its body, after checking the header's
// checksum, the magic, version, change_seq and probe against `want`, and the body's size and
// checksum. kFailedPrecondition (missing, stale, corrupt, foreign) with the reason.
Result<std::string> ReadSnapshotFile(const std::string& path, const SnapshotTag& want);

// Appends plain values and length-prefixed strings to a body.
class BodyWriter {
 public:
  template <typename T>
  void Put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void PutString(std::string_view s) {
    Put(static_cast<uint32_t>(s.size()));
    out_.append(s.data(), s.size());
  }
  template <typename T>
  void PutArray(const T* p, size_t n) {
    static_assert(std::is_trivially_copyable_v<T>);
    Put(static_cast<uint64_t>(n));
    out_.append(reinterpret_cast<const char*>(p), n * sizeof(T));
  }
  std::string& body() { return out_; }

 private:
  std::string out_;
};

// Reads what BodyWriter wrote. Every read is bounds-checked: past the end, ok() turns false and
// reads return zeros, so a parser checks ok() once at the end (and before trusting any count
// for an allocation, via Fits).
class BodyReader {
 public:
  explicit BodyReader(std::string_view body) : body_(body) {}
  template <typename T>
  T Get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T v{};
    if (!Take(sizeof v)) return v;
    std::memcpy(&v, body_.data() + pos_ - sizeof v, sizeof v);
    return v;
  }
  std::string_view GetString() {
    const auto n = Get<uint32_t>();
    if (!Take(n)) return {};
    return body_.substr(pos_ - n, n);
  }
  // Reads an array written by PutArray into `out` (resized).
  template <typename Vec>
  void GetArray(Vec* out) {
    using T = typename Vec::value_type;
    const auto n = Get<uint64_t>();
    if (!Fits(n, sizeof(T))) return;
    out->resize(n);
    if (n > 0) std::memcpy(out->data(), body_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
  }
  // True when `count` items of `size` bytes can still follow (so a corrupt count cannot make the
  // parser allocate wildly); else marks the reader failed.
  bool Fits(uint64_t count, size_t size) {
    if (ok_ && size > 0 && count <= (body_.size() - pos_) / size) return true;
    ok_ = false;
    return false;
  }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && pos_ == body_.size(); }

 private:
  bool Take(size_t n) {
    if (!ok_ || n > body_.size() - pos_) {
      ok_ = false;
      return false;
    }
    pos_ += n;
    return true;
  }
  std::string_view body_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace exemplar::index
