// The access log (ops review, session 19): an operator handed a request id by a user finds its
// line. Every request is one line at debug level with the id its reply carries, the peer, the
// route and the status; a 5xx is one at warn. A storage error logged while a request runs names
// that request.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "common/ids.h"
#include "common/request_log.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

// Captures the default logger's lines at `level` while it lives.
class CapturedLog {
 public:
  explicit CapturedLog(spdlog::level::level_enum level) : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    logger->set_level(level);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(RequestLog, EveryRequestIsOneLineWithTheIdItsReplyCarries) {
  CapturedLog log(spdlog::level::debug);  // before the server, and gone after it
  TestServer server;
  auto missing = server.Get("/api/v1/examples/" + NewUuid());
  ASSERT_EQ(missing.status, 404);
  const std::string missing_id = missing.body.value("request_id", "");
  ASSERT_FALSE(missing_id.empty());
  auto bad = server.Post("/api/v1/examples", {{"bogus", 1}});
  ASSERT_EQ(bad.status, 422);
  const std::string bad_id = bad.body.value("request_id", "");
  httplib::Client c("127.0.0.1", server.port());
  auto listed = c.Get("/api/v1/templates?page_size=1");
  ASSERT_TRUE(listed && listed->status == 200);
  const std::string listed_id = listed->get_header_value("X-Request-Id");
  ASSERT_FALSE(listed_id.empty());
  const std::string text = log.text();
  ASSERT_FALSE(text.empty());
  EXPECT_NE(text.find("request " + missing_id + " 127.0.0.1 GET /api/v1/examples/{id} 404"), std::string::npos) << "[" << text << "]";
  EXPECT_NE(text.find("request " + bad_id + " 127.0.0.1 POST /api/v1/examples 422"), std::string::npos) << text;
  EXPECT_NE(text.find("request " + listed_id + " 127.0.0.1 GET /api/v1/templates 200"), std::string::npos) << text;
  EXPECT_EQ(text.find("page_size"), std::string::npos) << "the query string (where a secret could be) is not logged";
}

TEST(RequestLog, AtInfoOnlyServerErrorsAreLogged) {
  CapturedLog log(spdlog::level::info);
  TestServer server;
  ASSERT_EQ(server.Get("/api/v1/examples/" + NewUuid()).status, 404);
  EXPECT_EQ(log.text().find("request "), std::string::npos) << log.text();
}

TEST(RequestLog, ALineBelowTheApiNamesTheRequestItServed) {
  EXPECT_EQ(RequestLogTag(), "");
  {
    const std::string id = "0d4c1f6e-0000-4000-8000-000000000001";
    RequestLogScope scope(id);
    EXPECT_EQ(RequestLogTag(), " [request " + id + "]");
    {
      RequestLogScope inner("");
      EXPECT_EQ(RequestLogTag(), "");
    }
    EXPECT_EQ(RequestLogTag(), " [request " + id + "]");
  }
  EXPECT_EQ(RequestLogTag(), "");
}

}  // namespace
}  // namespace exemplar::testing
