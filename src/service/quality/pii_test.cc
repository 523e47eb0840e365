// PII detection against a labelled corpus of true and false positives: prints precision and recall
// (overall and per kind) and asserts thresholds; the traps (versions, dates, serials, hashes, ids)
// must stay clean.
#include "service/quality/pii.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>

namespace exemplar::service {
namespace {

struct Sample {
  const char* text;
  std::set<std::string> kinds;  // expected
};

const std::vector<Sample>& Corpus() {
  static const std::vector<Sample> kCorpus = {
      // emails
      {"Contact ana@example.com for the report.", {"email"}},
      {"cc: first.last+tag@sub.example.co.uk", {"email"}},
      {"owner <j_doe99@plant-7.example.org>", {"email"}},
      {"ping @mention in the channel", {}},
      {"mail user@localhost when done", {}},
      // phones
      {"Call (555) 234-5678 after 5pm", {"phone"}},
      {"customer phone +1 415 555 2671", {"phone"}},
      {"London office: +44 20 7946 0958.", {"phone"}},
      {"hotline 1-800-555-0199", {"phone"}},
      {"mobile 415-555-2671", {"phone"}},
      {"Berlin +49 30 12345678", {"phone"}},
      {"fax 212.555.0147", {"phone"}},
      {"firmware version 1.2.3 released", {}},
      {"released 2024-01-15 at 12:30:45", {}},
      {"serial SN-4839-2291-1034 failed QC", {}},
      {"part no. 1234567890 in stock", {}},
      {"ISBN 978-3-16-148410-0", {}},
      {"build v10.4.2-rc1 on 2025/03/07", {}},
      {"order #1234-5678 shipped", {}},
      {"pi is 3.14159265358979", {}},
      {"range 100-200-300 counts", {}},
      {"coordinates 40.7128, -74.0060", {}},
      {"Resolution 6.9% FWHM @ 662 keV after 8760 hours", {}},
      {"date 15.01.2024 and 01/15/2024", {}},
      // credit cards (Luhn)
      {"card 4111 1111 1111 1111 exp 12/27", {"credit_card"}},
      {"paid with 5500-0000-0000-0004", {"credit_card"}},
      {"amex 3782 822463 10005", {"credit_card"}},
      {"discover 6011111111111117", {"credit_card"}},
      {"visa 4012888888881881", {"credit_card"}},
      {"card 4111 1111 1111 1112 (typo)", {}},
      {"tracking 1Z999AA10123456784", {}},
      // IBAN (mod 97)
      {"IBAN GB82 WEST 1234 5698 7654 32", {"iban"}},
      {"transfer to DE89370400440532013000 today", {"iban"}},
      {"FR1420041010050500013M02606", {"iban"}},
      {"GB82 WEST 1234 5698 7654 33", {}},
      {"model DE12ABCDEFGHIJKLMNOP", {}},
      // SSN
      {"SSN 123-45-6789 on file", {"ssn"}},
      {"ssn: 078-05-1120", {"ssn"}},
      {"id 000-12-3456", {}},
      {"id 666-12-3456", {}},
      {"id 987-65-4321", {}},
      // IP addresses
      {"host 192.168.1.20 is down", {"ip_address"}},
      {"from 10.0.0.1", {"ip_address"}},
      {"v6 2001:db8::8a2e:370:7334", {"ip_address"}},
      {"link-local fe80::1ff:fe23:4567:890a", {"ip_address"}},
      {"bad 999.1.1.1 address", {}},
      {"upgrade to 1.2.3.4.5", {}},
      {"MAC 00:1A:2B:3C:4D:5E", {}},
      {"ratio 3:2:1 mix", {}},
      {"std::vector<int> v;", {}},
      // secrets
      {"OPENAI_API_KEY sk-proj-abc123DEF456ghi789JKL012mno345", {"secret"}},
      {"aws AKIAIOSFODNN7EXAMPLE", {"secret"}},
      {"token ghp_16C7e42F292c6912E7710c838347Ae178B4a", {"secret"}},
      {"login password=Hunter2!x", {"secret"}},
      {"api_key: \"Zx81kLm02Qp\"", {"secret"}},
      {"Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
       "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
       {"secret"}},
      {"databricks dapi0123456789abcdef0123456789abcdef", {"secret"}},
      {"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", {"secret"}},
      {"random 9fQ2xL7pV3mK8sT1wZ4bN6cR0dY5hJ2gA7eU", {"secret"}},
      {"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", {}},
      {"uuid 7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01", {}},
      {"password reset requested by the user", {}},
      {"token budget is 512", {}},
      {"ScintiMaxNX3x3NaITlDetectorAssemblyRevisionB", {}},
      {"a secret: forgotten", {}},
      // mixed
      {"Reach me at bo@example.net or +1 415 555 2671; card 4111111111111111.",
       {"email", "phone", "credit_card"}},
      {"Server 172.16.0.5, SSN 123-45-6789", {"ip_address", "ssn"}},
  };
  return kCorpus;
}

TEST(Pii, CorpusPrecisionAndRecall) {
  std::map<std::string, int> tp, fp, fn;
  int total_tp = 0, total_fp = 0, total_fn = 0;
  for (const auto& s : Corpus()) {
    std::set<std::string> found;
    for (const auto& m : FindPii(s.text)) found.insert(m.kind);
    for (const auto& k : found) {
      if (s.kinds.count(k)) ++tp[k], ++total_tp;
      else ++fp[k], ++total_fp, std::printf("false positive %s in: %s\n", k.c_str(), s.text);
    }
    for (const auto& k : s.kinds) {
      if (!found.count(k)) ++fn[k], ++total_fn, std::printf("missed %s in: %s\n", k.c_str(), s.text);
    }
  }
  auto ratio = [](int a, int b) { return a + b == 0 ? 1.0 : static_cast<double>(a) / (a + b); };
  for (const auto& kind : kPiiKinds) {
    std::printf("pii %-12s precision %.3f recall %.3f (tp %d, fp %d, fn %d)\n", kind.c_str(),
                ratio(tp[kind], fp[kind]), ratio(tp[kind], fn[kind]), tp[kind], fp[kind], fn[kind]);
  }
  double precision = ratio(total_tp, total_fp), recall = ratio(total_tp, total_fn);
  std::printf("pii overall      precision %.3f recall %.3f over %zu samples\n", precision, recall, Corpus().size());
  EXPECT_GE(precision, 0.95);
  EXPECT_GE(recall, 0.95);
  EXPECT_GE(ratio(tp["phone"], fp["phone"]), 0.95);
}

// The traps of the issue: version numbers, dates, times and serial numbers are never phones.
TEST(Pii, NumbersThatAreNotPhones) {
  for (const char* text : {"firmware version 1.2.3 released", "v10.4.2-rc1", "released 2024-01-15", "at 12:30:45",
                           "date 15.01.2024", "01/15/2024", "serial SN-4839-2291-1034", "S/N 4839-2291-1034-77",
                           "part no. 1234567890", "ISBN 978-3-16-148410-0", "lot 2024-0115-0042", "build 20240115.3",
                           "1.2.3.4.5", "pi 3.14159265358979"}) {
    for (const auto& m : FindPii(text)) EXPECT_NE(m.kind, "phone") << text;
  }
}

TEST(Pii, RedactionMasksEachMatchAndKeepsTheRest) {
  EXPECT_EQ(RedactText("mail ana@example.com or call (555) 234-5678."),
            "mail [REDACTED:email] or call [REDACTED:phone].");
  Json j = {{"note", "SSN 123-45-6789"}, {"n", 5}, {"list", {"4111 1111 1111 1111"}}};
  Json r = RedactJson(j);
  EXPECT_EQ(r["note"], "SSN [REDACTED:ssn]");
  EXPECT_EQ(r["n"], 5);
  EXPECT_EQ(r["list"][0], "[REDACTED:credit_card]");
}

TEST(Pii, FlagsCoverInputOutputAndExplanation) {
  Example e;
  e.input_json = R"({"text":"write to ana@example.com"})";
  e.expected_output_json = R"({"ip":"10.0.0.1"})";
  e.explanation = "password=Hunter2!x";
  EXPECT_EQ(PiiFlags(e), (std::vector<std::string>{"email", "ip_address", "secret"}));
  e.explanation.reset();
  e.input_json = R"({"text":"version 1.2.3"})";
  e.expected_output_json = R"({"label":"ok"})";
  EXPECT_TRUE(PiiFlags(e).empty());
}

}  // namespace
}  // namespace exemplar::service
