// WorkerPool: a fixed set of threads running request handlers, apart from the I/O threads so a
// handler that blocks on the store, an embedding provider or a lock never stalls the event loop.
// The queue needs no bound of its own: each connection has at most one task queued or running,
// so it is bounded by the connection limit. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace exemplar::api {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();  // Stop()

  // Queues `task`; it runs on a worker thread. Ignored after Stop().
  void Submit(std::function<void()> task);
  // Lets running tasks finish, drops queued ones and joins the threads. Idempotent.
  void Stop();

 private:
  void Work();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                     // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace exemplar::api
