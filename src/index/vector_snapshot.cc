// VectorIndex::Save / VectorIndex::Load.
//
// Snapshot = two files.
//   <path>        SnapshotHeader, then the pending vectors (labels, then rows of `dim` floats).
//   <path>.graph  hnswlib's saveIndex output, verbatim.
//   <path>.f32    vector_storage f16 / int8 only: the graph elements' f32 vectors by internal id
//                 (HnswGraph::SaveRows); its size and checksum follow the pending rows in <path>.
// The header's `storage` is the VectorStorage the graph was built with (0, f32, in snapshots from
// before compact storage existed, so those still load); another mode's snapshot is refused.
// The header carries the size and checksum of the graph file and a checksum of the pending
// section, so a torn, truncated or mismatched pair is rejected before hnswlib reads anything:
// hnswlib's loadIndex trusts its input and can crash or allocate wildly on garbage.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "index/vector_index.h"
#include "index/hnsw_graph.h"
#include "index/snapshot_file.h"
#include "index/vector_index_impl.h"

namespace exemplar::index {
namespace {

constexpr char kMagic[8] = {'E', 'X', 'V', 'E', 'C', 'I', 'D', 'X'};
constexpr uint32_t kVersion = 1;

struct SnapshotHeader {
  char magic[8];
  uint32_t version;
  uint32_t dim;
  uint32_t m;
  uint32_t storage;  // VectorStorage
  uint64_t change_seq;
  uint64_t graph_elements;  // hnswlib cur_element_count (live + deleted)
  uint64_t graph_live;
  uint64_t graph_bytes;
  uint64_t graph_checksum;
  uint64_t pending_count;
  uint64_t pending_checksum;
  uint64_t header_checksum;  // of every field above
};

uint64_t HeaderChecksum(const SnapshotHeader& h) {
  Checksum c;
  c.Update(reinterpret_cast<const char*>(&h), offsetof(SnapshotHeader, header_checksum));
  return c.Digest();
}

// Reads a whole file (optionally checksumming it) into `out` when out != nullptr.
Status ReadFile(const std::string& path, std::string* out, Checksum* sum, uint64_t* size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FailedPrecondition("cannot open " + path + ": " + ErrnoText());
  std::vector<char> buf(1 << 20);
  uint64_t total = 0;
  Status st;
  for (;;) {
    const ssize_t r = ::read(fd, buf.data(), buf.size());
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      st = Status::FailedPrecondition("cannot read " + path + ": " + ErrnoText());
      break;
    }
    if (r == 0) break;
    if (sum) sum->Update(buf.data(), static_cast<size_t>(r));
    if (out) out->append(buf.data(), static_cast<size_t>(r));
    total += static_cast<uint64_t>(r);
  }
  ::close(fd);
  if (size) *size = total;
  return st;
}

// Checksums a whole file through a read-only mapping: no copy, and the pages it brings into the
// page cache are the ones the graph then maps.
Status ChecksumMapped(const std::string& path, Checksum* sum, uint64_t* size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FailedPrecondition("cannot open " + path + ": " + ErrnoText());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::FailedPrecondition("cannot stat " + path + ": " + ErrnoText());
  }
  *size = static_cast<uint64_t>(st.st_size);
  if (st.st_size == 0) {
    ::close(fd);
    return Status::Ok();
  }
  void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return ReadFile(path, nullptr, sum, size);
  ::madvise(p, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
  sum->Update(static_cast<const char*>(p), static_cast<size_t>(st.st_size));
  ::munmap(p, static_cast<size_t>(st.st_size));
  return Status::Ok();
}

void RemoveQuietly(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}

Status SyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable("cannot open " + path + ": " + ErrnoText());
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::Unavailable("cannot fsync " + path + ": " + ErrnoText());
}

}  // namespace

