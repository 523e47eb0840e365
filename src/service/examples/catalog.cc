#include "service/examples/catalog.h"

#include <algorithm>
#include <mutex>

#include "service/quality/content_hash.h"
#include "service/quality/pii.h"

namespace exemplar::service {
namespace {

std::string ScopeKey(const Example& e) { return e.databit_id.value_or("") + "|" + e.domain; }

// Every id the API assigns or accepts is a UUID stored in canonical form (36 characters, lowercase
// hex, dashes at 8, 13, 18 and 23): the catalog keeps its 128 bits, not a string.
bool ParseCanonicalUuid(std::string_view s, uint64_t* hi, uint64_t* lo) {
  if (s.size() != 36) return false;
  uint64_t half[2] = {0, 0};
  int digits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
      continue;
    }
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else {
      return false;
    }
    uint64_t& h = half[digits / 16];
    h = h << 4 | static_cast<uint64_t>(v);
    ++digits;
  }
  *hi = half[0];
  *lo = half[1];
  return true;
}

std::string FormatUuid(uint64_t hi, uint64_t lo) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(36, '-');
  size_t at = 0;
  for (int d = 0; d < 32; ++d) {
    if (at == 8 || at == 13 || at == 18 || at == 23) ++at;
    const uint64_t h = d < 16 ? hi : lo;
    s[at++] = kHex[(h >> (60 - 4 * (d % 16))) & 0xF];
  }
  return s;
}

uint64_t UuidHash(uint64_t hi, uint64_t lo) { return hi ^ (lo * 0xC2B2AE3D27D4EB4FULL); }

uint64_t IdHash(const std::string& id) {
  uint64_t hi, lo;
  return ParseCanonicalUuid(id, &hi, &lo) ? UuidHash(hi, lo) : std::hash<std::string>{}(id);
}

}  // namespace

void Catalog::SetId(Entry& entry, const std::string& id) {
  entry.uuid_id = ParseCanonicalUuid(id, &entry.id_hi, &entry.id_lo);
  if (!entry.uuid_id) other_ids_[entry.row_id] = id;
  rows_by_id_.Insert(entry.uuid_id ? UuidHash(entry.id_hi, entry.id_lo) : std::hash<std::string>{}(id),
                     entry.row_id);
}

void Catalog::DropId(const Entry& entry) {
  if (entry.uuid_id) {
    rows_by_id_.Erase(UuidHash(entry.id_hi, entry.id_lo), entry.row_id);
    return;
  }
  auto it = other_ids_.find(entry.row_id);
  if (it == other_ids_.end()) return;
  rows_by_id_.Erase(std::hash<std::string>{}(it->second), entry.row_id);
  other_ids_.erase(it);
}

std::string Catalog::IdOfEntry(const Entry& entry) const {
  if (entry.uuid_id) return FormatUuid(entry.id_hi, entry.id_lo);
  auto it = other_ids_.find(entry.row_id);
  return it == other_ids_.end() ? std::string() : it->second;
}

bool Catalog::HasId(const Entry& entry, const std::string& id) const {
  uint64_t hi, lo;
  if (entry.uuid_id) return ParseCanonicalUuid(id, &hi, &lo) && hi == entry.id_hi && lo == entry.id_lo;
  auto it = other_ids_.find(entry.row_id);
  return it != other_ids_.end() && it->second == id;
}

std::optional<int64_t> Catalog::LiveRowOf(const std::string& id) const {
  std::optional<int64_t> found;
  rows_by_id_.ForEach(IdHash(id), [&](int64_t row) {
    const Entry* e = FindLive(row);
    if (!found && e && HasId(*e, id)) found = row;
  });
  return found;
}

void Catalog::AddFields(Entry& entry, const std::vector<Field>& fields) {
  entry.fields_at = static_cast<uint32_t>(fields_.size());
  entry.fields_n = static_cast<uint32_t>(fields.size());
  fields_.insert(fields_.end(), fields.begin(), fields.end());
}

void Catalog::DropFields(const Entry& entry) {
  dropped_fields_ += entry.fields_n;
  if (dropped_fields_ < 4096 || dropped_fields_ * 2 < fields_.size()) return;
  // Most of the array is dropped fields: copy the live entries' out, in entry order. The entry
  // being dropped is dead or about to be replaced, so its fields go too.
  std::vector<Field> kept;
  kept.reserve(fields_.size() - dropped_fields_);
  for (Entry& e : entries_) {
    if (!e.alive || &e == &entry) {
      e.fields_n = 0;
      continue;
    }
    const auto at = static_cast<uint32_t>(kept.size());
    kept.insert(kept.end(), fields_.begin() + e.fields_at, fields_.begin() + e.fields_at + e.fields_n);
    e.fields_at = at;
  }
  fields_ = std::move(kept);
  dropped_fields_ = 0;
}

