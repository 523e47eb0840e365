#include "service/audit/audit.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "common/time.h"

namespace exemplar::service::audit {

void Describe(const std::string& entity, const std::vector<std::string>& ids, const Json& diff) {
  storage::AuditScope* scope = storage::AuditScope::Current();
  if (!scope) return;
  AuditRecord& e = scope->entry();
  // Distinct ids in first-seen order; a set, not a scan per id (a 1,000-item batch names 1,000).
  // Reserved first: the set's views into entity_ids stay valid while ids are appended.
  e.entity_ids.reserve(e.entity_ids.size() + ids.size());
  std::unordered_set<std::string_view> known(e.entity_ids.begin(), e.entity_ids.end());
  for (const auto& id : ids) {
    if (known.insert(id).second) e.entity_ids.push_back(id);
  }
  const bool has_diff = diff.is_object() && !diff.empty();
  if (!scope->described()) {
    // The first description names the change; later ones (a run's implicit snapshot) add to it.
    scope->set_described();
    if (!entity.empty()) e.entity = entity;
    if (has_diff) e.diff_json = DumpJson(diff);
  } else if (has_diff) {
    Json merged = Json::parse(e.diff_json, nullptr, false);
    if (!merged.is_object()) merged = Json::object();
    merged[entity.empty() ? "also" : entity] = diff;
    e.diff_json = DumpJson(merged);
  }
}

void NotRecorded() {
  // Marked as written, so neither a write transaction nor the route's wrapper appends it.
  if (storage::AuditScope* scope = storage::AuditScope::Current()) scope->MarkWritten();
}

const std::vector<std::string>& Entities() {
  static const std::vector<std::string> kEntities = {"example", "template", "run", "snapshot", "token"};
  return kEntities;
}

const std::set<std::string>& ContentFields() {
  static const std::set<std::string> kFields = {"input", "expected_output", "explanation", "attribution_notes",
                                                "search_keys", "examples", "prompt_template", "system_prompt"};
  return kFields;
}

Json Diff(const Json& before, const Json& after, const std::set<std::string>& ignored) {
  Json out = Json::object();
  if (!before.is_object() || !after.is_object()) return out;
  std::set<std::string> keys;
  for (const auto& [k, v] : before.items()) keys.insert(k);
  for (const auto& [k, v] : after.items()) keys.insert(k);
  for (const auto& k : keys) {
    if (ignored.count(k)) continue;
    Json a = before.contains(k) ? before[k] : Json(nullptr);
    Json b = after.contains(k) ? after[k] : Json(nullptr);
    if (a == b) continue;
    if (ContentFields().count(k)) {
      out[k] = {{"from_hash", Sha256Hex(DumpJson(a)).substr(0, 16)}, {"to_hash", Sha256Hex(DumpJson(b)).substr(0, 16)}};
    } else {
      out[k] = {{"from", a}, {"to", b}};
    }
  }
  return out;
}

std::string ContentHash(const std::string& input_json, const std::string& expected_output_json,
                        const std::optional<std::string>& explanation) {
  // Keys sorted (nlohmann objects are ordered maps), no whitespace: one text per content.
  Json canonical = {{"input", Json::parse(input_json, nullptr, false)},
                    {"expected_output", Json::parse(expected_output_json, nullptr, false)},
                    {"explanation", explanation ? Json(*explanation) : Json(nullptr)}};
  return Sha256Hex(DumpJson(canonical));
}

Json AuditToJson(const AuditRecord& r) {
  return {{"seq", r.seq},
          {"at", FormatRfc3339(r.at)},
          {"actor", r.actor},
          {"action", r.action},
          {"entity", r.entity},
          {"entity_ids", r.entity_ids},
          {"diff", Json::parse(r.diff_json, nullptr, false)},
          {"request_id", r.request_id.empty() ? Json(nullptr) : Json(r.request_id)}};
}

Result<int64_t> AuditLog::PurgeExpired() {
  if (retention_days_ <= 0) return int64_t{0};
  return store_.PurgeAuditBefore(NowMillis() - int64_t{retention_days_} * 24 * 3600 * 1000);
}

void AuditLog::StartRetention(std::chrono::milliseconds every) {
  if (retention_days_ <= 0 || thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this, every] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      auto n = PurgeExpired();
      if (!n.ok()) spdlog::warn("audit retention: {}", n.status().ToString());
      else if (*n > 0) spdlog::info("audit retention: removed {} entries older than {} days", *n, retention_days_);
      lock.lock();
      cv_.wait_for(lock, every, [this] { return stopping_; });
    }
  });
}

void AuditLog::StopRetention() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace exemplar::service::audit
