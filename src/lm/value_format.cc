#include "lm/value_format.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace exemplar::lm {
namespace {

// Python's repr(float): the shortest digits that round-trip, fixed notation for decimal
// exponents in [-4, 16), otherwise "d.ddde+XX".
std::string PyFloatRepr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  for (int prec = 0; prec < 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*e", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  std::string sign;
  if (s[0] == '-') {
    sign = "-";
    s = s.substr(1);
  }
  size_t epos = s.find('e');
  int exp = std::atoi(s.c_str() + epos + 1);
  std::string digits;
  for (size_t i = 0; i < epos; ++i) {
    if (s[i] != '.') digits += s[i];
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out;
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      std::string int_part = digits.substr(0, std::min<size_t>(digits.size(), exp + 1));
      while (static_cast<int>(int_part.size()) < exp + 1) int_part += '0';
      std::string frac = digits.size() > static_cast<size_t>(exp + 1) ? digits.substr(exp + 1) : "0";
      out = int_part + "." + frac;
    } else {
      out = "0." + std::string(-exp - 1, '0') + digits;
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char e[16];
    std::snprintf(e, sizeof(e), "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += e;
  }
  return sign + out;
}

std::string FormatBlob(const std::string& blob) {
  if (blob.find('\n') == std::string::npos && blob.find("«") == std::string::npos &&
      blob.find("»") == std::string::npos) {
    return "«" + blob + "»";
  }
  std::string indented;
  for (char c : blob) {
    indented += c;
    if (c == '\n') indented += "    ";
  }
  return "«««\n    " + indented + "\n»»»";
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Python literals to JSON: True/False/None outside strings, single-quoted strings.
std::string RepairPythonLiteral(const std::string& text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"' || c == '\'') {
      char quote = c;
      out += '"';
      ++i;
      while (i < text.size() && text[i] != quote) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          if (text[i + 1] == '\'') {
            out += '\'';
          } else {
            out += text[i];
            out += text[i + 1];
          }
          i += 2;
          continue;
        }
        if (text[i] == '"' && quote == '\'') out += '\\';
        out += text[i++];
      }
      out += '"';
      ++i;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      size_t j = i;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) ++j;
      std::string word = text.substr(i, j - i);
      if (word == "True") word = "true";
      else if (word == "False") word = "false";
      else if (word == "None") word = "null";
      out += word;
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

// The text as JSON when it is JSON (or a Python literal), else a JSON string of the text.
Json LenientParse(const std::string& raw) {
  std::string text = Trim(raw);
  if (text.rfind("```", 0) == 0) {
    size_t nl = text.find('\n');
    size_t end = text.rfind("```");
    if (nl != std::string::npos && end > nl) text = Trim(text.substr(nl + 1, end - nl - 1));
  }
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) return j;
  j = Json::parse(RepairPythonLiteral(text), nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) return j;
  return Json(text);
}

Status TypeError(const dspy::SignatureField& field, const Json& value) {
  std::string shown = value.is_string() ? value.get<std::string>() : PyStr(value);
  if (shown.size() > 80) shown = shown.substr(0, 80) + "...";
  return Status::InvalidArgument("field `" + field.name + "`: expected a valid " +
                                 AnnotationName(field) + ", got '" + shown + "'");
}

}  // namespace

std::string PyJsonDumps(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        out += DumpJson(Json(it.key())) + ": " + PyJsonDumps(it.value());
      }
      return out + "}";
    }
    case Json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out += ", ";
        out += PyJsonDumps(value[i]);
      }
      return out + "]";
    }
    case Json::value_t::number_float: {
      double d = value.get<double>();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      return PyFloatRepr(d);
    }
    default:
      return DumpJson(value);
  }
}

std::string PyStr(const Json& value) {
  switch (value.type()) {
    case Json::value_t::string:
      return value.get<std::string>();
    case Json::value_t::boolean:
      return value.get<bool>() ? "True" : "False";
    case Json::value_t::null:
      return "None";
    case Json::value_t::number_float:
      return PyFloatRepr(value.get<double>());
    default:
      return PyJsonDumps(value);
  }
}

std::string FormatFieldValue(const dspy::SignatureField& field, const Json& value) {
  if (value.is_array() && field.python_type == "str") {
    if (value.empty()) return "N/A";
    if (value.size() == 1) return FormatBlob(PyStr(value[0]));
    std::string out;
    for (size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += "\n";
      out += "[" + std::to_string(i + 1) + "] " + FormatBlob(PyStr(value[i]));
    }
    return out;
  }
  return PyStr(value);
}

std::string AnnotationName(const dspy::SignatureField& field) {
  return field.python_type.empty() ? "str" : field.python_type;
}

std::string TranslateFieldType(const dspy::SignatureField& field, bool is_output) {
  std::string out = "{" + field.name + "}";
  const std::string type = AnnotationName(field);
  if (!is_output || type == "str") return out;
  std::string desc;
  if (type == "bool") {
    desc = "must be True or False";
  } else if (type == "int" || type == "float") {
    desc = "must be a single " + type + " value";
  } else if (type == "list") {
    desc = "must adhere to the JSON schema: {\"type\": \"array\", \"items\": {}}";
  } else if (type == "dict") {
    desc = "must adhere to the JSON schema: {\"type\": \"object\", \"additionalProperties\": true}";
  } else {
    return out;
  }
  return out + "        # note: the value you produce " + desc;
}

Result<Json> CoerceFieldValue(const dspy::SignatureField& field, const Json& value) {
  const std::string type = AnnotationName(field);
  if (type == "str") return Json(PyStr(value));
  if (value.is_string()) {
    Json parsed = LenientParse(value.get<std::string>());
    if (!parsed.is_string()) return CoerceFieldValue(field, parsed);
  }
  if (type == "int") {
    if (value.is_number_integer() || value.is_number_unsigned()) return value;
    if (value.is_boolean()) return Json(value.get<bool>() ? 1 : 0);
    if (value.is_number_float()) {
      double d = value.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) {
        return Json(static_cast<int64_t>(d));
      }
    }
    return TypeError(field, value);
  }
  if (type == "float") {
    if (value.is_number()) return Json(value.get<double>());
    return TypeError(field, value);
  }
  if (type == "bool") {
    if (value.is_boolean()) return value;
    if (value.is_number_integer() || value.is_number_unsigned()) {
      int64_t i = value.get<int64_t>();
      if (i == 0 || i == 1) return Json(i == 1);
    }
    if (value.is_string()) {
      std::string s = Lower(Trim(value.get<std::string>()));
      for (const char* t : {"true", "yes", "on", "1", "t", "y"}) {
        if (s == t) return Json(true);
      }
      for (const char* f : {"false", "no", "off", "0", "f", "n"}) {
        if (s == f) return Json(false);
      }
    }
    return TypeError(field, value);
  }
  if (type == "list") {
    if (value.is_array()) return value;
    return TypeError(field, value);
  }
  if (type == "dict") {
    if (value.is_object()) return value;
    return TypeError(field, value);
  }
  return value;
}

Result<Json> ParseFieldValue(const dspy::SignatureField& field, const std::string& text) {
  if (AnnotationName(field) == "str") return Json(text);
  return CoerceFieldValue(field, LenientParse(text));
}

}  // namespace exemplar::lm
