#include "api/http.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <sstream>

#include "common/field_loc.h"
#include "common/ids.h"

namespace exemplar::api {

std::optional<std::string> Request::Query(const std::string& key) const {
  auto it = query.find(key);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::string Request::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

int HttpStatusOf(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kInvalidArgument: return 422;
    case Code::kMalformed: return 400;
    case Code::kNotFound: return 404;
    case Code::kAlreadyExists: return 409;
    case Code::kFailedPrecondition: return 409;
    case Code::kPreconditionFailed: return 412;
    case Code::kTooLarge: return 413;
    case Code::kUnsupportedMedia: return 415;
    case Code::kUnauthenticated: return 401;
    case Code::kPermissionDenied: return 403;
    case Code::kResourceExhausted: return 429;
    case Code::kUnavailable: return 503;
    case Code::kDeadlineExceeded: return 504;
    case Code::kInsufficientStorage: return 507;
    case Code::kMisdirected: return 421;
    case Code::kMethodNotAllowed: return 405;
    case Code::kInternal: return 500;
  }
  return 500;
}

Json ErrorBody(const Status& st, const std::string& request_id) {
  Json body;
  if (st.code() == Code::kInvalidArgument) {
    Json detail = Json::array();
    if (st.field_errors().empty()) {
      detail.push_back({{"loc", Json::array({"body"})}, {"msg", st.message()}, {"type", "value_error"}});
    }
    for (const auto& fe : st.field_errors()) {
      detail.push_back({{"loc", LocToJson(fe.loc)}, {"msg", fe.msg}, {"type", fe.type}});
    }
    body["detail"] = std::move(detail);
  } else if (st.code() == Code::kInternal) {
    // Internal details go to the log, not to the client.
    body["detail"] = "internal error (request id " + request_id + ")";
  } else {
    body["detail"] = st.message();
  }
  body["code"] = st.CodeName();
  if (!request_id.empty()) body["request_id"] = request_id;
  return body;
}

Result<Json> ParseJson(const Request& req) {
  std::string ct = req.Header("content-type");
  if (!ct.empty() && MediaType(ct) != "application/json") {
    return Status(Code::kUnsupportedMedia, "expected Content-Type application/json, got '" + ct + "'");
  }
  if (req.body.empty()) return Status::Malformed("request body is empty; expected JSON");
  return ParseJsonBody(req.body);
}

std::string MediaType(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.erase(t.begin());
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

Result<Json> ParseJsonObject(const Request& req) {
  EXEMPLAR_ASSIGN_OR_RETURN(Json j, ParseJson(req));
  if (!j.is_object()) {
    return Status::Invalid({{{"body"}, "must be a JSON object", "type_error.dict"}});
  }
  return j;
}

Result<Json> ParseOptionalJsonObject(const Request& req) {
  if (req.body.empty()) return Json::object();
  return ParseJsonObject(req);
}

Status RequireNoFields(const Request& req) {
  EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseOptionalJsonObject(req));
  Validation v;
  JsonReader r(body, v);
  r.RejectUnknownKeys();
  return v.ToStatus();
}

bool IsRepeatableQueryKey(const std::string& key) {
  return key == "capability_tags" || key == "capability_tags_all" || key.rfind("input.", 0) == 0 ||
         key.rfind("output.", 0) == 0;
}

Status RejectRepeatedQueryKeys(const Request& req) {
  Validation v;
  for (auto it = req.query.begin(); it != req.query.end(); it = req.query.upper_bound(it->first)) {
    if (req.query.count(it->first) > 1 && !IsRepeatableQueryKey(it->first)) {
      v.Add({"query", it->first}, "given more than once; give it once", "value_error.duplicate");
    }
  }
  return v.ToStatus();
}

std::optional<int64_t> QueryInt(const Request& req, const std::string& key, int64_t lo, int64_t hi,
                                Validation& v) {
  auto s = req.Query(key);
  if (!s) return std::nullopt;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
  if (ec != std::errc() || p != s->data() + s->size()) {
    v.Add({"query", key}, "must be an integer", "type_error.integer");
    return std::nullopt;
  }
  if (n < lo || n > hi) {
    v.Add({"query", key}, "must be >= " + std::to_string(lo) + " and <= " + std::to_string(hi),
          "value_error.number.out_of_range");
    return std::nullopt;
  }
  return n;
}

std::optional<double> QueryNumber(const Request& req, const std::string& key, double lo, double hi,
                                  Validation& v) {
  auto s = req.Query(key);
  if (!s) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(s->c_str(), &end);
  if (s->empty() || end != s->c_str() + s->size() || d != d) {
    v.Add({"query", key}, "must be a number", "type_error.float");
    return std::nullopt;
  }
  if (d < lo || d > hi) {
    v.Add({"query", key}, "out of range", "value_error.number.out_of_range");
    return std::nullopt;
  }
  return d;
}

std::optional<bool> QueryBool(const Request& req, const std::string& key, Validation& v) {
  auto s = req.Query(key);
  if (!s) return std::nullopt;
  if (*s == "true" || *s == "1") return true;
  if (*s == "false" || *s == "0") return false;
  v.Add({"query", key}, "must be a boolean", "type_error.bool");
  return std::nullopt;
}

Json QueryAsJson(const Request& req, const std::vector<std::string>& list_keys,
                 const std::vector<std::string>& number_keys,
                 const std::vector<std::string>& bool_keys) {
  auto in = [](const std::vector<std::string>& keys, const std::string& k) {
    return std::find(keys.begin(), keys.end(), k) != keys.end();
  };
  Json j = Json::object();
  for (const auto& [k, val] : req.query) {
    if (in(list_keys, k)) {
      if (!j.contains(k)) j[k] = Json::array();
      j[k].push_back(val);
    } else if (in(number_keys, k)) {
      char* end = nullptr;
      double d = std::strtod(val.c_str(), &end);
      int64_t n = 0;
      auto [p, ec] = std::from_chars(val.data(), val.data() + val.size(), n);
      if (ec == std::errc() && p == val.data() + val.size()) j[k] = n;
      else if (!val.empty() && end == val.c_str() + val.size() && d == d) j[k] = d;
      else j[k] = val;
    } else if (in(bool_keys, k) && (val == "true" || val == "false")) {
      j[k] = val == "true";
    } else {
      j[k] = val;
    }
  }
  return j;
}

Result<std::string> PathUuid(const Request& req, size_t index, const std::string& what) {
  if (index >= req.path_params.size() || !IsUuid(req.path_params[index])) {
    return Status::NotFound(what + " not found");
  }
  return NormalizeUuid(req.path_params[index]);
}

std::string NumberETag(int64_t version) { return "\"" + std::to_string(version) + "\""; }

Result<std::vector<int64_t>> ParseIfMatch(const Request& req, const std::string& what) {
  std::vector<int64_t> out;
  const std::string header = req.Header("if-match");
  if (header.empty()) return out;
  std::stringstream items(header);
  for (std::string tag; std::getline(items, tag, ',');) {
    const size_t begin = tag.find_first_not_of(" \t");
    const size_t end = tag.find_last_not_of(" \t");
    tag = begin == std::string::npos ? "" : tag.substr(begin, end - begin + 1);
    if (tag == "*") return std::vector<int64_t>();
    if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
    const bool quoted_digits = tag.size() > 2 && tag.size() <= 20 && tag.front() == '"' && tag.back() == '"' &&
                               tag.find_first_not_of("0123456789", 1) == tag.size() - 1;
    if (!quoted_digits) return Status::Malformed("If-Match must be the ETag of " + what + " (or *)");
    out.push_back(std::stoll(tag.substr(1, tag.size() - 2)));
  }
  return out;
}

}  // namespace exemplar::api
