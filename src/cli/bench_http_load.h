// Concurrent keep-alive HTTP load for `exemplar bench`: `clients` threads, one connection each, one
// request in flight per connection. Two clients: cpp-httplib's (the figures the bench has always
// printed) and a lean one that sends prepared request bytes over a plain socket and reads each
// response by its Content-Length. On 2 cores the load generator shares the CPU with the server,
// so the lean client's figures are closer to what the server itself can do (as wrk would measure).
#pragma once

#include <httplib.h>

#include <functional>
#include <string>

namespace exemplar::cli {

struct HttpLoad {
  double p50_ms = 0;
  double qps = 0;
  int64_t requests = 0;
  int64_t errors = 0;  // failed connections, non-200 answers, unreadable responses
};

// Sends requests made by send(client, i) for i = 0, 1, ... until `total` (or, when max_seconds > 0,
// until that much time has passed).
HttpLoad RunLoad(int port, int clients, int total,
                 const std::function<httplib::Result(httplib::Client&, int)>& send, double max_seconds = 0);

// The same with the lean client: request(i) returns the complete request bytes (request line,
// headers, body), built once up front by the caller.
HttpLoad RunLeanLoad(int port, int clients, int total, const std::function<const std::string&(int)>& request);

// A complete HTTP/1.1 keep-alive request: GET when body is empty, else POST with a JSON body.
std::string RawRequest(const std::string& target, const std::string& body = "");

}  // namespace exemplar::cli
