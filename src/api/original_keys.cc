#include "api/original_keys.h"

#include "api/http.h"
#include "common/ids.h"

namespace exemplar::api {

OriginalBody SplitOriginalKeys(const Json& body, const std::vector<OriginalKey>& keys, Validation& v) {
  OriginalBody b;
  if (!body.is_object()) return b;
  b.current = body;
  for (const OriginalKey& k : keys) {
    auto it = body.find(k.name);
    b.current.erase(k.name);
    if (it == body.end() || it->is_null()) continue;  // null: not given, as for the current keys
    b.original[k.name] = *it;
    if (k.current.empty()) continue;
    auto cur = body.find(k.current);
    if (cur != body.end() && !cur->is_null()) {
      if (*cur != *it) {
        v.Add({"body", k.name},
              "`" + k.name + "` (the original plan's name) and `" + k.current +
                  "` are the same setting and were given different values; give only `" + k.current + "`",
              "value_error.conflict");
      }
      continue;  // equal: the current key stands
    }
    b.current[k.current] = *it;
    b.sent_as[k.current] = k.name;
  }
  return b;
}

void MarkMappedKeys(JsonReader& r, const std::vector<OriginalKey>& keys) {
  for (const OriginalKey& k : keys) {
    if (!k.current.empty()) r.Has(k.name);  // Has marks the key known
  }
}

Status NameSentKeys(const Status& st, const OriginalBody& b) {
  if (st.ok() || st.field_errors().empty() || b.sent_as.empty()) return st;
  std::vector<FieldError> errors = st.field_errors();
  for (FieldError& e : errors) {
    if (e.loc.size() < 2 || e.loc[0] != "body") continue;
    auto it = b.sent_as.find(e.loc[1]);
    if (it != b.sent_as.end()) e.loc[1] = it->second;
  }
  return Status::Invalid(std::move(errors));
}

// reference: the original's AgentExampleRequest, AgentOutcomeRequest and DSPyExportRequest
// (original_contract.md §2.4, §2.7). Keys both bodies spell the same way (query, domain,
// min_effectiveness, format, max_examples of the export, ...) need no entry.
const std::vector<OriginalKey>& AgentRetrieveKeys() {
  static const std::vector<OriginalKey> kKeys = {
      {"max_examples", "k"}, {"format_style", "format"}, {"agent_id", ""}, {"session_id", ""}};
  return kKeys;
}

const std::vector<OriginalKey>& AgentOutcomeKeys() {
  static const std::vector<OriginalKey> kKeys = {{"feedback_notes", "notes"}};
  return kKeys;
}

const std::vector<OriginalKey>& DspyExportKeys() {
  static const std::vector<OriginalKey> kKeys = {{"include_optimizer_setup", "include_optimizer"},
                                                 {"databit_id", ""},
                                                 {"include_examples", ""},
                                                 {"include_metrics", ""}};
  return kKeys;
}

namespace {

// include_examples: false asks for an export without demos: none selected from the store, and
// not the version's own either. A setting that asks for demos too is a contradiction.
void NoExamples(OriginalBody& b, Validation& v) {
  auto clash = [&](const char* key, const Json& wanted) {
    auto it = b.current.find(key);
    if (it == b.current.end() || it->is_null() || *it == wanted) return false;
    v.Add({"body", "include_examples"},
          std::string("include_examples false (an export without demos) contradicts `") + key + "`: give one",
          "value_error.conflict");
    return true;
  };
  if (clash("max_examples", 0) || clash("example_source", "store")) return;
  if (b.current.contains("example_ids") && !b.current["example_ids"].is_null()) {
    v.Add({"body", "include_examples"}, "include_examples false (an export without demos) contradicts `example_ids`",
          "value_error.conflict");
    return;
  }
  b.current["max_examples"] = 0;
  b.current["example_source"] = "store";
}

}  // namespace

Handler WithOriginalExportKeys(Handler inner) {
  return [inner](const Request& in) -> Result<Reply> {
    if (in.body.empty()) return inner(in);
    EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(in));
    Validation v;
    OriginalBody b = SplitOriginalKeys(body, DspyExportKeys(), v);
    JsonReader r(b.original, v);
    MarkMappedKeys(r, DspyExportKeys());
    auto databit_id = r.String("databit_id", 64);
    auto include_examples = r.Bool("include_examples");
    auto include_metrics = r.Bool("include_metrics");
    r.RejectUnknownKeys();
    // The original took the template from the body and let the path override it; a body naming
    // another template than the path is a mistake here, not silently the path's.
    if (databit_id && !in.path_params.empty() && IsUuid(in.path_params[0]) &&
        (!IsUuid(*databit_id) || NormalizeUuid(*databit_id) != NormalizeUuid(in.path_params[0]))) {
      v.Add({"body", "databit_id"},
            "must be the template id of the path (" + NormalizeUuid(in.path_params[0]) + "), or left out",
            "value_error.mismatch");
    }
    if (include_examples == false) NoExamples(b, v);
    if (include_metrics == false) {
      v.Add({"body", "include_metrics"},
            "this server's exports always carry the metric (`metric`) in the formats that hold code; "
            "include_metrics false is not supported",
            "value_error.unsupported");
    }
    EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
    Request req = in;
    req.body = DumpJson(b.current);
    Result<Reply> reply = inner(req);
    if (!reply.ok()) return NameSentKeys(reply.status(), b);
    return reply;
  };
}

}  // namespace exemplar::api
