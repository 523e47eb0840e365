#include "service/templates/dspy/python.h"

#include <array>
#include <cmath>
#include <cstdio>

#include "service/templates/dspy/text.h"

namespace exemplar::dspy {
namespace {

constexpr std::array<std::string_view, 35> kKeywords = {
    "False", "None",   "True",    "and",      "as",       "assert", "async",  "await",
    "break", "class",  "continue", "def",     "del",      "elif",   "else",   "except",
    "finally", "for",  "from",    "global",   "if",       "import", "in",     "is",
    "lambda", "nonlocal", "not",  "or",       "pass",     "raise",  "return", "try",
    "while", "with",   "yield"};

void AppendEscaped(std::string& out, char32_t c) {
  char buf[16];
  switch (c) {
    case U'\\': out += "\\\\"; return;
    case U'"': out += "\\\""; return;
    case U'\n': out += "\\n"; return;
    case U'\r': out += "\\r"; return;
    case U'\t': out += "\\t"; return;
    default: break;
  }
  if (c < 0x20 || c == 0x7F) {
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
    out += buf;
  } else if (c < 0x7F) {
    out.push_back(static_cast<char>(c));
  } else if (c <= 0xFFFF) {
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
    out += buf;
  } else {
    std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(c));
    out += buf;
  }
}

std::string FloatToPython(double d) {
  if (std::isnan(d)) return "float(\"nan\")";
  if (std::isinf(d)) return d > 0 ? "float(\"inf\")" : "float(\"-inf\")";
  // nlohmann prints the shortest representation that round-trips ("0.1", "3.0", "1e+100").
  std::string s = Json(d).dump();
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

std::string PyStringLiteral(std::string_view utf8) {
  std::string out = "\"";
  for (char32_t c : DecodeUtf8(utf8)) AppendEscaped(out, c);
  out += '"';
  return out;
}

std::string PyDocstring(std::string_view utf8, std::string_view indent) {
  std::u32string text = DecodeUtf8(utf8);
  std::string ind(indent);
  if (text.find(U'\n') == std::u32string::npos || text.find(U'\n') == text.size() - 1) {
    return ind + PyStringLiteral(utf8) + "\n";
  }
  // One literal per line, each ending with its "\n" (the last one without).
  std::string out = ind + "(\n";
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find(U'\n', start);
    size_t end = nl == std::u32string::npos ? text.size() : nl + 1;
    std::string piece = "\"";
    for (size_t i = start; i < end; ++i) AppendEscaped(piece, text[i]);
    piece += '"';
    out += ind + "    " + piece + "\n";
    start = end;
  }
  out += ind + ")\n";
  return out;
}

std::string JsonToPython(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "None";
    case Json::value_t::boolean: return value.get<bool>() ? "True" : "False";
    case Json::value_t::number_integer: return std::to_string(value.get<int64_t>());
    case Json::value_t::number_unsigned: return std::to_string(value.get<uint64_t>());
    case Json::value_t::number_float: return FloatToPython(value.get<double>());
    case Json::value_t::string: return PyStringLiteral(value.get_ref<const std::string&>());
    case Json::value_t::array: {
      std::string out = "[";
      bool first = true;
      for (const Json& item : value) {
        if (!first) out += ", ";
        first = false;
        out += JsonToPython(item);
      }
      return out + "]";
    }
    case Json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        out += PyStringLiteral(it.key()) + ": " + JsonToPython(it.value());
      }
      return out + "}";
    }
    case Json::value_t::binary:
    case Json::value_t::discarded: return "None";
  }
  return "None";
}

bool IsPythonKeyword(std::string_view name) {
  for (std::string_view k : kKeywords) {
    if (k == name) return true;
  }
  return false;
}

bool IsAsciiIdentifier(std::string_view name) {
  if (name.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(name[0])) return false;
  for (char c : name) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string PyCommentText(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7E) return PyStringLiteral(text);
  }
  return std::string(text);
}

}  // namespace exemplar::dspy
