// For the fuzz targets that drive route handlers in-process: a Runtime (real SQLite store, hash
// embedder, indexes; no optimization workers) in a temporary directory, seeded through the API's
// own handlers, and a dispatcher that calls a route's handler directly (no sockets, no auth).
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "api/http.h"
#include "cli/runtime.h"

namespace exemplar::fuzz {

class HandlerFixture {
 public:
  // Opens the runtime once per process in a fresh temp dir (removed at exit) and seeds one
  // template, `examples` examples of it across a few domains, one pending run and one retrieval.
  static HandlerFixture& Get(int examples);

  // Runs one input of the form
  //   "METHOD /api/v1/route/{param}[?k=v&...][ PATH_PARAM]\nBODY"
  // against the route whose method and template path match (only routes in `allowed`, written
  // "METHOD /template"). {param} is filled with the seeded id of its resource unless PATH_PARAM
  // is given. In BODY, {example_id}, {template_id}, {run_id} and {retrieval_id} become the seeded
  // ids. nullopt when the first line names no allowed route.
  std::optional<Result<api::Reply>> Dispatch(std::string_view input, const std::set<std::string>& allowed);

  // Aborts (a fuzzer crash) when a reply is a 500 (bad input must get a 4xx, never an internal
  // error) or claims JSON but is not. Serialises successful JSON replies as the server would.
  // "METHOD /template" of every route.
  std::set<std::string> RouteKeys() const;

  static void Check(const Result<api::Reply>& reply, std::string_view input);

  // A reply's JSON, whether built as a value or written as text.
  static Json ReplyJson(const api::Reply& reply);

 private:
  HandlerFixture() = default;
  Result<api::Reply> Call(const std::string& method, const std::string& path, const std::string& body);

  std::string dir_;
  std::unique_ptr<cli::Runtime> runtime_;
  std::vector<api::Route> routes_;
  std::string example_id_, template_id_, run_id_, retrieval_id_;
};

}  // namespace exemplar::fuzz
