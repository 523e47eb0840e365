// The HTTP boundary, independent of the server library: a request view, a reply, the route table
// entry, and the one place that maps a Status to an HTTP status and error body.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"

namespace exemplar::api {

struct Route;

struct Request {
  std::string method;
  std::string path;
  std::vector<std::string> path_params;            // captures of {name} segments, in order
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> headers;      // lowercase names
  std::string body;
  std::string request_id;
  std::string user;                                // authenticated principal, when known
  std::string role;                                // its role's name, set by the guard
  bool user_named = false;                         // `user` is a name, not a token id's prefix
  bool on_loop = false;                            // answered on the event loop (Dispatcher::Quick)
  // The rate limit was charged before the body was read (Route::before_body): the guard does not
  // charge it again. Set by the server only.
  bool rate_charged = false;
  std::string remote_addr;                         // the peer's IP address (for trusted proxies)
  // The route Dispatcher::Quick matched (path_params filled), so Handle does not match again.
  const Route* route = nullptr;

  std::optional<std::string> Query(const std::string& key) const;
  std::string Header(const std::string& lower_name) const;
};

// A response body produced piece by piece (server-sent events, exports), sent with chunked
// transfer encoding. Between pieces it holds no thread: the server calls `next` on a handler
// worker each time the previous piece has been written to the socket, so a slow reader or a quiet
// event stream costs a socket and a buffer, not a worker. Destroyed when the body ends or the
// client leaves (so a disconnect stops an export).
struct BodyStream {
  enum class Step {
    kData,    // *out holds the next piece
    kWait,    // nothing yet: called again after `poll`, or sooner once woken
    kDone,    // the body is complete
    kFailed,  // stop now: the connection is closed without the final chunk, so the client
              // sees a truncated body rather than a silently short one
  };
  // REQUIRES: not called concurrently with itself (the server calls it one piece at a time).
  // Must not block for long: it runs on a handler worker.
  std::function<Step(std::string* out)> next;
  std::chrono::milliseconds poll{1000};
  // Called once before the first `next`, with a function that cuts a kWait short. The function
  // may be called from any thread, any number of times, also after the stream ended.
  std::function<void(std::function<void()> wake)> on_start;
};

struct Reply {
  int status = 200;
  Json body;                     // serialised when raw is empty and stream is unset
  std::string raw;               // a pre-rendered body (text, CSV, JSONL)
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;
  std::shared_ptr<BodyStream> stream;  // server-sent events and other streamed bodies

  static Reply Json200(Json body) { return Reply{200, std::move(body)}; }
  static Reply Created(Json body) { return Reply{201, std::move(body)}; }
  static Reply NoContent() { return Reply{204, nullptr}; }
};

using Handler = std::function<Result<Reply>(const Request&)>;

struct Route {
  std::string method;        // GET | POST | PUT | DELETE
  std::string path;          // OpenAPI template, e.g. /api/v1/examples/{id}
  std::string summary;
  std::string tag;
  Handler handler;
  int min_role = 0;          // service::Role needed (0 = public); set by BuildRoutes
  // Answered from memory or the local SQLite file in well under a millisecond, never waiting on
  // the network: the event-loop thread runs the handler itself instead of handing the request to
  // a worker (one thread wake-up per request instead of two). Set by BuildRoutes.
  bool quick = false;
  // When set, a quick route runs on the event loop only for requests it accepts (a cheap search);
  // the others go to a worker, where the concurrency caps apply.
  std::function<bool(const Request&)> quick_if;
  // The checks a request's head must pass before its client, waiting with "Expect: 100-continue",
  // is asked for the body: the site checks, authentication, the role, readiness and the rate limit
  // (charged: the request is then marked rate_charged). Answers status 100 when they pass, else
  // the final reply. Runs on a worker (a token is looked up in the store). Set by BuildRoutes.
  Handler before_body;
  // Set on a deprecated alias (a path of the original plan): the "METHOD path" of the route it
  // answers as. Audit, concurrency limits and the OpenAPI document use the canonical route.
  std::string alias_of;
};

// HTTP status for a Status code (SPEC §2.1).
int HttpStatusOf(Code code);
// The error body {"detail": ..., "code": ...}; validation errors carry the FastAPI-style list.
Json ErrorBody(const Status& st, const std::string& request_id);

// ---- Request parsing helpers used by handlers ----
// "Application/JSON; charset=utf-8" → "application/json".
std::string MediaType(const std::string& content_type);
// Parses the body as a JSON value: 415 unless the content type is application/json (or absent:
// the cross-site guard already refused a body without one), 400 when malformed, 422 for limit
// violations.
Result<Json> ParseJson(const Request& req);
// Parses a JSON object body (422 "must be a JSON object" otherwise).
Result<Json> ParseJsonObject(const Request& req);
// The body of a route whose body is optional: an empty body is {}; anything else must be a JSON
// object (422 for `"force"`, `[]`, `null`, `123`).
Result<Json> ParseOptionalJsonObject(const Request& req);
// The body of an action route that takes no fields (POST …/publish, …/cancel): empty or {}; any
// key is a 422 naming it, a body that is not an object a 422.
Status RequireNoFields(const Request& req);
// Query keys a request may repeat: list filters (`capability_tags`, `capability_tags_all`) and
// content filters (`input.<field>`, `output.<field>`, where repeating means "any of"). Every other
// key given twice is ambiguous.
bool IsRepeatableQueryKey(const std::string& key);
// 422 at {"query", key} for each non-repeatable key the query holds more than once.
Status RejectRepeatedQueryKeys(const Request& req);
// Query parameter helpers; errors are collected as field errors at loc {"query", key}.
std::optional<int64_t> QueryInt(const Request& req, const std::string& key, int64_t lo, int64_t hi,
                                Validation& v);
std::optional<double> QueryNumber(const Request& req, const std::string& key, double lo, double hi,
                                  Validation& v);
std::optional<bool> QueryBool(const Request& req, const std::string& key, Validation& v);
// Converts query parameters to a JSON object so body validators can be reused: keys in
// number_keys / bool_keys are converted when they parse as such (left as strings otherwise, so the
// validator reports the type error); keys in list_keys collect repeated values into lists.
Json QueryAsJson(const Request& req, const std::vector<std::string>& list_keys,
                 const std::vector<std::string>& number_keys,
                 const std::vector<std::string>& bool_keys);

// Path id as a UUID: a malformed id is 404 (SPEC §3), never 500.
Result<std::string> PathUuid(const Request& req, size_t index, const std::string& what);

// ---- Optimistic concurrency (If-Match / ETag) ----
// The ETag of a resource whose versions are numbered (an example's version, a template's
// updated_at in milliseconds): the number, quoted ("3").
std::string NumberETag(int64_t version);
// The versions an If-Match header names, as NumberETag writes them: `"3"`, weak `W/"3"`, a
// comma-separated list, or `*` (any: nothing to check). Empty when absent. Anything else is a 400
// "If-Match must be the ETag of <what> (or *)", e.g. what = `the example's version, e.g. "3"`.
Result<std::vector<int64_t>> ParseIfMatch(const Request& req, const std::string& what);

}  // namespace exemplar::api
