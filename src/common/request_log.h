// The request a thread is answering, for log lines written below the API (a database error the
// reply only summarises): they carry " [request <id>]" so an operator finds the line from the id a
// user reports. The dispatcher opens the scope around each handler; other threads have none.
#pragma once

#include <string>

namespace exemplar {

class RequestLogScope {
 public:
  explicit RequestLogScope(const std::string& request_id);
  ~RequestLogScope();
  RequestLogScope(const RequestLogScope&) = delete;
  RequestLogScope& operator=(const RequestLogScope&) = delete;

 private:
  const std::string* previous_;
};

// " [request <id>]" on a thread inside a scope, else "".
std::string RequestLogTag();

}  // namespace exemplar
