// A run's event stream resumes where a client left it (Last-Event-ID), and an id that another
// process gave (a replica, or this server before a restart, both counting from 1) does not make it
// skip this process's events.
#include <gtest/gtest.h>

#include <httplib.h>

#include <thread>

#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";

struct Frame {
  std::string id, type;
};

// The frames of a Server-Sent Events body, in order.
std::vector<Frame> Frames(const std::string& body) {
  std::vector<Frame> out;
  for (size_t at = 0; at < body.size();) {
    size_t end = body.find("\n\n", at);
    if (end == std::string::npos) end = body.size();
    Frame f;
    for (size_t line = at; line < end;) {
      size_t line_end = std::min(body.find('\n', line), end);
      const std::string text = body.substr(line, line_end - line);
      if (text.rfind("id: ", 0) == 0) f.id = text.substr(4);
      if (text.rfind("event: ", 0) == 0) f.type = text.substr(7);
      line = line_end + 1;
    }
    if (!f.type.empty()) out.push_back(f);
    at = end + 2;
  }
  return out;
}

// Reads a run's event stream with this Last-Event-ID ("" for none) until it ends, or until it has
// `stop_after` events (frames with an id) when that is not 0.
std::vector<Frame> ReadStream(int port, const std::string& run_id, const std::string& last_event_id,
                              size_t stop_after = 0) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(120, 0);
  httplib::Headers headers;
  if (!last_event_id.empty()) headers.emplace("Last-Event-ID", last_event_id);
  std::string body;
  c.Get(("/api/v1/dspy-runs/" + run_id + "/events").c_str(), headers, [&](const char* data, size_t n) {
    body.append(data, n);
    if (stop_after == 0) return true;
    size_t with_id = 0;
    for (const Frame& f : Frames(body)) with_id += f.id.empty() ? 0 : 1;
    return with_id < stop_after;
  });
  return Frames(body);
}

TEST(RunEventIds, AReconnectResumesAfterItsEventAndAnotherProcesssIdReplays) {
  TestServer server;
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  auto launched = server.Post("/api/v1/dspy-runs", SlowMiproRun(ids[kDefectTemplate], 40, 6));
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const std::string run_id = launched.body["run_id"];

  // First the run's state (no id), then its events, numbered by this process. The client drops
  // the stream after three (or a few more, when they came in one piece).
  const std::vector<Frame> first = ReadStream(server.port(), run_id, "", 3);
  ASSERT_GE(first.size(), 4u);
  EXPECT_EQ(first[0].type, "status");
  EXPECT_TRUE(first[0].id.empty());
  const std::string token = first[1].id.substr(0, first[1].id.find('-'));
  ASSERT_EQ(token.size(), 8u) << first[1].id;
  for (size_t i = 1; i < first.size(); ++i) EXPECT_EQ(first[i].id, token + "-" + std::to_string(i));
  const size_t seen = first.size() - 1;

  // Reconnects while the run goes on: with the last id seen, the stream goes on after it; with
  // an id another process gave (the same number under another token), a bare number or a
  // malformed id, it starts from this process's first event. Read to the run's end.
  const std::vector<std::string> last_ids = {first.back().id, "0badc0de-" + std::to_string(seen), std::to_string(seen),
                                             token + "-x", token + "--1"};
  std::vector<std::vector<Frame>> again(last_ids.size());
  std::vector<std::thread> readers;
  for (size_t i = 0; i < last_ids.size(); ++i) {
    readers.emplace_back([&, i] { again[i] = ReadStream(server.port(), run_id, last_ids[i]); });
  }
  for (auto& t : readers) t.join();
  ASSERT_EQ(WaitForRun(server, run_id)["status"], "completed");
  for (size_t i = 0; i < last_ids.size(); ++i) {
    const std::vector<Frame>& frames = again[i];
    ASSERT_GE(frames.size(), 2u) << last_ids[i];
    EXPECT_EQ(frames[0].type, "status") << last_ids[i];
    // Every event once, in order, from the one after `after` (the run's state may come between
    // events, without an id, when it moved while no event did).
    size_t next = (i == 0 ? seen : 0) + 1;
    for (size_t j = 1; j < frames.size(); ++j) {
      if (!frames[j].id.empty()) EXPECT_EQ(frames[j].id, token + "-" + std::to_string(next++)) << last_ids[i];
    }
    EXPECT_GT(next, seen + 1) << last_ids[i];
    EXPECT_EQ(frames.back().type, "status") << last_ids[i];
  }
}

}  // namespace
}  // namespace exemplar::testing
