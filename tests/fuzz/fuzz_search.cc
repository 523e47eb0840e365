// Fuzzes the search query (POST /examples/search) and the agent retrieval (POST
// /examples/retrieve) end to end over a seeded store: parsing, filters inside the vector and
// keyword legs, RRF, MMR, thresholds, sorting, formatting. Besides sanitizer findings and 500s it
// checks what SPEC §4.1 promises of every answer: at most k results, scores in [0,1], filters
// honoured, and the same answer for the same search.
// Input: "POST /api/v1/examples/search\nBODY" or "POST /api/v1/examples/retrieve\nBODY".
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz/handler_fixture.h"

namespace {

using exemplar::Json;

void Fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "search invariant broken: %s\ninput:\n%.*s\n", what, static_cast<int>(input.size()),
               input.data());
  std::abort();
}

void CheckSearchAnswer(const Json& request, const Json& answer, std::string_view input) {
  const Json& results = answer["results"];
  int64_t k = request.contains("k") && request["k"].is_number_integer() ? request["k"].get<int64_t>() : 10;
  if (results.size() > static_cast<size_t>(k)) Fail("more than k results", input);
  for (const Json& hit : results) {
    for (const Json* score : {&hit["similarity_score"], &hit["scores"]["vector"]}) {
      if (!score->is_null() && (score->get<double>() < 0 || score->get<double>() > 1)) {
        Fail("a similarity outside [0, 1]", input);
      }
    }
    for (const char* key : {"domain", "difficulty", "source", "function_name", "databit_id"}) {
      // (Values holding a {placeholder} were rewritten before the search; skip those.)
      if (request.contains(key) && request[key].is_string() &&
          request[key].get<std::string>().find('{') == std::string::npos && hit["example"][key] != request[key]) {
        Fail("a result outside the filter", input);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::set<std::string> kAllowed = {"POST /api/v1/examples/search", "POST /api/v1/examples/retrieve"};
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto& fixture = exemplar::fuzz::HandlerFixture::Get(40);
  auto reply = fixture.Dispatch(input, kAllowed);
  if (!reply) return 0;
  exemplar::fuzz::HandlerFixture::Check(*reply, input);
  if (!reply->ok() || input.find("/search\n") == std::string_view::npos) return 0;
  Json request = Json::parse(input.substr(input.find('\n') + 1), nullptr, false);
  if (!request.is_object()) return 0;
  Json answer = exemplar::fuzz::HandlerFixture::ReplyJson(**reply);
  if (!answer.is_object() || !answer["results"].is_array()) Fail("a search answer without results", input);
  CheckSearchAnswer(request, answer, input);
  auto again = fixture.Dispatch(input, kAllowed);
  if (!again || !again->ok()) Fail("the same search failed the second time", input);
  if (exemplar::fuzz::HandlerFixture::ReplyJson(**again)["results"] != answer["results"]) {
    Fail("the same search answered differently", input);
  }
  return 0;
}