const Catalog::Entry* Catalog::FindLive(int64_t row_id) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), row_id,
                             [](const Entry& e, int64_t r) { return e.row_id < r; });
  if (it == entries_.end() || it->row_id != row_id || !it->alive) return nullptr;
  return &*it;
}

uint32_t Catalog::Intern(const std::string& s) {
  auto [it, inserted] = strings_.emplace(s, static_cast<uint32_t>(strings_.size() + 1));
  return it->second;
}

uint32_t Catalog::Lookup(const std::optional<std::string>& s) const {
  if (!s) return 0;
  auto it = strings_.find(*s);
  return it == strings_.end() ? UINT32_MAX : it->second;
}

Catalog::Entry* Catalog::Find(int64_t row_id) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), row_id,
                             [](const Entry& e, int64_t r) { return e.row_id < r; });
  if (it == entries_.end() || it->row_id != row_id) return nullptr;
  return &*it;
}

void Catalog::Upsert(const Example& e, const ExampleFingerprint* fp) {
  // Content fingerprints are computed before taking the lock: searches wait only for the insert.
  std::optional<ExampleFingerprint> own;
  if (!fp) fp = &own.emplace(FingerprintExample(e));
  const ContentFingerprint &in = fp->input, &out = fp->output;
  std::unique_lock lock(mu_);
  Entry entry;
  entry.row_id = e.row_id;
  entry.databit = e.databit_id ? Intern(*e.databit_id) : 0;
  entry.domain = Intern(e.domain);
  entry.function = e.function_name ? Intern(*e.function_name) : 0;
  entry.difficulty = Intern(e.difficulty);
  entry.source = Intern(e.source);
  for (const auto& t : e.capability_tags) entry.tags.push_back(Intern(t));
  entry.quality = e.quality_score ? static_cast<float>(*e.quality_score) : -1.f;
  auto eff = e.effectiveness_score();
  entry.effectiveness = eff ? static_cast<float>(*eff) : -1.f;
  entry.successes = static_cast<float>(e.success_count);
  entry.failures = static_cast<float>(e.failure_count);
  entry.scope = Intern(ScopeKey(e));
  entry.input_hash = in.normalized;
  entry.output_hash = out.normalized;
  std::vector<Field> fields;
  for (const auto& [key, hash] : in.fields) fields.push_back({Intern("i:" + key), hash});
  for (const auto& [key, hash] : out.fields) fields.push_back({Intern("o:" + key), hash});
  for (const auto& kind : e.pii_flags) {
    auto it = std::find(kPiiKinds.begin(), kPiiKinds.end(), kind);
    if (it != kPiiKinds.end()) entry.pii |= static_cast<uint8_t>(1u << (it - kPiiKinds.begin()));
  }
  entry.has_vector = e.has_embedding();
  by_input_.Insert(entry.input_hash, e.row_id);
  if (entry.has_vector) ++embedded_;
  Entry* existing = Find(e.row_id);
  if (existing && existing->alive) {
    by_input_.Erase(existing->input_hash, e.row_id);
    DropId(*existing);
    DropFields(*existing);
    if (existing->has_vector) --embedded_;
  } else {
    ++alive_;
  }
  SetId(entry, e.id);
  AddFields(entry, fields);
  if (existing) {
    *existing = std::move(entry);
  } else {
    // Row ids grow, so appending keeps entries_ sorted; an older row (replay) is inserted in place.
    auto it = std::lower_bound(entries_.begin(), entries_.end(), e.row_id,
                               [](const Entry& x, int64_t r) { return x.row_id < r; });
    entries_.insert(it, std::move(entry));
  }
}

void Catalog::Remove(int64_t row_id) {
  std::unique_lock lock(mu_);
  Entry* e = Find(row_id);
  if (!e || !e->alive) return;
  e->alive = false;
  --alive_;
  if (e->has_vector) --embedded_;
  by_input_.Erase(e->input_hash, row_id);
  DropId(*e);
  DropFields(*e);
  // Compact when dead entries dominate, so scans stay proportional to live examples.
  if (entries_.size() > 1024 && alive_ * 2 < entries_.size()) {
    std::erase_if(entries_, [](const Entry& x) { return !x.alive; });
  }
}

void Catalog::SetEvidence(int64_t row_id, double successes, double failures) {
  std::unique_lock lock(mu_);
  Entry* e = Find(row_id);
  if (!e) return;
  e->successes = static_cast<float>(successes);
  e->failures = static_cast<float>(failures);
  e->effectiveness = successes + failures > 0
                         ? static_cast<float>((successes + 1) / (successes + failures + 2))
                         : -1.f;
}

