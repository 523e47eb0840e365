// Catalog::Save / Load: the live entries with their interned strings, written as they are in
// memory, so a restart does not re-read every row and re-fingerprint its content.
#include <mutex>

#include "index/snapshot_file.h"
#include "service/examples/catalog.h"
#include "service/quality/content_hash.h"
#include "service/quality/pii.h"

namespace exemplar::service {
namespace {

constexpr uint32_t kVersion = 1;

// A fingerprint of how content becomes catalog hashes (normalisation, field hashes, the PII kinds
// behind the flag bits): a build that changes any of them writes a different probe, so its
// snapshots and ours are not mixed.
uint64_t Probe() {
  index::Checksum sum;
  const ContentFingerprint fp =
      Fingerprint(R"({"Question": "  Où  est\tla GARE? ", "n": 3, "ok": true, "list": [1, "a"], "x": null})");
  sum.Update(reinterpret_cast<const char*>(&fp.normalized), sizeof fp.normalized);
  for (const auto& [key, hash] : fp.fields) {
    sum.Update(key.data(), key.size());
    sum.Update(reinterpret_cast<const char*>(&hash), sizeof hash);
  }
  for (const std::string& kind : kPiiKinds) sum.Update(kind.data(), kind.size() + 1);  // with the NUL
  return sum.Digest();
}

index::SnapshotTag Tag(uint64_t change_seq) {
  return index::SnapshotTag{{'E', 'X', 'C', 'A', 'T', 'L', 'G', '1'}, kVersion, change_seq, Probe()};
}

}  // namespace

void Catalog::Clear() {
  std::unique_lock lock(mu_);
  entries_.clear();
  rows_by_id_.Clear();
  other_ids_.clear();
  strings_.clear();
  by_input_.Clear();
  fields_.clear();
  dropped_fields_ = 0;
  alive_ = 0;
  embedded_ = 0;
}

Status Catalog::Save(const std::string& path, uint64_t change_seq) const {
  index::BodyWriter w;
  {
    std::shared_lock lock(mu_);
    std::vector<const std::string*> strings(strings_.size() + 1, nullptr);  // by interned id
    for (const auto& [s, id] : strings_) strings[id] = &s;
    w.Put<uint64_t>(strings_.size());
    for (size_t id = 1; id < strings.size(); ++id) w.PutString(*strings[id]);
    w.Put<uint64_t>(alive_);
    for (const Entry& e : entries_) {
      if (!e.alive) continue;
      w.Put(e.row_id);
      for (uint32_t v : {e.databit, e.domain, e.function, e.difficulty, e.source, e.scope}) w.Put(v);
      w.PutArray(e.tags.data(), e.tags.size());
      for (float v : {e.quality, e.effectiveness, e.successes, e.failures}) w.Put(v);
      w.Put(e.input_hash);
      w.Put(e.output_hash);
      w.Put<uint32_t>(e.fields_n);
      for (uint32_t i = e.fields_at; i < e.fields_at + e.fields_n; ++i) {
        w.Put(uint32_t{fields_[i].key});  // copies: Field is packed, Put takes a reference
        w.Put(uint64_t{fields_[i].hash});
      }
      w.Put(e.pii);
      w.Put<uint8_t>(e.has_vector ? 1 : 0);
      w.PutString(IdOfEntry(e));
    }
  }
  return index::WriteSnapshotFile(path, Tag(change_seq), w.body());
}

Status Catalog::Load(const std::string& path, uint64_t expected_seq) {
  Clear();
  EXEMPLAR_ASSIGN_OR_RETURN(std::string body, index::ReadSnapshotFile(path, Tag(expected_seq)));
  auto fail = [&](const char* why) { return Status::FailedPrecondition(path + ": " + why); };
  index::BodyReader r(body);
  const auto string_count = r.Get<uint64_t>();
  if (!r.Fits(string_count, 4) || string_count >= UINT32_MAX - 1) return fail("string count exceeds the file");
  std::unordered_map<std::string, uint32_t> strings;
  strings.reserve(string_count);
  for (uint32_t id = 1; id <= string_count; ++id) {
    if (!strings.emplace(std::string(r.GetString()), id).second || !r.ok()) return fail("bad string table");
  }
  const auto count = r.Get<uint64_t>();
  if (!r.Fits(count, 8 + 6 * 4 + 8 + 4 * 4 + 16 + 4 + 2 + 4)) return fail("entry count exceeds the file");
  // Filled in place (entries_ stays sorted), so an id stored twice is found as the entries come in.
  std::unique_lock lock(mu_);
  auto failed = [&](const char* why) {
    entries_.clear();
    fields_.clear();
    rows_by_id_.Clear();
    other_ids_.clear();
    by_input_.Clear();
    return fail(why);
  };
  entries_.reserve(count);
  rows_by_id_.Reserve(count);
  by_input_.Reserve(count);
  size_t embedded = 0;
  auto interned = [&](uint32_t v) { return v <= string_count; };
  for (size_t i = 0; i < count; ++i) {
    Entry e;
    e.row_id = r.Get<int64_t>();
    for (uint32_t* v : {&e.databit, &e.domain, &e.function, &e.difficulty, &e.source, &e.scope}) *v = r.Get<uint32_t>();
    r.GetArray(&e.tags);
    for (float* v : {&e.quality, &e.effectiveness, &e.successes, &e.failures}) *v = r.Get<float>();
    e.input_hash = r.Get<uint64_t>();
    e.output_hash = r.Get<uint64_t>();
    const auto fields = r.Get<uint32_t>();
    if (!r.Fits(fields, 12)) return failed("truncated entry");
    e.fields_at = static_cast<uint32_t>(fields_.size());
    e.fields_n = fields;
    for (uint32_t f = 0; f < fields; ++f) {
      const auto key = r.Get<uint32_t>();
      fields_.push_back({key, r.Get<uint64_t>()});
      if (!interned(key)) return failed("entry names an unknown string");
    }
    e.pii = r.Get<uint8_t>();
    e.has_vector = r.Get<uint8_t>() != 0;
    const std::string_view id = r.GetString();
    if (!r.ok()) return failed("truncated entry");
    if (!entries_.empty() && e.row_id <= entries_.back().row_id) return failed("entries out of order");
    for (uint32_t v : {e.databit, e.domain, e.function, e.difficulty, e.source, e.scope}) {
      if (!interned(v)) return failed("entry names an unknown string");
    }
    for (uint32_t t : e.tags) {
      if (!interned(t)) return failed("entry names an unknown string");
    }
    const std::string id_string(id);
    if (LiveRowOf(id_string)) return failed("example id stored twice");
    SetId(e, id_string);
    by_input_.Insert(e.input_hash, e.row_id);
    if (e.has_vector) ++embedded;
    entries_.push_back(std::move(e));
  }
  if (!r.done()) return failed("trailing bytes");
  fields_.shrink_to_fit();
  strings_ = std::move(strings);
  alive_ = entries_.size();
  embedded_ = embedded;
  return Status::Ok();
}

}  // namespace exemplar::service
