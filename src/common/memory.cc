#include "common/memory.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace exemplar {

MallocStats ReadMallocStats() {
  MallocStats s;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 mi = mallinfo2();
  s.arena_bytes = mi.arena;
  s.mmap_bytes = mi.hblkhd;
  s.in_use_bytes = mi.uordblks;
  s.free_bytes = mi.fordblks;
  // Arenas: malloc_info's XML has one <heap nr="…"> element per arena.
  char* buf = nullptr;
  size_t len = 0;
  if (FILE* f = open_memstream(&buf, &len)) {
    malloc_info(0, f);
    std::fclose(f);
    for (const char* p = buf; p && (p = std::strstr(p, "<heap nr=")) != nullptr; p += 9) ++s.arenas;
    std::free(buf);
  }
#endif
  return s;
}

size_t ResidentAnonBytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::strtoull(line.c_str() + 8, nullptr, 10) * 1024;
  }
  return 0;
}

int LimitMallocArenas(int arenas) {
#if defined(__GLIBC__)
  if (const char* env = std::getenv("MALLOC_ARENA_MAX"); env != nullptr && *env != '\0') return 0;
  if (arenas <= 0) arenas = 2 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return mallopt(M_ARENA_MAX, arenas) == 1 ? arenas : 0;
#else
  (void)arenas;
  return 0;
#endif
}

size_t ReleaseFreeMemory() {
#if defined(__GLIBC__)
  const size_t before = ResidentAnonBytes();
  malloc_trim(0);
  const size_t after = ResidentAnonBytes();
  return before > after ? before - after : 0;
#else
  return 0;
#endif
}

MemoryReleaser::MemoryReleaser(Options options) : options_(std::move(options)) {
  baseline_ = last_ = options_.resident();
  if (!options_.start_thread) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, options_.interval, [this] { return stop_; })) {
      lock.unlock();
      Tick();
      lock.lock();
    }
  });
}

MemoryReleaser::~MemoryReleaser() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool MemoryReleaser::Tick() {
  const size_t now = options_.resident();
  const size_t step = now > last_ ? now - last_ : last_ - now;
  last_ = now;
  baseline_ = std::min(baseline_, now);
  // Held still: moved by less than 1/8 of the growth that triggers a release.
  if (now < baseline_ + options_.min_growth || step >= options_.min_growth / 8) return false;
  const auto start = std::chrono::steady_clock::now();
  const size_t released = options_.release();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  baseline_ = last_ = options_.resident();
  {
    std::lock_guard lock(mu_);
    ++releases_;
  }
  if (options_.on_release) options_.on_release(released, ms);
  return true;
}

size_t MemoryReleaser::releases() const {
  std::lock_guard lock(mu_);
  return releases_;
}

}  // namespace exemplar
