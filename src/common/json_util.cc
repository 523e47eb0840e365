#include "common/json_util.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cstring>
#include <optional>
#include <set>

#include "common/field_loc.h"
#include "common/json_key_observer.h"

namespace exemplar {
namespace {

// Keys of one object, on every path (a body and content alike, whatever its JsonLimits): a JSON
// object is a record of named fields, never a bulk container. Half a million keys in an example's
// input cost seconds of CPU to store and megabytes on every list page showing it. 1,000, as lists.
constexpr size_t kMaxObjectKeys = 1000;

bool HasNul(const std::string& s) { return s.find('\0') != std::string::npos; }

// The path to the first string (or key) holding a NUL. REQUIRES: depth already checked.
bool FindNul(const Json& v, std::vector<std::string>* loc) {
  if (v.is_string()) return HasNul(v.get_ref<const std::string&>());
  if (v.is_object()) {
    for (const auto& [k, child] : v.items()) {
      loc->push_back(LocKey(k));
      if (HasNul(k) || FindNul(child, loc)) return true;
      loc->pop_back();
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      loc->push_back(std::to_string(i));
      if (FindNul(v[i], loc)) return true;
      loc->pop_back();
    }
  }
  return false;
}

// The path from `v` to the value at `target` (appended to *loc), searching at most `depth_left`
// levels deep so that the search's recursion stays bounded.
bool FindPath(const Json& v, const Json* target, int depth_left, std::vector<std::string>* loc) {
  if (&v == target) return true;
  if (depth_left <= 0) return false;
  if (v.is_object()) {
    for (const auto& [k, child] : v.items()) {
      loc->push_back(LocKey(k));
      if (FindPath(child, target, depth_left - 1, loc)) return true;
      loc->pop_back();
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      loc->push_back(std::to_string(i));
      if (FindPath(v[i], target, depth_left - 1, loc)) return true;
      loc->pop_back();
    }
  }
  return false;
}

// Iterative walk so that a hostile, deeply nested body cannot exhaust the stack here.
// One string policy for every backend: NUL (U+0000) is refused, since PostgreSQL text cannot hold
// it and a silently cut string would be stored otherwise. Object keys are strings too: the string
// limit applies to them. Arrays are counted only when `count_items` (see CheckJsonLimits).
Status CheckLimitsImpl(const Json& root, const JsonLimits& limits, std::vector<std::string> loc,
                       bool count_items) {
  bool nul = false;
  struct Item {
    const Json* v;
    int depth;
  };
  const Json* breach = nullptr;  // the string, object (for a key) or array over a limit
  std::string msg, type;
  std::vector<Item> stack{{&root, 1}};
  while (!stack.empty() && !breach) {
    Item it = stack.back();
    stack.pop_back();
    const Json& v = *it.v;
    // Nesting counts objects and arrays, as the bracket pre-pass of ParseJsonBody does: a scalar
    // inside the 32nd level is within "nesting <= 32" (SPEC §3), not a 33rd level.
    if (it.depth > limits.max_depth && v.is_structured()) {
      return Status::Invalid({{loc, "JSON nesting deeper than " + std::to_string(limits.max_depth),
                               "value_error.too_deep"}});
    }
    if (v.is_string()) {
      nul = nul || HasNul(v.get_ref<const std::string&>());
      if (v.get_ref<const std::string&>().size() > limits.max_string_bytes) {
        breach = &v;
        msg = "string longer than " + std::to_string(limits.max_string_bytes) + " bytes";
        type = "value_error.too_long";
      }
    } else if (v.is_object()) {
      if (v.size() > kMaxObjectKeys) {
        breach = &v;
        msg = "object of " + std::to_string(v.size()) + " keys; at most " + std::to_string(kMaxObjectKeys) +
              " allowed";
        type = "value_error.dict.max_keys";
        break;
      }
      for (const auto& [k, child] : v.items()) {
        nul = nul || HasNul(k);
        if (k.size() > limits.max_string_bytes) {
          breach = &v;
          msg = "holds a key longer than " + std::to_string(limits.max_string_bytes) + " bytes (\"" +
                k.substr(0, 32) + "…\")";
          type = "value_error.key.too_long";
          break;
        }
        stack.push_back({&child, it.depth + 1});
      }
    } else if (v.is_array()) {
      if (count_items && v.size() > limits.max_array_items) {
        breach = &v;
        msg = "list of " + std::to_string(v.size()) + " items; at most " + std::to_string(limits.max_array_items) +
              " allowed";
        type = "value_error.list.max_items";
      }
      for (const auto& child : v) stack.push_back({&child, it.depth + 1});
    }
  }
  if (breach) {
    std::vector<std::string> at = loc;
    if (!FindPath(root, breach, limits.max_depth, &at)) at = loc;
    return Status::Invalid({{at, msg, type}});
  }
  if (nul) {
    FindNul(root, &loc);
    return Status::Invalid({{loc, "strings must not contain NUL (U+0000)", "value_error.nul"}});
  }
  return Status::Ok();
}

}  // namespace

Result<Json> ParseJsonBody(const std::string& text, const JsonLimits& limits) {
  // Reject deep nesting before building the DOM: nlohmann's parser recurses. The same pass finds
  // integers beyond 64 bits, which the parser would keep only approximately (as doubles).
  int depth = 0, max_depth = 0;
  bool in_string = false, escape = false;
  std::optional<std::string> too_big;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escape) escape = false;
      else if (c == '\\') escape = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') max_depth = std::max(max_depth, ++depth);
    else if (c == '}' || c == ']') --depth;
    else if ((c == '-' || std::isdigit(static_cast<unsigned char>(c))) && !too_big) {
      size_t end = i + 1;
      bool integer = true;
      while (end < text.size() && std::strchr("0123456789.eE+-", text[end]) != nullptr) {
        integer = integer && std::isdigit(static_cast<unsigned char>(text[end]));
        ++end;
      }
      const std::string token = text.substr(i, end - i);
      if (integer && token != "-") {
        int64_t as_signed = 0;
        uint64_t as_unsigned = 0;
        const char* first = token.data();
        const char* last = token.data() + token.size();
        const bool fits = token[0] == '-' ? std::from_chars(first, last, as_signed).ec == std::errc()
                                          : std::from_chars(first, last, as_unsigned).ec == std::errc();
        if (!fits) too_big = token;
      }
      i = end - 1;
    }
  }
  if (max_depth > limits.max_depth) {
    return Status::Invalid({{{"body"},
                             "JSON nesting deeper than " + std::to_string(limits.max_depth),
                             "value_error.too_deep"}});
  }
  if (too_big) {
    return Status::Invalid({{{"body"},
                             "the integer " + too_big->substr(0, 40) +
                                 " is beyond 64 bits and would not be kept exactly; send it as a string",
                             "value_error.number.too_large"}});
  }
  // A key repeated in one object: the parser keeps the last silently; the caller meant one. An
  // object with too many keys stops the parse at the first key over the limit (thrown out of the
  // callback), naming where the object is: each open object's current key, each open array's
  // current index.
  struct Open {
    bool object = false;
    std::set<std::string> keys;
    std::string key;  // LocKey of the key whose value is being parsed
    size_t index = 0;
  };
  struct TooManyKeys {};
  std::vector<Open> open;
  std::optional<std::string> repeated;
  auto watch = [&](int, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        open.push_back({event == Json::parse_event_t::object_start});
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        if (!open.empty()) open.pop_back();
        if (!open.empty() && !open.back().object) ++open.back().index;
        break;
      case Json::parse_event_t::value:
        if (!open.empty() && !open.back().object) ++open.back().index;
        break;
      case Json::parse_event_t::key:
        if (!open.empty() && open.back().object) {
          const std::string key = parsed.get<std::string>();
          if (!open.back().keys.insert(key).second && !repeated) repeated = key;
          if (open.back().keys.size() > kMaxObjectKeys) throw TooManyKeys{};
          open.back().key = LocKey(key);
        }
        break;
    }
    return true;
  };
  Json j;
  try {
    j = Json::parse(text, watch);
    if (repeated) {
      return Status::Invalid({{{"body"}, "the key '" + repeated->substr(0, 200) + "' appears twice in one object",
                               "value_error.duplicate_key"}});
    }
  } catch (const TooManyKeys&) {
    std::vector<std::string> loc = {"body"};
    for (size_t i = 0; i + 1 < open.size(); ++i) {
      loc.push_back(open[i].object ? open[i].key : std::to_string(open[i].index));
    }
    return Status::Invalid({{loc, "object with more than " + std::to_string(kMaxObjectKeys) + " keys",
                             "value_error.dict.max_keys"}});
  } catch (const Json::exception& e) {
    // parse_error (also invalid UTF-8) and out_of_range (a number beyond double, e.g. 1e999):
    // keep nlohmann's message without its "[json.exception...]" prefix.
    std::string what = e.what();
    return Status::Malformed("malformed JSON: " + what.substr(what.find(']') + 2));
  }
  EXEMPLAR_RETURN_IF_ERROR(CheckLimitsImpl(j, limits, {"body"}, /*count_items=*/false));
  return j;
}

Status CheckJsonLimits(const Json& value, const JsonLimits& limits, std::vector<std::string> loc) {
  return CheckLimitsImpl(value, limits, std::move(loc), /*count_items=*/true);
}

namespace {
constexpr char kKeyMarker = '\0';

std::optional<int> AsIndex(const std::string& part) {
  int idx = 0;
  auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), idx);
  if (ec == std::errc() && p == part.data() + part.size() && !part.empty()) return idx;
  return std::nullopt;
}
}  // namespace

std::string LocKey(const std::string& key) {
  if (AsIndex(key) || (!key.empty() && key[0] == kKeyMarker)) return kKeyMarker + key;
  return key;
}

std::string LocPartText(const std::string& part) {
  return !part.empty() && part[0] == kKeyMarker ? part.substr(1) : part;
}

Json LocToJson(const std::vector<std::string>& loc) {
  Json out = Json::array();
  for (const auto& part : loc) {
    if (!part.empty() && part[0] == kKeyMarker) out.push_back(part.substr(1));  // a key (LocKey)
    else if (auto idx = AsIndex(part)) out.push_back(*idx);
    else out.push_back(part);
  }
  return out;
}

std::string DumpJson(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

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
