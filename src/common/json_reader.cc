// JsonReader (common/json_util.h): typed reads of a JSON object's fields that collect every error
// with its location, and the check that names keys nobody read (with the closest known key).
#include "common/json_util.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <optional>

#include "common/field_loc.h"
#include "common/json_key_observer.h"

namespace exemplar {

const Json* JsonReader::Get(const std::string& key) const {
  known_.push_back(key);
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool JsonReader::Has(const std::string& key) const {
  known_.push_back(key);
  return obj_.contains(key);
}
bool JsonReader::IsNull(const std::string& key) const {
  known_.push_back(key);
  auto it = obj_.find(key);
  return it != obj_.end() && it->is_null();
}

std::vector<std::string> JsonReader::Keys() const {
  std::vector<std::string> out;
  if (!obj_.is_object()) return out;
  for (auto it = obj_.begin(); it != obj_.end(); ++it) out.push_back(it.key());
  return out;
}

void JsonReader::Allow(std::initializer_list<const char*> keys) {
  for (const char* k : keys) known_.emplace_back(k);
}

namespace {
std::atomic<JsonKeyObserver> g_key_observer{nullptr};
}  // namespace

void SetJsonKeyObserver(JsonKeyObserver observer) { g_key_observer.store(observer); }

void JsonReader::RejectUnknownKeys() {
  if (auto observer = g_key_observer.load(std::memory_order_relaxed)) observer(base_, known_);
  if (!obj_.is_object()) return;
  // Sorted once: a body of many keys (a search may hold one content filter per key) is checked in
  // O(n log n), and at most kMaxReported unknown keys are named, so a body of a million unknown
  // keys gets a short answer, not one larger than itself.
  constexpr size_t kMaxReported = 20;
  std::vector<std::string> known = known_;
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  size_t unknown = 0;
  for (const auto& [key, _] : obj_.items()) {
    if (std::binary_search(known.begin(), known.end(), key)) continue;
    if (++unknown > kMaxReported) continue;
    const std::string near = ClosestKey(key, known);
    const bool flat_filters = (key == "filter" || key == "filters") && std::binary_search(known.begin(), known.end(), "domain");
    v_.Add(Loc(key),
           !near.empty() ? "unknown field; did you mean `" + near + "`?"
           : flat_filters ? "unknown field; filters are top-level keys here (`domain`, `capability_tags`, "
                            "`databit_id`, `input.<field>`, ...)"
                          : "unknown field",
           "value_error.extra");
  }
  if (unknown > kMaxReported) {
    v_.Add(base_, std::to_string(unknown - kMaxReported) + " more unknown fields (" + std::to_string(unknown) +
                      " in all; the first " + std::to_string(kMaxReported) + " are named)",
           "value_error.extra");
  }
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);  // Levenshtein with one row
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string ClosestKey(const std::string& key, const std::vector<std::string>& candidates) {
  // Routes that name one thing two ways (examples name their template `databit_id`, runs and
  // snapshots `template_id`; search takes `query_text`, retrieval `query`): the other name.
  static const std::vector<std::pair<std::string, std::string>> kSynonyms = {
      {"template_id", "databit_id"}, {"databit_id", "template_id"}, {"query", "query_text"},
      {"query_text", "query"},       {"filters", "filter"},         {"filter", "filters"}};
  for (const auto& [from, to] : kSynonyms) {
    if (key == from && std::find(candidates.begin(), candidates.end(), to) != candidates.end()) return to;
  }
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string k = lower(key);
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& cand : candidates) {
    const std::string c = lower(cand);
    size_t d = EditDistance(k, c);
    // "module_type" means "module": a known key inside the unknown one (or the reverse) is close.
    if (c.size() >= 3 && (k.find(c) != std::string::npos || c.find(k) != std::string::npos)) d = std::min<size_t>(d, 1);
    if (d < best_d) {
      best_d = d;
      best = cand;
    }
  }
  const size_t limit = std::max<size_t>(2, k.size() / 3);
  return best_d <= limit ? best : "";
}

std::vector<std::string> JsonReader::Loc(const std::string& key) const {
  auto loc = base_;
  loc.push_back(LocKey(key));  // a key of the object, even one such as "1"
  return loc;
}

std::optional<std::string> JsonReader::String(const std::string& key, size_t max_len) {
  const Json* j = Get(key);
  if (!j) return std::nullopt;
  if (!j->is_string()) {
    v_.Add(Loc(key), "must be a string", "type_error.str");
    return std::nullopt;
  }
  const auto& s = j->get_ref<const std::string&>();
  if (s.size() > max_len) {
    v_.Add(Loc(key), "longer than " + std::to_string(max_len) + " bytes", "value_error.too_long");
    return std::nullopt;
  }
  return s;
}

std::optional<int64_t> JsonReader::Int(const std::string& key, std::optional<int64_t> lo,
                                       std::optional<int64_t> hi) {
  const Json* j = Get(key);
  if (!j) return std::nullopt;
  if (!j->is_number_integer() && !j->is_number_unsigned()) {
    v_.Add(Loc(key), "must be an integer", "type_error.integer");
    return std::nullopt;
  }
  if (j->is_number_unsigned() && j->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    v_.Add(Loc(key), "integer out of range", "value_error.number");
    return std::nullopt;
  }
  int64_t n = j->get<int64_t>();
  if ((lo && n < *lo) || (hi && n > *hi)) {
    std::string msg = "must be";
    if (lo) msg += " >= " + std::to_string(*lo);
    if (lo && hi) msg += " and";
    if (hi) msg += " <= " + std::to_string(*hi);
    v_.Add(Loc(key), msg, "value_error.number.out_of_range");
    return std::nullopt;
  }
  return n;
}

std::optional<double> JsonReader::Number(const std::string& key, std::optional<double> lo,
                                         std::optional<double> hi) {
  const Json* j = Get(key);
  if (!j) return std::nullopt;
  if (!j->is_number()) {
    v_.Add(Loc(key), "must be a number", "type_error.float");
    return std::nullopt;
  }
  double d = j->get<double>();
  if ((lo && d < *lo) || (hi && d > *hi) || d != d) {
    std::string msg = "must be";
    if (lo) msg += " >= " + Json(*lo).dump();
    if (lo && hi) msg += " and";
    if (hi) msg += " <= " + Json(*hi).dump();
    v_.Add(Loc(key), msg, "value_error.number.out_of_range");
    return std::nullopt;
  }
  return d;
}

std::optional<bool> JsonReader::Bool(const std::string& key) {
  const Json* j = Get(key);
  if (!j) return std::nullopt;
  if (!j->is_boolean()) {
    v_.Add(Loc(key), "must be a boolean", "type_error.bool");
    return std::nullopt;
  }
  return j->get<bool>();
}

std::optional<Json> JsonReader::Object(const std::string& key) {
  const Json* j = Get(key);
  if (!j) return std::nullopt;
  if (!j->is_object()) {
    v_.Add(Loc(key), "must be a JSON object", "type_error.dict");
    return std::nullopt;
  }
  return *j;
}

std::optional<std::vector<std::string>> JsonReader::StringList(const std::string& key,
                                                               size_t max_items, size_t max_len) {
  const Json* j = Get(key);
  if (!j) return std::nullopt;
  if (!j->is_array()) {
    v_.Add(Loc(key), "must be a list of strings", "type_error.list");
    return std::nullopt;
  }
  if (j->size() > max_items) {
    v_.Add(Loc(key), "more than " + std::to_string(max_items) + " items", "value_error.list.max_items");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < j->size(); ++i) {
    const Json& e = (*j)[i];
    auto loc = Loc(key);
    loc.push_back(std::to_string(i));
    if (!e.is_string()) {
      v_.Add(loc, "must be a string", "type_error.str");
      return std::nullopt;
    }
    if (e.get_ref<const std::string&>().size() > max_len) {
      v_.Add(loc, "longer than " + std::to_string(max_len) + " bytes", "value_error.too_long");
      return std::nullopt;
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::optional<std::string> JsonReader::Enum(const std::string& key,
                                            const std::vector<std::string>& allowed) {
  auto s = String(key, 256);
  if (!s) return std::nullopt;
  for (const auto& a : allowed) {
    if (*s == a) return s;
  }
  std::string msg = "must be one of:";
  for (size_t i = 0; i < allowed.size(); ++i) msg += (i ? ", " : " ") + allowed[i];
  v_.Add(Loc(key), msg, "type_error.enum");
  return std::nullopt;
}

}  // namespace exemplar
