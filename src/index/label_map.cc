#include "index/label_map.h"

#include <utility>

namespace exemplar::index {
namespace {

constexpr size_t kMinSlots = 16;

}  // namespace

size_t LabelMap::SlotOf(uint64_t label) const {
  // Labels are mostly consecutive numbers: multiplying by 2^64 / φ spreads them over the table.
  return static_cast<size_t>((label * 0x9E3779B97F4A7C15ULL) >> shift_);
}

size_t LabelMap::FindSlot(uint64_t label) const {
  if (keys_.empty()) return 0;
  const size_t mask = keys_.size() - 1;
  for (size_t i = SlotOf(label);; i = (i + 1) & mask) {
    if (keys_[i] == label) return i;
    if (keys_[i] == kEmpty) return keys_.size();
  }
}

const uint32_t* LabelMap::Find(uint64_t label) const {
  if (label == kEmpty) return has_empty_key_ ? &empty_key_id_ : nullptr;
  const size_t i = FindSlot(label);
  return i < keys_.size() ? &ids_[i] : nullptr;
}

uint32_t* LabelMap::Find(uint64_t label) {
  return const_cast<uint32_t*>(std::as_const(*this).Find(label));
}

bool LabelMap::Insert(uint64_t label, uint32_t id) {
  if (label == kEmpty) {
    if (has_empty_key_) return false;
    has_empty_key_ = true;
    empty_key_id_ = id;
    ++size_;
    return true;
  }
  if ((size_ + 1) * 4 > keys_.size() * 3) Grow(keys_.empty() ? kMinSlots : keys_.size() * 2);
  const size_t mask = keys_.size() - 1;
  size_t i = SlotOf(label);
  for (; keys_[i] != kEmpty; i = (i + 1) & mask) {
    if (keys_[i] == label) return false;
  }
  keys_[i] = label;
  ids_[i] = id;
  ++size_;
  return true;
}

void LabelMap::Set(uint64_t label, uint32_t id) {
  if (uint32_t* at = Find(label)) {
    *at = id;
  } else {
    Insert(label, id);
  }
}

bool LabelMap::Erase(uint64_t label) {
  if (label == kEmpty) {
    if (!has_empty_key_) return false;
    has_empty_key_ = false;
    --size_;
    return true;
  }
  size_t hole = FindSlot(label);
  if (hole >= keys_.size()) return false;
  // Backward-shift deletion: move each following entry of the run into the hole unless its home
  // slot lies cyclically after the hole (then it is already as close to home as it can be).
  const size_t mask = keys_.size() - 1;
  for (size_t i = (hole + 1) & mask; keys_[i] != kEmpty; i = (i + 1) & mask) {
    const size_t home = SlotOf(keys_[i]);
    if (((i - home) & mask) >= ((i - hole) & mask)) {
      keys_[hole] = keys_[i];
      ids_[hole] = ids_[i];
      hole = i;
    }
  }
  keys_[hole] = kEmpty;
  --size_;
  return true;
}

void LabelMap::Reserve(size_t labels) {
  size_t slots = keys_.empty() ? kMinSlots : keys_.size();
  while (labels * 4 > slots * 3) slots *= 2;
  if (slots > keys_.size()) Grow(slots);
}

void LabelMap::Clear() {
  std::vector<uint64_t>().swap(keys_);
  std::vector<uint32_t>().swap(ids_);
  size_ = 0;
  shift_ = 64;
  has_empty_key_ = false;
}

void LabelMap::Grow(size_t slots) {
  std::vector<uint64_t> old_keys(slots, kEmpty);
  std::vector<uint32_t> old_ids(slots);
  old_keys.swap(keys_);
  old_ids.swap(ids_);
  shift_ = 64;
  for (size_t s = slots; s > 1; s >>= 1) --shift_;
  const size_t mask = slots - 1;
  for (size_t j = 0; j < old_keys.size(); ++j) {
    if (old_keys[j] == kEmpty) continue;
    size_t i = SlotOf(old_keys[j]);
    while (keys_[i] != kEmpty) i = (i + 1) & mask;
    keys_[i] = old_keys[j];
    ids_[i] = old_ids[j];
  }
}

}  // namespace exemplar::index
