#include "common/request_log.h"

namespace exemplar {
namespace {
thread_local const std::string* current_request = nullptr;
}  // namespace

RequestLogScope::RequestLogScope(const std::string& request_id) : previous_(current_request) {
  current_request = &request_id;
}

RequestLogScope::~RequestLogScope() { current_request = previous_; }

std::string RequestLogTag() {
  return current_request && !current_request->empty() ? " [request " + *current_request + "]" : "";
}

}  // namespace exemplar
