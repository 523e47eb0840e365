#include "lm/provider_message.h"

#include <gtest/gtest.h>

namespace exemplar::lm {
namespace {

TEST(ProviderMessage, KeepsTheMeaningAndHidesAddressesAndSecrets) {
  const std::string leaky =
      R"({"error":{"message":"upstream http://10.1.2.3:9999/v1 refused key sk-supersecretvalue123456789 )"
      R"(for model gpt-4o-mini via gateway.corp.internal:8443 ([fd00::12]:80, 192.168.0.7, localhost:11434); )"
      R"(Authorization: Bearer eyJhbGciOi.abc.def; trace 9f8e7d6c5b4a39281706f5e4d3c2b1a0"}})";
  const std::string shown = ProviderMessage(leaky);
  for (const char* secret : {"10.1.2.3", "9999", "supersecret", "gateway.corp", "8443", "fd00", "192.168", "11434",
                             "eyJhbGciOi", "9f8e7d6c5b4a"}) {
    EXPECT_EQ(shown.find(secret), std::string::npos) << secret << " in: " << shown;
  }
  EXPECT_NE(shown.find("refused key"), std::string::npos) << shown;
  EXPECT_NE(shown.find("gpt-4o-mini"), std::string::npos) << shown;  // a model name is not a secret
}

TEST(ProviderMessage, ReadsTheUsualErrorShapesAndBoundsTheLength) {
  EXPECT_EQ(ProviderMessage(R"({"error":"model not found"})"), "model not found");
  EXPECT_EQ(ProviderMessage(R"({"detail":"rate limited"})"), "rate limited");
  EXPECT_EQ(ProviderMessage(R"({"message":"overloaded"})"), "overloaded");
  EXPECT_EQ(ProviderMessage(""), "(empty body)");
  EXPECT_LE(ProviderMessage(std::string(100000, 'x') + " ").size(), 304u);
  EXPECT_EQ(ProviderMessage("<html>bad gateway at https://lb.example.com/x</html>"), "<html>bad gateway at <url></html>");
}

}  // namespace
}  // namespace exemplar::lm
