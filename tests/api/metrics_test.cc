// /metrics in the Prometheus text format 0.0.4: every sample's family declared with HELP and
// TYPE, counters and byte counts printed as integers, doubles with every digit they need.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "api/metrics.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

bool AllDigits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The value printed for the sample line that starts with `series` (name and labels).
std::string ValueOf(const std::string& metrics, const std::string& series) {
  const auto at = metrics.find("\n" + series + " ");
  if (at == std::string::npos) return "";
  const auto start = at + series.size() + 2;
  return metrics.substr(start, metrics.find('\n', start) - start);
}

TEST(Metrics, EverySampleHasAFamilyWithHelpAndTypeAndPrintsExactly) {
  TestServer server;
  for (const char* text : {"bias voltage drift", "gain shift after power cycle", "dead channel on the left module"}) {
    ASSERT_EQ(server.Post("/api/v1/examples", MakeExample(text)).status, 201);
  }
  // A latency histogram whose sum no 6-digit print keeps: 1,234,567 requests of a millisecond.
  constexpr int kRequests = 1234567;
  double expected_sum = 0;
  for (int i = 0; i < kRequests; ++i) {
    server.runtime().metrics().Observe("GET", "probe", 200, 0.001);
    expected_sum += 0.001;  // as the histogram adds, so the same double
  }
  const std::string metrics = server.Get("/metrics").raw;

  std::map<std::string, std::string> help, type;
  std::set<std::string> sampled;
  std::istringstream lines(metrics);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string name, rest;
      words >> name;
      std::getline(words, rest);
      auto& table = line[2] == 'H' ? help : type;
      EXPECT_EQ(table.count(name), 0u) << "declared twice: " << line;
      const size_t text = rest.find_first_not_of(' ');
      EXPECT_NE(text, std::string::npos) << "empty: " << line;
      table[name] = text == std::string::npos ? "" : rest.substr(text);
      continue;
    }
    ASSERT_NE(line[0], '#') << "unexpected comment: " << line;
    const size_t name_end = line.find_first_of("{ ");
    ASSERT_NE(name_end, std::string::npos) << line;
    const std::string name = line.substr(0, name_end);
    const std::string value = line.substr(line.rfind(' ') + 1);
    // A histogram's samples belong to the family without their suffix.
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (type.count(name) == 0 && EndsWith(name, suffix)) family = name.substr(0, name.size() - std::strlen(suffix));
    }
    sampled.insert(family);
    ASSERT_TRUE(type.count(family)) << "no TYPE before " << line;
    EXPECT_TRUE(help.count(family)) << "no HELP before " << line;
    const std::string& t = type[family];
    EXPECT_TRUE(t == "counter" || t == "gauge" || t == "histogram") << family << ": " << t;
    if (family != name) {
      EXPECT_EQ(t, "histogram") << line;
    }
    if (t == "counter") {
      EXPECT_TRUE(EndsWith(family, "_total")) << family;
    }
    // Counts and byte sizes are integers; nothing prints in a stream's 6-digit default.
    if (t == "counter" || EndsWith(name, "_bytes") || EndsWith(name, "_count") || EndsWith(name, "_bucket")) {
      EXPECT_TRUE(AllDigits(value)) << line;
    }
    char* end = nullptr;
    std::strtod(value.c_str(), &end);
    EXPECT_EQ(*end, '\0') << "not a number: " << line;
  }
  // Every family the server reports, the index's, memory's, re-embedding's and the runs' included.
  for (const char* family : {"exemplar_http_requests_total", "exemplar_http_request_duration_seconds",
                             "exemplar_index_examples", "exemplar_index_vector_bytes", "exemplar_index_applied_change_seq",
                             "exemplar_memory_malloc_arena_bytes", "exemplar_memory_sqlite_bytes",
                             "exemplar_reembed_running", "exemplar_reembed_due", "exemplar_runs"}) {
    EXPECT_TRUE(sampled.count(family)) << family << "\n" << metrics;
  }
  EXPECT_EQ(type["exemplar_http_requests_total"], "counter");
  EXPECT_EQ(type["exemplar_runs"], "gauge");
  EXPECT_EQ(type["exemplar_index_vector_bytes"], "gauge");

  const std::string labels = "{method=\"GET\",route=\"probe\",status=\"200\"}";
  EXPECT_EQ(ValueOf(metrics, "exemplar_http_requests_total" + labels), std::to_string(kRequests));
  EXPECT_EQ(ValueOf(metrics, "exemplar_http_request_duration_seconds_count" + labels), std::to_string(kRequests));
  const std::string sum = ValueOf(metrics, "exemplar_http_request_duration_seconds_sum" + labels);
  EXPECT_EQ(std::strtod(sum.c_str(), nullptr), expected_sum) << sum;
  // A size read back exactly: the index's own figure.
  const size_t vector_bytes = server.runtime().index().Stats().vector_bytes;
  EXPECT_EQ(ValueOf(metrics, "exemplar_index_vector_bytes"), std::to_string(vector_bytes));
  EXPECT_EQ(ValueOf(metrics, "exemplar_runs{status=\"completed\"}"), "0");
}

// The renderer alone: counters past 2^53 and doubles that need 17 digits read back exactly.
TEST(Metrics, LargeCountersAndFineDoublesPrintExactly) {
  api::Metrics m;
  const int64_t big = (int64_t{1} << 53) + 1;  // a double cannot hold it
  const std::string text = m.Render({api::Counter("exemplar_big_total", "A large counter.", big),
                                     api::Gauge("exemplar_fine", "A double needing 17 digits.", 0.1 + 0.2),
                                     api::Gauge("exemplar_round", "A short double.", 2.5)});
  EXPECT_NE(text.find("# HELP exemplar_big_total A large counter.\n# TYPE exemplar_big_total counter\n"
                      "exemplar_big_total 9007199254740993\n"),
            std::string::npos)
      << text;
  const std::string fine = ValueOf(text, "exemplar_fine");
  EXPECT_EQ(std::strtod(fine.c_str(), nullptr), 0.1 + 0.2) << fine;
  EXPECT_EQ(ValueOf(text, "exemplar_round"), "2.5");
  EXPECT_EQ(api::FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
}

}  // namespace
}  // namespace exemplar::testing
