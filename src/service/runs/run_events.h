// RunEvents: the in-memory event stream of optimization runs (progress, trial, status, log), for
// Server-Sent Events. Each run keeps its events in order with increasing ids; readers wait for
// events after a cursor. Bounded per run. Thread-safe.
//
// The numbers count this process's events only: a replica, or this server after a restart, counts
// from 1 again. So the id a client sees (EventId) carries a token of the process that numbered it,
// and a Last-Event-ID from another process resumes from the start (ResumeAfter) instead of
// skipping as many of this process's events.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "common/json_util.h"

namespace exemplar::service {

struct RunEvent {
  int64_t id = 0;
  std::string type;  // progress | trial | status | log
  Json data;
};

class RunEvents {
 public:
  void Publish(const std::string& run_id, const std::string& type, Json data);
  // Marks the run's stream finished (no more events); readers drain and stop.
  void Finish(const std::string& run_id);
  // Ends every stream now and any created later (server shutdown): readers return at once.
  void CloseAll();
  // Events with id > after; waits up to `wait` for one. `finished` tells whether the stream ended.
  std::vector<RunEvent> Read(const std::string& run_id, int64_t after, std::chrono::milliseconds wait,
                             bool* finished);
  // Calls `wake` whenever the run gets an event or finishes (and on CloseAll), until Unwatch.
  // It is called on the publishing thread under this object's lock, so it must be short and must
  // not call back into RunEvents (an event stream's waker only posts to the event loop).
  uint64_t Watch(const std::string& run_id, std::function<void()> wake);
  void Unwatch(const std::string& run_id, uint64_t watch_id);

  // The Server-Sent Events id of event `n`: "<process token>-<n>".
  std::string EventId(int64_t n) const { return token_ + "-" + std::to_string(n); }
  // The cursor a stream resumes after for a client's Last-Event-ID: that event's number when this
  // process gave the id, 0 (every event kept) for any other id.
  int64_t ResumeAfter(std::string_view last_event_id) const;

 private:
  struct Stream {
    std::deque<RunEvent> events;
    int64_t next_id = 1;
    bool finished = false;
  };
  static constexpr size_t kMaxEventsPerRun = 5000;  // a run's whole history for typical budgets
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Stream> streams_;
  std::map<std::string, std::map<uint64_t, std::function<void()>>> watchers_;  // by run id
  uint64_t next_watch_id_ = 1;
  void WakeLocked(const std::string& run_id);
  bool closed_ = false;
  const std::string token_ = NewUuid().substr(0, 8);
};

}  // namespace exemplar::service
