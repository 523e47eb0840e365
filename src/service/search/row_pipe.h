// RowPipe: the bounded hand-over of scanned rows between SearchIndex's scanning and keyword
// threads.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "storage/records.h"

namespace exemplar::service {

// Hands batches of scanned rows from the scanning thread to the keyword thread (bounded, so a
// slow consumer holds the scan back instead of buffering the whole table).
class RowPipe {
 public:
  void Push(std::vector<Example> batch) {
    std::unique_lock lock(mu_);
    room_.wait(lock, [this] { return batches_.size() < kMaxBatches; });
    batches_.push_back(std::move(batch));
    ready_.notify_one();
  }
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    ready_.notify_one();
  }
  // Empty once closed and drained.
  std::vector<Example> Pop() {
    std::unique_lock lock(mu_);
    ready_.wait(lock, [this] { return closed_ || !batches_.empty(); });
    if (batches_.empty()) return {};
    std::vector<Example> batch = std::move(batches_.front());
    batches_.pop_front();
    room_.notify_one();
    return batch;
  }

 private:
  static constexpr size_t kMaxBatches = 8;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<std::vector<Example>> batches_;
  bool closed_ = false;
};

}  // namespace exemplar::service
