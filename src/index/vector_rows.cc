#include "index/vector_rows.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <vector>

#include "index/snapshot_file.h"

namespace exemplar::index {
namespace {

// An unlinked read-write file in `dir`: O_TMPFILE where the filesystem has it, else mkstemp +
// unlink. -1 when neither works.
int OpenUnlinkedFile(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string tmpl = dir + "/.exemplar-vectors-XXXXXX";
  fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return -1;
  ::unlink(tmpl.c_str());
  return fd;
}

// Repeats `io(done)` (a pread or pwrite of the rest from byte `done`) until `bytes` are through;
// false on an error or an unexpected end of file.
template <class Io>
bool Whole(size_t bytes, Io io) {
  for (size_t done = 0; done < bytes;) {
    const ssize_t n = io(done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

const size_t kPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE));

}  // namespace

VectorRows::VectorRows(size_t dim, std::string dir) : dim_(dim), dir_(std::move(dir)) {}

VectorRows::~VectorRows() {
  if (base_ != nullptr) ::munmap(base_, MappedBytes());
  if (fd_ >= 0) ::close(fd_);
  if (overlay_fd_ >= 0) ::close(overlay_fd_);
}

bool VectorRows::Reserve(size_t rows) {
  if (rows <= capacity_) return true;
  if (!tried_file_) {
    tried_file_ = true;
    if (!dir_.empty()) fd_ = OpenUnlinkedFile(dir_);
  }
  const size_t old_bytes = MappedBytes();
  const size_t new_bytes = std::max<size_t>(rows, 1) * dim_ * sizeof(float);
  if (fd_ >= 0 && ::ftruncate(fd_, static_cast<off_t>(new_bytes)) != 0) return false;
  void* p;
  if (base_ == nullptr) {
    p = fd_ >= 0 ? ::mmap(nullptr, new_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0)
                 : ::mmap(nullptr, new_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                          -1, 0);
  } else if (overlay_bytes_ == 0) {
    p = ::mremap(base_, old_bytes, new_bytes, MREMAP_MAYMOVE);
  } else {
    // Two mappings (the snapshot's, then the vector file's), which mremap cannot move as one: map
    // the grown file afresh and move the snapshot's mapping over its start.
    p = ::mmap(nullptr, new_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p != MAP_FAILED) {
      if (::mremap(base_, overlay_bytes_, overlay_bytes_, MREMAP_MAYMOVE | MREMAP_FIXED, p) == MAP_FAILED) {
        ::munmap(p, new_bytes);
        p = MAP_FAILED;
      } else {
        ::munmap(reinterpret_cast<char*>(base_) + overlay_bytes_, old_bytes - overlay_bytes_);
      }
    }
  }
  if (p == MAP_FAILED) {
    if (fd_ >= 0) (void)::ftruncate(fd_, static_cast<off_t>(old_bytes));
    return false;
  }
  base_ = static_cast<float*>(p);
  capacity_ = new_bytes / (dim_ * sizeof(float));
  // Searches read scattered rows: map only the page read, not its neighbours in the page cache.
  if (fd_ >= 0) ::madvise(base_, new_bytes, MADV_RANDOM);
  return true;
}

bool VectorRows::Write(size_t offset, const void* data, size_t bytes) {
  if (fd_ < 0) {
    std::memcpy(reinterpret_cast<char*>(base_) + offset, data, bytes);
    return true;
  }
  const char* in = static_cast<const char*>(data);
  if (offset < overlay_bytes_) {
    const size_t head = std::min(bytes, overlay_bytes_ - offset);
    if (!WriteOverlay(offset, in, head)) return false;
    offset += head;
    in += head;
    bytes -= head;
  }
  return Whole(bytes, [&](size_t done) {
    return ::pwrite(fd_, in + done, bytes - done, static_cast<off_t>(offset + done));
  });
}

bool VectorRows::Read(size_t offset, void* data, size_t bytes) const {
  if (fd_ < 0) {
    std::memcpy(data, reinterpret_cast<const char*>(base_) + offset, bytes);
    return true;
  }
  char* out = static_cast<char*>(data);
  if (offset < overlay_bytes_) {
    const size_t head = std::min(bytes, overlay_bytes_ - offset);
    if (!ReadOverlay(offset, out, head)) return false;
    offset += head;
    out += head;
    bytes -= head;
  }
  return Whole(bytes, [&](size_t done) {
    return ::pread(fd_, out + done, bytes - done, static_cast<off_t>(offset + done));
  });
}

bool VectorRows::Dirty(size_t page) const {
  return (dirty_[page / 64].load(std::memory_order_relaxed) >> (page % 64)) & 1;
}

bool VectorRows::WriteOverlay(size_t offset, const char* data, size_t bytes) {
  std::memcpy(reinterpret_cast<char*>(base_) + offset, data, bytes);
  for (size_t page = offset / kPage; page * kPage < offset + bytes; ++page) {
    dirty_[page / 64].fetch_or(uint64_t{1} << (page % 64), std::memory_order_relaxed);
  }
  return true;
}

bool VectorRows::ReadOverlay(size_t offset, char* data, size_t bytes) const {
  // Runs of clean pages come from the snapshot file (page cache, not this process's resident set),
  // runs of dirty ones from the mapping, which alone holds what was written.
  const size_t end = offset + bytes;
  while (offset < end) {
    const bool dirty = Dirty(offset / kPage);
    size_t run_end = std::min(end, (offset / kPage + 1) * kPage);
    while (run_end < end && Dirty(run_end / kPage) == dirty) run_end = std::min(end, run_end + kPage);
    const size_t n = run_end - offset;
    if (dirty) {
      std::memcpy(data, reinterpret_cast<const char*>(base_) + offset, n);
    } else if (!Whole(n, [&](size_t done) {
                 return ::pread(overlay_fd_, data + done, n - done, static_cast<off_t>(offset + done));
               })) {
      return false;
    }
    data += n;
    offset = run_end;
  }
  return true;
}

// Snapshots are copied a chunk at a time through the vector file, never its mapping (see above).
constexpr size_t kChunkBytes = size_t{8} << 20;

Status VectorRows::SaveTo(const std::string& path, size_t rows, uint64_t* bytes, uint64_t* checksum) const {
  const size_t n = rows * dim_ * sizeof(float);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Unavailable("cannot create " + path + ": " + ErrnoText());
  Checksum sum;
  Status st;
  std::vector<char> chunk(std::min(n, kChunkBytes));
  for (size_t done = 0; done < n && st.ok(); done += chunk.size()) {
    chunk.resize(std::min(chunk.size(), n - done));
    if (!Read(done, chunk.data(), chunk.size())) {
      st = Status::Unavailable("cannot read the f32 vector file: " + ErrnoText());
      break;
    }
    sum.Update(chunk.data(), chunk.size());
    st = WriteAll(fd, chunk.data(), chunk.size(), path);
  }
  *bytes = n;
  *checksum = sum.Digest();
  if (st.ok() && ::fsync(fd) != 0) st = Status::Unavailable("cannot fsync " + path + ": " + ErrnoText());
  ::close(fd);
  return st;
}

Status VectorRows::LoadFrom(const std::string& path, size_t rows, uint64_t checksum) {
  const size_t n = rows * dim_ * sizeof(float);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FailedPrecondition("cannot open " + path + ": " + ErrnoText());
  struct FdCloser {
    int* fd;
    ~FdCloser() {
      if (*fd >= 0) ::close(*fd);
    }
  } closer{&fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<size_t>(st.st_size) != n) {
    return Status::FailedPrecondition(path + " does not match the graph's size");
  }
  if (capacity_ < rows) return Status::FailedPrecondition("no room for the vectors");
  if (overlay_bytes_ > 0) return Status::FailedPrecondition("vectors are loaded already");
  // The checksum first, reading the file (its pages go to the page cache, not to this process).
  // Without a vector file (anonymous rows) the chunks are copied in as they are read.
  Checksum sum;
  std::vector<char> chunk(std::min(n, kChunkBytes));
  for (size_t done = 0; done < n; done += chunk.size()) {
    chunk.resize(std::min(chunk.size(), n - done));
    if (!Whole(chunk.size(), [&](size_t got) {
          return ::pread(fd, chunk.data() + got, chunk.size() - got, static_cast<off_t>(done + got));
        })) {
      return Status::FailedPrecondition("cannot read " + path + ": " + ErrnoText());
    }
    sum.Update(chunk.data(), chunk.size());
    if (fd_ < 0) std::memcpy(reinterpret_cast<char*>(base_) + done, chunk.data(), chunk.size());
  }
  if (sum.Digest() != checksum) return Status::FailedPrecondition(path + ": checksum mismatch");
  if (fd_ < 0) return Status::Ok();
  // The whole pages: the snapshot mapped over the region's start. The rest of the last page: copied.
  const size_t whole = n / kPage * kPage;
  if (whole > 0) {
    if (::mmap(base_, whole, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
      return Status::Unavailable("cannot map " + path + ": " + ErrnoText());
    }
    ::madvise(base_, whole, MADV_RANDOM);
    const size_t pages = whole / kPage;
    dirty_ = std::make_unique<std::atomic<uint64_t>[]>((pages + 63) / 64);
    overlay_bytes_ = whole;
    overlay_fd_ = fd;
    fd = -1;  // kept open: clean pages are read from it
  }
  if (n > whole) {
    std::vector<char> tail(n - whole);
    const int from = overlay_fd_ >= 0 ? overlay_fd_ : fd;
    if (!Whole(tail.size(), [&](size_t got) {
          return ::pread(from, tail.data() + got, tail.size() - got, static_cast<off_t>(whole + got));
        }) ||
        !Write(whole, tail.data(), tail.size())) {
      return Status::Unavailable("cannot copy the end of " + path + ": " + ErrnoText());
    }
  }
  return Status::Ok();
}

}  // namespace exemplar::index