std::pair<double, double> Catalog::Evidence(int64_t row_id) const {
  std::shared_lock lock(mu_);
  auto it = std::lower_bound(entries_.begin(), entries_.end(), row_id,
                             [](const Entry& e, int64_t r) { return e.row_id < r; });
  if (it == entries_.end() || it->row_id != row_id || !it->alive) return {0, 0};
  return {it->successes, it->failures};
}

size_t Catalog::size() const {
  std::shared_lock lock(mu_);
  return alive_;
}

size_t Catalog::MemoryBytes() const {
  std::shared_lock lock(mu_);
  size_t bytes = entries_.capacity() * sizeof(Entry) + fields_.capacity() * sizeof(Field) +
                 rows_by_id_.MemoryBytes() + by_input_.MemoryBytes();
  for (const Entry& e : entries_) bytes += e.tags.capacity() * sizeof(uint32_t);
  for (const auto& [row, id] : other_ids_) bytes += 56 + (id.size() > 15 ? id.capacity() + 1 : 0);
  for (const auto& [s, id] : strings_) bytes += 56 + (s.size() > 15 ? s.capacity() + 1 : 0);
  return bytes;
}

size_t Catalog::embedded() const {
  std::shared_lock lock(mu_);
  return embedded_;
}

std::vector<uint64_t> Catalog::RowIds() const {
  std::shared_lock lock(mu_);
  std::vector<uint64_t> out;
  out.reserve(alive_);
  for (const auto& e : entries_) {
    if (e.alive) out.push_back(static_cast<uint64_t>(e.row_id));
  }
  return out;
}

std::optional<double> Catalog::Effectiveness(int64_t row_id) const {
  std::shared_lock lock(mu_);
  auto it = std::lower_bound(entries_.begin(), entries_.end(), row_id,
                             [](const Entry& e, int64_t r) { return e.row_id < r; });
  if (it == entries_.end() || it->row_id != row_id || !it->alive || it->effectiveness < 0) return std::nullopt;
  return it->effectiveness;
}

std::optional<int64_t> Catalog::RowIdOf(const std::string& id) const {
  std::shared_lock lock(mu_);
  return LiveRowOf(id);
}

std::optional<std::string> Catalog::IdOf(int64_t row_id) const {
  std::shared_lock lock(mu_);
  const Entry* e = FindLive(row_id);
  if (!e) return std::nullopt;
  return IdOfEntry(*e);
}

std::vector<CatalogRow> Catalog::Rows() const {
  std::shared_lock lock(mu_);
  std::vector<CatalogRow> out;
  out.reserve(alive_);
  for (const Entry& e : entries_) {
    if (e.alive) out.push_back({e.row_id, e.scope, e.input_hash, e.output_hash});
  }
  return out;
}

std::optional<CatalogRow> Catalog::Row(int64_t row_id) const {
  std::shared_lock lock(mu_);
  auto it = std::lower_bound(entries_.begin(), entries_.end(), row_id,
                             [](const Entry& e, int64_t r) { return e.row_id < r; });
  if (it == entries_.end() || it->row_id != row_id || !it->alive) return std::nullopt;
  return CatalogRow{it->row_id, it->scope, it->input_hash, it->output_hash};
}

std::vector<std::pair<std::string, std::vector<uint64_t>>> Catalog::VectorRowsByScope() const {
  std::shared_lock lock(mu_);
  std::unordered_map<uint32_t, std::vector<uint64_t>> rows;
  for (const Entry& e : entries_) {
    if (e.alive && e.has_vector) rows[e.scope].push_back(static_cast<uint64_t>(e.row_id));
  }
  std::vector<std::pair<std::string, std::vector<uint64_t>>> out;
  for (const auto& [name, id] : strings_) {
    auto it = rows.find(id);
    if (it != rows.end()) out.emplace_back(name, std::move(it->second));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second.size() != b.second.size() ? a.second.size() > b.second.size() : a.first < b.first;
  });
  return out;
}

std::optional<uint32_t> Catalog::ScopeIdOf(const std::string& key) const {
  std::shared_lock lock(mu_);
  auto it = strings_.find(key);
  if (it == strings_.end()) return std::nullopt;
  return it->second;
}

uint32_t Catalog::ScopeOf(const Example& e) const {
  std::shared_lock lock(mu_);
  auto it = strings_.find(ScopeKey(e));
  return it == strings_.end() ? 0 : it->second;
}

std::vector<CatalogRow> Catalog::SameInput(const Example& e, std::optional<uint64_t> input_hash) const {
  uint64_t hash = input_hash ? *input_hash : Fingerprint(e.input_json).normalized;
  std::shared_lock lock(mu_);
  std::vector<CatalogRow> out;
  auto scope = strings_.find(ScopeKey(e));
  if (scope == strings_.end()) return out;
  by_input_.ForEach(hash, [&](int64_t row) {
    const Entry* entry = FindLive(row);
    if (!entry || HasId(*entry, e.id) || entry->scope != scope->second) return;
    out.push_back({entry->row_id, entry->scope, entry->input_hash, entry->output_hash});
  });
  std::sort(out.begin(), out.end(), [](const CatalogRow& a, const CatalogRow& b) { return a.row_id < b.row_id; });
  return out;
}