Status VectorIndex::Save(const std::string& path, uint64_t change_seq) const {
  const Impl& m = *impl_;
  const std::string graph_path = path + ".graph";
  const std::string graph_tmp = TempPathFor(graph_path);
  const std::string main_tmp = TempPathFor(path);
  const std::string rows_path = path + ".f32";
  const std::string rows_tmp = TempPathFor(rows_path);
  const bool compact = m.options.storage != VectorStorage::kF32;
  std::shared_lock lock(m.mu);  // writers wait; searches go on

  uint64_t expected = 0;
  if (Status st = m.graph->Save(graph_tmp, &expected); !st.ok()) {
    RemoveQuietly(graph_tmp);
    return st;
  }
  Checksum graph_sum;
  uint64_t graph_bytes = 0;
  Status st = ReadFile(graph_tmp, nullptr, &graph_sum, &graph_bytes);
  if (!st.ok() || graph_bytes != expected) {
    RemoveQuietly(graph_tmp);
    return Status::Unavailable("incomplete graph snapshot " + graph_tmp + " (disk full?)");
  }
  if (st = SyncFile(graph_tmp); !st.ok()) {
    RemoveQuietly(graph_tmp);
    return st;
  }

  const size_t dim = static_cast<size_t>(m.options.dim);
  std::string body;
  body.reserve(m.pending.size() * (sizeof(uint64_t) + dim * sizeof(float)));
  for (size_t s = 0; s < m.pending.size(); ++s) {
    const uint64_t label = m.pending.label_at(s);
    body.append(reinterpret_cast<const char*>(&label), sizeof label);
  }
  for (size_t s = 0; s < m.pending.size(); ++s) {
    body.append(reinterpret_cast<const char*>(m.pending.row(s)), dim * sizeof(float));
  }
  if (compact) {
    uint64_t rows_bytes = 0, rows_checksum = 0;
    if (st = m.graph->SaveRows(rows_tmp, &rows_bytes, &rows_checksum); !st.ok()) {
      RemoveQuietly(graph_tmp);
      RemoveQuietly(rows_tmp);
      return st;
    }
    body.append(reinterpret_cast<const char*>(&rows_bytes), sizeof rows_bytes);
    body.append(reinterpret_cast<const char*>(&rows_checksum), sizeof rows_checksum);
  }
  SnapshotHeader h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.dim = static_cast<uint32_t>(m.options.dim);
  h.m = static_cast<uint32_t>(m.options.m);
  h.storage = static_cast<uint32_t>(m.options.storage);
  h.change_seq = change_seq;
  h.graph_elements = m.graph->elements();
  h.graph_live = m.graph->live();
  h.graph_bytes = graph_bytes;
  h.graph_checksum = graph_sum.Digest();
  h.pending_count = m.pending.size();
  Checksum body_sum;
  body_sum.Update(body.data(), body.size());
  h.pending_checksum = body_sum.Digest();
  h.header_checksum = HeaderChecksum(h);

  const int fd = ::open(main_tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Unavailable("cannot create " + main_tmp + ": " + ErrnoText());
  st = WriteAll(fd, reinterpret_cast<const char*>(&h), sizeof h, main_tmp);
  if (st.ok()) st = WriteAll(fd, body.data(), body.size(), main_tmp);
  if (st.ok() && ::fsync(fd) != 0) st = Status::Unavailable("cannot fsync " + main_tmp + ": " + ErrnoText());
  ::close(fd);
  if (!st.ok()) {
    RemoveQuietly(graph_tmp);
    RemoveQuietly(main_tmp);
    RemoveQuietly(rows_tmp);
    return st;
  }

  // The main file goes last: until it is renamed, the old header's checksums refuse the new pair.
  if (std::rename(graph_tmp.c_str(), graph_path.c_str()) != 0 ||
      (compact && std::rename(rows_tmp.c_str(), rows_path.c_str()) != 0) ||
      std::rename(main_tmp.c_str(), path.c_str()) != 0) {
    Status failed = Status::Unavailable("cannot install snapshot " + path + ": " + ErrnoText());
    RemoveQuietly(graph_tmp);
    RemoveQuietly(rows_tmp);
    RemoveQuietly(main_tmp);
    return failed;
  }
  if (!compact) RemoveQuietly(rows_path);  // left by an earlier f16 / int8 run: no longer part of it
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // makes the renames durable; best effort
    ::close(dfd);
  }
  return Status::Ok();
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::Load(const std::string& path, VectorIndexOptions options,
                                                       uint64_t expected_seq) {
  auto fail = [&](const std::string& why) {
    return Status::FailedPrecondition("vector snapshot " + path + ": " + why);
  };
  std::string file;
  if (Status st = ReadFile(path, &file, nullptr, nullptr); !st.ok()) return fail(st.message());
  if (file.size() < sizeof(SnapshotHeader)) return fail("truncated header");
  SnapshotHeader h;
  std::memcpy(&h, file.data(), sizeof h);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) return fail("not a vector snapshot");
  if (h.header_checksum != HeaderChecksum(h)) return fail("header checksum mismatch");
  if (h.version != kVersion) return fail("unsupported version " + std::to_string(h.version));
  if (h.dim != static_cast<uint32_t>(options.dim) || h.m != static_cast<uint32_t>(options.m)) {
    return fail("built for dim " + std::to_string(h.dim) + ", M " + std::to_string(h.m) + "; want dim " +
                std::to_string(options.dim) + ", M " + std::to_string(options.m));
  }
  if (h.storage != static_cast<uint32_t>(options.storage)) {
    const char* had = h.storage <= 2 ? VectorStorageName(static_cast<VectorStorage>(h.storage)) : "unknown";
    return fail(std::string("written with vector_storage ") + had + "; want " + VectorStorageName(options.storage));
  }
  if (h.change_seq != expected_seq) {
    return fail("reflects change " + std::to_string(h.change_seq) + ", expected " + std::to_string(expected_seq));
  }
  const size_t dim = h.dim;
  const bool compact = options.storage != VectorStorage::kF32;
  const size_t body_bytes = file.size() - sizeof h;
  const size_t trailer_bytes = compact ? 2 * sizeof(uint64_t) : 0;  // the .f32 file's size, checksum
  const size_t row_bytes = sizeof(uint64_t) + dim * sizeof(float);
  if (body_bytes < trailer_bytes || h.pending_count > (body_bytes - trailer_bytes) / row_bytes ||
      h.pending_count * row_bytes + trailer_bytes != body_bytes) {
    return fail("pending section has the wrong size");
  }
  Checksum body_sum;
  body_sum.Update(file.data() + sizeof h, body_bytes);
  if (body_sum.Digest() != h.pending_checksum) return fail("pending section checksum mismatch");

  const std::string graph_path = path + ".graph";
  std::error_code ec;
  const auto graph_size = std::filesystem::file_size(graph_path, ec);
  if (ec) return fail("cannot stat " + graph_path + ": " + ec.message());
  if (graph_size != h.graph_bytes) return fail("graph file has the wrong size");
  {
    Checksum graph_sum;
    uint64_t read_bytes = 0;
    if (Status st = ChecksumMapped(graph_path, &graph_sum, &read_bytes); !st.ok()) return fail(st.message());
    if (read_bytes != h.graph_bytes || graph_sum.Digest() != h.graph_checksum) {
      return fail("graph file checksum mismatch");
    }
  }
  auto graph = HnswGraph::Load(graph_path, options.dim, options.m, options.ef_construction, options.ef_search,
                               h.graph_elements, options.initial_capacity, options.storage,
                               options.vector_file_dir);
  if (!graph.ok()) return fail(graph.status().message());
  if (compact) {
    uint64_t rows_bytes, rows_checksum;
    std::memcpy(&rows_bytes, file.data() + file.size() - trailer_bytes, sizeof rows_bytes);
    std::memcpy(&rows_checksum, file.data() + file.size() - sizeof rows_checksum, sizeof rows_checksum);
    if (rows_bytes != h.graph_elements * dim * sizeof(float)) return fail("vector file size mismatch");
    if (Status st = (*graph)->LoadRows(path + ".f32", rows_checksum); !st.ok()) return fail(st.message());
  }
  if ((*graph)->live() != h.graph_live) return fail("live count mismatch");
  auto impl = std::make_unique<Impl>(options, std::move(graph).value());

  const char* labels = file.data() + sizeof h;
  const char* rows = labels + h.pending_count * sizeof(uint64_t);
  std::unique_lock lock(impl->mu);
  for (size_t i = 0; i < h.pending_count; ++i) {
    uint64_t label;
    std::memcpy(&label, labels + i * sizeof label, sizeof label);
    if (impl->FindVector(label) != nullptr) return fail("label " + std::to_string(label) + " stored twice");
    std::vector<float> row(dim);
    std::memcpy(row.data(), rows + i * dim * sizeof(float), dim * sizeof(float));
    if (options.background_insert) {
      impl->pending.Put(label, row.data());
      impl->Enqueue(label);
    } else {
      impl->AddToGraphOrKeepPending(label, row.data());  // this mode keeps everything in the graph
    }
  }
  lock.unlock();
  impl->StartPromoting();
  return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(impl)));
}

}  // namespace exemplar::index
