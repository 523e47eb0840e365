#include "api/list_cursor.h"

#include <cmath>
#include <cstring>

#include "common/json_util.h"

namespace exemplar::api {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr size_t kMaxCursorBytes = 1024;  // a cursor is a few dozen bytes; anything longer is not ours

std::string Base64Url(const std::string& in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

bool FromBase64Url(const std::string& in, std::string* out) {
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const char* p = c ? std::strchr(kAlphabet, c) : nullptr;
    if (!p) return false;
    acc = (acc << 6) | static_cast<uint32_t>(p - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

Status Invalid(const std::string& why) {
  return Status::Invalid({{{"query", "cursor"}, "invalid cursor: " + why + "; pass next_cursor as returned",
                           "value_error.cursor"}});
}

// The cursor's JSON array, or an error.
Result<Json> Decode(const std::string& text) {
  std::string raw;
  if (text.empty() || text.size() > kMaxCursorBytes || !FromBase64Url(text, &raw)) return Invalid("not a cursor");
  Json j = Json::parse(raw, nullptr, false);
  if (!j.is_array()) return Invalid("not a cursor");
  return j;
}

bool IsInt(const Json& j) { return j.is_number_integer(); }

}  // namespace

std::string EncodeExampleCursor(const storage::ExampleCursor& c, storage::ExampleSortKey sort, bool desc) {
  Json j = {"examples", static_cast<int>(sort), desc, c.value ? Json(*c.value) : Json(nullptr), c.row_id};
  return Base64Url(j.dump());
}

Result<storage::ExampleCursor> DecodeExampleCursor(const std::string& text, storage::ExampleSortKey sort,
                                                   bool desc) {
  EXEMPLAR_ASSIGN_OR_RETURN(Json j, Decode(text));
  if (j.size() != 5 || j[0] != "examples" || !IsInt(j[1]) || !j[2].is_boolean() || !IsInt(j[4])) {
    return Invalid("not a cursor of this list");
  }
  if (j[1].get<int>() != static_cast<int>(sort) || j[2].get<bool>() != desc) {
    return Invalid("made for another sort_by or sort_desc");
  }
  storage::ExampleCursor c;
  c.row_id = j[4].get<int64_t>();
  if (j[3].is_number()) {
    double v = j[3].get<double>();
    if (!std::isfinite(v)) return Invalid("not a cursor of this list");
    c.value = v;
  } else if (!j[3].is_null() || !storage::SortKeyNullable(sort)) {
    return Invalid("not a cursor of this list");
  }
  return c;
}

std::string EncodeKeyCursor(const std::string& list, const storage::KeyCursor& c) {
  return Base64Url(Json{list, c.value, c.id}.dump());
}

Result<storage::KeyCursor> DecodeKeyCursor(const std::string& text, const std::string& list) {
  EXEMPLAR_ASSIGN_OR_RETURN(Json j, Decode(text));
  if (j.size() != 3 || j[0] != list || !IsInt(j[1]) || !j[2].is_string()) return Invalid("not a cursor of this list");
  return storage::KeyCursor{j[1].get<int64_t>(), j[2].get<std::string>()};
}

void CheckPageOrCursor(const Request& req, Validation& v) {
  if (req.Query("page") && req.Query("cursor")) {
    v.Add({"query", "page"}, "give page or cursor, not both (a cursor names where its page starts)", "value_error.conflict");
  }
}

Json PageField(const Request& req, int64_t page) { return req.Query("cursor") ? Json(nullptr) : Json(page); }

}  // namespace exemplar::api
