// RwLock: a reader-writer lock where a waiting writer goes first. Internal to the index library.
//
// std::shared_mutex is glibc's default rwlock, which prefers readers: a steady stream of
// overlapping searches can then hold off an Upsert indefinitely (observed in the concurrency test).
// Here, once a writer waits, new readers queue behind it, so a write waits at most for the
// searches already running. Satisfies SharedLockable: use with std::shared_lock / unique_lock.
// Not recursive: a thread must not take a shared lock it already holds.
#pragma once

#include <pthread.h>

namespace exemplar::index {

class RwLock {
 public:
  RwLock() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&rw_, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  ~RwLock() { pthread_rwlock_destroy(&rw_); }
  RwLock(const RwLock&) = delete;
  RwLock& operator=(const RwLock&) = delete;

  void lock() { pthread_rwlock_wrlock(&rw_); }
  bool try_lock() { return pthread_rwlock_trywrlock(&rw_) == 0; }
  void unlock() { pthread_rwlock_unlock(&rw_); }
  void lock_shared() { pthread_rwlock_rdlock(&rw_); }
  bool try_lock_shared() { return pthread_rwlock_tryrdlock(&rw_) == 0; }
  void unlock_shared() { pthread_rwlock_unlock(&rw_); }

 private:
  pthread_rwlock_t rw_;
};

}  // namespace exemplar::index
