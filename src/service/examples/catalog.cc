#include "service/examples/catalog.h"

#include <algorithm>
#include <mutex>

#include "service/quality/content_hash.h"
#include "service/quality/pii.h"

namespace exemplar::service {
namespace {

std::string ScopeKey(const Example& e) { return e.databit_id.value_or("") + "|" + e.domain; }

void EraseInput(std::unordered_multimap<uint64_t, int64_t>& m, uint64_t hash, int64_t row) {
  auto [b, end] = m.equal_range(hash);
  for (auto it = b; it != end; ++it) {
    if (it->second == row) {
      m.erase(it);
      return;
    }
  }
}

}  // namespace

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
  for (const auto& [key, hash] : in.fields) entry.fields.emplace_back(Intern("i:" + key), hash);
  for (const auto& [key, hash] : out.fields) entry.fields.emplace_back(Intern("o:" + key), hash);
  for (const auto& kind : e.pii_flags) {
    auto it = std::find(kPiiKinds.begin(), kPiiKinds.end(), kind);
    if (it != kPiiKinds.end()) entry.pii |= static_cast<uint8_t>(1u << (it - kPiiKinds.begin()));
  }
  entry.has_vector = e.has_embedding();
  by_input_.emplace(entry.input_hash, e.row_id);
  if (entry.has_vector) ++embedded_;
  if (Entry* existing = Find(e.row_id)) {
    if (!existing->alive) ++alive_;
    else EraseInput(by_input_, existing->input_hash, e.row_id);
    if (existing->alive && existing->has_vector) --embedded_;
    *existing = std::move(entry);
  } else {
    // Row ids grow, so appending keeps entries_ sorted; an older row (replay) is inserted in place.
    auto it = std::lower_bound(entries_.begin(), entries_.end(), e.row_id,
                               [](const Entry& x, int64_t r) { return x.row_id < r; });
    entries_.insert(it, std::move(entry));
    ++alive_;
  }
  id_to_row_[e.id] = e.row_id;
  row_to_id_[e.row_id] = e.id;
}

void Catalog::Remove(int64_t row_id) {
  std::unique_lock lock(mu_);
  Entry* e = Find(row_id);
  if (!e || !e->alive) return;
  e->alive = false;
  --alive_;
  if (e->has_vector) --embedded_;
  EraseInput(by_input_, e->input_hash, row_id);
  auto it = row_to_id_.find(row_id);
  if (it != row_to_id_.end()) {
    id_to_row_.erase(it->second);
    row_to_id_.erase(it);
  }
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
  auto it = id_to_row_.find(id);
  if (it == id_to_row_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Catalog::IdOf(int64_t row_id) const {
  std::shared_lock lock(mu_);
  auto it = row_to_id_.find(row_id);
  if (it == row_to_id_.end()) return std::nullopt;
  return it->second;
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
  auto [b, end] = by_input_.equal_range(hash);
  for (auto it = b; it != end; ++it) {
    auto id = row_to_id_.find(it->second);
    if (id != row_to_id_.end() && id->second == e.id) continue;
    auto entry = std::lower_bound(entries_.begin(), entries_.end(), it->second,
                                  [](const Entry& x, int64_t r) { return x.row_id < r; });
    if (entry == entries_.end() || entry->row_id != it->second || !entry->alive) continue;
    if (entry->scope != scope->second) continue;
    out.push_back({entry->row_id, entry->scope, entry->input_hash, entry->output_hash});
  }
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
    auto it = id_to_row_.find(id);
    if (it != id_to_row_.end()) id_rows.push_back(it->second);
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
      for (const auto& [k, h] : e.fields) {
        if (k == key && std::find(hashes.begin(), hashes.end(), h) != hashes.end()) hit = true;
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
