#include "service/runs/run_events.h"

#include <charconv>

namespace exemplar::service {

void RunEvents::Publish(const std::string& run_id, const std::string& type, Json data) {
  {
    std::lock_guard lock(mu_);
    Stream& s = streams_[run_id];
    s.events.push_back({s.next_id++, type, std::move(data)});
    if (s.events.size() > kMaxEventsPerRun) s.events.pop_front();
    WakeLocked(run_id);
  }
  cv_.notify_all();
}

void RunEvents::Finish(const std::string& run_id) {
  {
    std::lock_guard lock(mu_);
    streams_[run_id].finished = true;
    WakeLocked(run_id);
  }
  cv_.notify_all();
}

void RunEvents::CloseAll() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [run_id, watchers] : watchers_) {
      for (auto& [id, wake] : watchers) wake();
    }
  }
  cv_.notify_all();
}

void RunEvents::WakeLocked(const std::string& run_id) {
  auto it = watchers_.find(run_id);
  if (it == watchers_.end()) return;
  for (auto& [id, wake] : it->second) wake();
}

uint64_t RunEvents::Watch(const std::string& run_id, std::function<void()> wake) {
  std::lock_guard lock(mu_);
  uint64_t id = next_watch_id_++;
  watchers_[run_id][id] = std::move(wake);
  return id;
}

void RunEvents::Unwatch(const std::string& run_id, uint64_t watch_id) {
  std::lock_guard lock(mu_);
  auto it = watchers_.find(run_id);
  if (it == watchers_.end()) return;
  it->second.erase(watch_id);
  if (it->second.empty()) watchers_.erase(it);
}

int64_t RunEvents::ResumeAfter(std::string_view last_event_id) const {
  const std::string prefix = token_ + "-";
  if (last_event_id.substr(0, prefix.size()) != prefix) return 0;
  const std::string_view number = last_event_id.substr(prefix.size());
  int64_t n = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), n);
  if (error != std::errc() || end != number.data() + number.size() || n < 0) return 0;
  return n;
}

std::vector<RunEvent> RunEvents::Read(const std::string& run_id, int64_t after,
                                      std::chrono::milliseconds wait, bool* finished) {
  std::unique_lock lock(mu_);
  auto ready = [&] {
    if (closed_) return true;
    auto it = streams_.find(run_id);
    if (it == streams_.end()) return false;
    return it->second.finished || (!it->second.events.empty() && it->second.events.back().id > after);
  };
  cv_.wait_for(lock, wait, ready);
  std::vector<RunEvent> out;
  auto it = streams_.find(run_id);
  *finished = closed_ || (it != streams_.end() && it->second.finished);
  if (it == streams_.end()) return out;
  for (const auto& e : it->second.events) {
    if (e.id > after) out.push_back(e);
  }
  return out;
}

}  // namespace exemplar::service