std::optional<std::vector<uint64_t>> Catalog::Match(const storage::ExampleFilter& f) const {
  bool restricts = f.databit_id || f.domain || f.function_name || f.difficulty || f.source ||
                   !f.tags_any.empty() || !f.tags_all.empty() || f.min_quality_score ||
                   f.min_effectiveness_score || !f.ids.empty() || !f.content.empty() || f.pii;
  if (!restricts) return std::nullopt;
  std::shared_lock lock(mu_);
  std::vector<uint64_t> out;
  uint32_t databit = Lookup(f.databit_id), domain = Lookup(f.domain),
           function = Lookup(f.function_name), difficulty = Lookup(f.difficulty),
           source = Lookup(f.source);
  // A filter value never seen cannot match anything.
  for (uint32_t v : {databit, domain, function, difficulty, source}) {
    if (v == UINT32_MAX) return out;
  }
  std::vector<uint32_t> any, all;
  for (const auto& t : f.tags_any) {
    uint32_t id = Lookup(t);
    if (id != UINT32_MAX) any.push_back(id);
  }
  if (!f.tags_any.empty() && any.empty()) return out;
  for (const auto& t : f.tags_all) {
    uint32_t id = Lookup(t);
    if (id == UINT32_MAX) return out;
    all.push_back(id);
  }
  std::vector<int64_t> id_rows;
  for (const auto& id : f.ids) {
    if (auto row = LiveRowOf(id)) id_rows.push_back(*row);
  }
  std::sort(id_rows.begin(), id_rows.end());
  if (!f.ids.empty() && id_rows.empty()) return out;
  // Content filters: field key → the accepted value hashes.
  std::vector<std::pair<uint32_t, std::vector<uint64_t>>> content;
  for (const auto& c : f.content) {
    auto it = strings_.find((c.output ? "o:" : "i:") + c.key);
    if (it == strings_.end()) return out;
    std::vector<uint64_t> hashes;
    for (const auto& v : c.values) hashes.push_back(HashText(v));
    content.emplace_back(it->second, std::move(hashes));
  }
  uint8_t pii_mask = 0;
  if (f.pii) {
    auto it = std::find(kPiiKinds.begin(), kPiiKinds.end(), *f.pii);
    pii_mask = it == kPiiKinds.end() ? 0xFF : static_cast<uint8_t>(1u << (it - kPiiKinds.begin()));
  }
  auto content_ok = [&](const Entry& e) {
    for (const auto& [key, hashes] : content) {
      bool hit = false;
      for (uint32_t i = e.fields_at; i < e.fields_at + e.fields_n; ++i) {
        const uint64_t hash = fields_[i].hash;  // a copy: Field is packed, std::find takes a reference
        if (fields_[i].key == key && std::find(hashes.begin(), hashes.end(), hash) != hashes.end()) hit = true;
      }
      if (!hit) return false;
    }
    return true;
  };
  auto has = [](const std::vector<uint32_t>& tags, uint32_t t) {
    return std::find(tags.begin(), tags.end(), t) != tags.end();
  };
  float min_q = f.min_quality_score ? static_cast<float>(*f.min_quality_score) : -2.f;
  float min_e = f.min_effectiveness_score ? static_cast<float>(*f.min_effectiveness_score) : -2.f;
  for (const Entry& e : entries_) {
    if (!e.alive) continue;
    if (databit && e.databit != databit) continue;
    if (domain && e.domain != domain) continue;
    if (function && e.function != function) continue;
    if (difficulty && e.difficulty != difficulty) continue;
    if (source && e.source != source) continue;
    if (f.min_quality_score && e.quality < min_q - 1e-6f) continue;
    if (f.min_effectiveness_score) {
      float eff = e.effectiveness < 0 && f.missing_effectiveness_as
                      ? static_cast<float>(*f.missing_effectiveness_as)
                      : e.effectiveness;
      if (eff < min_e - 1e-6f) continue;
    }
    if (!any.empty() && std::none_of(any.begin(), any.end(), [&](uint32_t t) { return has(e.tags, t); }))
      continue;
    if (!all.empty() && !std::all_of(all.begin(), all.end(), [&](uint32_t t) { return has(e.tags, t); }))
      continue;
    if (!id_rows.empty() && !std::binary_search(id_rows.begin(), id_rows.end(), e.row_id)) continue;
    if (pii_mask && !(e.pii & pii_mask)) continue;
    if (!content.empty() && !content_ok(e)) continue;
    out.push_back(static_cast<uint64_t>(e.row_id));
  }
  return out;
}

}  // namespace exemplar::service
