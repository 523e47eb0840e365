#include "service/examples/rows_by_hash.h"

namespace exemplar::service {
namespace {

constexpr size_t kMinSlots = 16;

}  // namespace

void RowsByHash::Insert(uint64_t hash, int64_t row) {
  if ((size_ + 1) * 4 > slots_.size() * 3) Grow(slots_.empty() ? kMinSlots : slots_.size() * 2);
  const size_t mask = slots_.size() - 1;
  size_t i = Home(hash);
  while (slots_[i].row != kEmpty) i = (i + 1) & mask;
  slots_[i] = {hash, row};
  ++size_;
}

bool RowsByHash::Erase(uint64_t hash, int64_t row) {
  if (slots_.empty()) return false;
  const size_t mask = slots_.size() - 1;
  size_t hole = Home(hash);
  for (;; hole = (hole + 1) & mask) {
    if (slots_[hole].row == kEmpty) return false;
    if (slots_[hole].hash == hash && slots_[hole].row == row) break;
  }
  // Backward-shift deletion: each following slot of the run moves into the hole unless its home
  // lies cyclically after the hole.
  for (size_t i = (hole + 1) & mask; slots_[i].row != kEmpty; i = (i + 1) & mask) {
    if (((i - Home(slots_[i].hash)) & mask) >= ((i - hole) & mask)) {
      slots_[hole] = slots_[i];
      hole = i;
    }
  }
  slots_[hole] = Slot{};
  --size_;
  return true;
}

void RowsByHash::Reserve(size_t rows) {
  size_t slots = slots_.empty() ? kMinSlots : slots_.size();
  while (rows * 4 > slots * 3) slots *= 2;
  if (slots > slots_.size()) Grow(slots);
}

void RowsByHash::Clear() {
  std::vector<Slot>().swap(slots_);
  size_ = 0;
  shift_ = 64;
}

void RowsByHash::Grow(size_t slots) {
  std::vector<Slot> old(slots);
  old.swap(slots_);
  shift_ = 64;
  for (size_t s = slots; s > 1; s >>= 1) --shift_;
  const size_t mask = slots - 1;
  for (const Slot& s : old) {
    if (s.row == kEmpty) continue;
    size_t i = Home(s.hash);
    while (slots_[i].row != kEmpty) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

}  // namespace exemplar::service
