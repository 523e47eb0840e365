// Fuzzes the pure request-body parsers and validators of each resource (no store): the JSON body
// parser with the limits of SPEC §3, example create and update, templates (and the DSPy signature
// built from a valid one), run configs, search and retrieve bodies, and DSPy export options.
// Besides sanitizer findings it checks round trips the server relies on: a valid body's JSON
// re-serialises to the same value, an example's wire form is a valid create body for the same
// example (export then import), and a stored run config parses again (a queued run re-reads it).
// Input: the parser's name on the first line, the body after it, e.g. "example_create\n{...}".
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "api/http.h"
#include "common/json_util.h"
#include "service/templates/dspy/export.h"
#include "service/templates/dspy/signature.h"
#include "service/examples/example_io.h"
#include "service/examples/example_json.h"
#include "service/search/retrieval.h"
#include "service/runs/runs.h"
#include "service/search/search.h"
#include "service/templates/template_json.h"

namespace exemplar {
namespace {

void Fail(const char* what, const std::string& input) {
  std::fprintf(stderr, "invariant broken: %s\ninput:\n%s\n", what, input.c_str());
  std::abort();
}

// Renders the errors as the API would.
void Render(const Validation& v) {
  if (!v.ok()) (void)DumpJson(api::ErrorBody(v.ToStatus(), "fuzz"));
}

void ExampleCreate(const Json& body, const std::string& input) {
  Validation v;
  Example e = service::ExampleFromCreateJson(body, v, {"body"});
  Render(v);
  if (!v.ok()) return;
  (void)service::KeywordText(e);
  (void)service::ExampleToCsvRow(e);
  Json wire = service::ExampleToJson(e);
  Validation again;
  Example back = service::ExampleFromCreateJson(Json::parse(DumpJson(wire)), again, {"body"});
  if (!again.ok()) Fail("an example's wire form is not a valid create body", input);
  if (back.id != e.id || back.input_json != e.input_json || back.expected_output_json != e.expected_output_json ||
      back.domain != e.domain || back.capability_tags != e.capability_tags || back.explanation != e.explanation) {
    Fail("an example changed through its wire form", input);
  }
}

void ExampleUpdate(const Json& body) {
  Example e;
  e.id = "00000000-0000-4000-8000-000000000001";
  e.input_json = R"({"text": "detector drift"})";
  e.expected_output_json = R"({"label": "hardware"})";
  Validation v;
  service::ApplyExampleUpdate(body, &e, v);
  Render(v);
  if (v.ok()) (void)service::ExampleToJson(e);
}

void TemplateBody(const Json& body) {
  for (bool creating : {true, false}) {
    Template t;
    t.id = "00000000-0000-4000-8000-000000000002";
    Validation v;
    service::ApplyTemplateJson(body, &t, v, creating);
    Render(v);
    if (!v.ok()) continue;
    (void)DumpJson(service::TemplateToJson(t));
    dspy::SignatureSpec spec = dspy::BuildSignature(t);
    (void)DumpJson(dspy::RenderSignatureJson(spec));
    (void)dspy::RenderSignaturePython(spec);
  }
}

void RunBody(const Json& body, const std::string& input) {
  auto c = service::ParseRunConfig(body);
  if (!c.ok()) {
    (void)DumpJson(api::ErrorBody(c.status(), "fuzz"));
    return;
  }
  Json stored = service::RunConfigToJson(*c);
  auto again = service::ParseRunConfig(Json::parse(DumpJson(stored)));
  if (!again.ok()) Fail("a stored run config does not parse again", input);
  if (service::RunConfigToJson(*again) != stored) Fail("a run config changed through storage", input);
}

void ExportBody(const Json& body) {
  auto options = dspy::ParseExportOptions(body);
  if (!options.ok()) return;
  Template t;
  t.id = "00000000-0000-4000-8000-000000000003";
  t.name = "triage";
  t.prompt_template = "Classify the fault.";
  t.input_schema = {{"text", "string", "the report", true}};
  t.output_schema = {{"label", "string", "", true}};
  Example e;
  e.id = "00000000-0000-4000-8000-000000000004";
  e.input_json = R"({"text": "bias voltage drift"})";
  e.expected_output_json = R"({"label": "hardware"})";
  auto artifact = dspy::Export(t, {e}, *options);
  if (artifact.ok()) (void)artifact->content.size();
}

}  // namespace
}  // namespace exemplar

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exemplar;
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  if (nl == std::string::npos) return 0;
  std::string name = input.substr(0, nl);
  auto parsed = ParseJsonBody(input.substr(nl + 1));
  if (!parsed.ok()) {
    if (parsed.status().code() != Code::kMalformed && parsed.status().code() != Code::kInvalidArgument) {
      Fail("a bad body must be 400 or 422", input);
    }
    return 0;
  }
  const Json& body = *parsed;
  if (Json::parse(DumpJson(body)) != body) Fail("a parsed body does not re-serialise to itself", input);
  if (!body.is_object()) return 0;  // handlers answer 422 before any parser runs
  if (name == "example_create") {
    ExampleCreate(body, input);
  } else if (name == "example_update") {
    ExampleUpdate(body);
  } else if (name == "template") {
    TemplateBody(body);
  } else if (name == "run") {
    RunBody(body, input);
  } else if (name == "search") {
    Validation v;
    service::SearchRequest req = service::ParseSearchRequest(body, v);
    Render(v);
    // An accepted query vector is finite: inf or NaN would silently match nothing.
    if (v.ok() && req.query_embedding) {
      for (float x : *req.query_embedding) {
        if (!std::isfinite(x)) Fail("a search accepted a query_embedding value outside float range", input);
      }
    }
  } else if (name == "retrieve") {
    Validation v;
    (void)service::ParseRetrieveRequest(body, v);
    Render(v);
  } else if (name == "export") {
    ExportBody(body);
  }
  return 0;
}
