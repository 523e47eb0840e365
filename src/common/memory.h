// The process's heap as glibc malloc sees it, and giving its free pages back to the OS
// (issue 24, item 2: memory you can predict). Linux + glibc; elsewhere the figures are zero.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>

namespace exemplar {

struct MallocStats {
  size_t arena_bytes = 0;   // obtained from the OS by sbrk / arena heaps (not the large mmap blocks)
  size_t mmap_bytes = 0;    // large blocks, each its own mmap (the HNSW graph, vector rows)
  size_t in_use_bytes = 0;  // allocated and not yet freed, in the arenas
  size_t free_bytes = 0;    // freed but kept by malloc (in the arenas; resident or not)
  int arenas = 0;           // malloc arenas (glibc makes up to 8 per core for threads that contend)
};

MallocStats ReadMallocStats();

// Returns malloc's free pages inside every arena to the OS (glibc malloc_trim(0)): after bulk
// work (an import, a rebuild) whose temporaries are freed but stay resident otherwise. Data in
// use is untouched. Returns the anonymous RSS released, in bytes (0 when nothing was).
size_t ReleaseFreeMemory();

// Caps glibc's malloc arenas at `arenas` (M_ARENA_MAX; 0 = two per core), unless the operator set
// MALLOC_ARENA_MAX in the environment, which wins. glibc's own cap is 8 per core: at 100k examples
// (int8 vectors) 16 arenas held 134 MB freed but resident after a batch ingest, 2 arenas 14 MB,
// with the same request throughput (bench/README.md, "Memory at 100k"). Call before threads
// start. Returns the cap in force (0 when left to glibc).
int LimitMallocArenas(int arenas);

// The process's resident anonymous memory (RssAnon of /proc/self/status), in bytes; 0 if unknown.
size_t ResidentAnonBytes();

// Gives malloc's free pages back after bulk work. glibc keeps freed memory in its arenas (one per
// contending thread, up to 8 per core) and returns only the top of each heap by itself, so the
// temporaries of an import, a batch ingest or an index rebuild stay resident after they are
// freed (at 100k examples ~115 MB; bench/README.md, "Memory at 100k"). Every `interval` this
// reads the resident anonymous memory; once it has grown by `min_growth` bytes since the last
// release and then held still for an interval (the bulk work ended), it calls `release`. Steady
// request load does not grow the heap, so it releases nothing then.
class MemoryReleaser {
 public:
  struct Options {
    std::chrono::milliseconds interval{1000};
    size_t min_growth = size_t{32} << 20;
    std::function<size_t()> resident = ResidentAnonBytes;
    std::function<size_t()> release = ReleaseFreeMemory;
    std::function<void(size_t released, double ms)> on_release;  // e.g. a log line
    bool start_thread = true;  // false: the caller drives Tick() (tests)
  };
  explicit MemoryReleaser(Options options);
  ~MemoryReleaser();
  MemoryReleaser(const MemoryReleaser&) = delete;
  MemoryReleaser& operator=(const MemoryReleaser&) = delete;

  // One check; returns true when it released.
  bool Tick();
  size_t releases() const;

 private:
  Options options_;
  size_t baseline_ = 0;  // resident bytes after the last release (or at start, or the lowest since)
  size_t last_ = 0;      // resident bytes at the previous tick
  size_t releases_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace exemplar
