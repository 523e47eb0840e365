#include "common/json_util.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <optional>
#include <set>

#include "common/field_loc.h"

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

}  // namespace exemplar
