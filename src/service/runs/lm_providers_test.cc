// Caller LM endpoints (service/runs/lm_providers.h): which addresses count as non-public, and how a
// literal address is resolved for execution (checked, not pinned, connected to directly).
#include "service/runs/lm_providers.h"

#include <gtest/gtest.h>

namespace exemplar::service {
namespace {

TEST(LmProviders, EmbeddedIpv4AddressesAreJudgedByTheirIpv4) {
  // v4-mapped, IPv4-translated (RFC 6145: ::ffff:0:0/96), v4-compatible, NAT64, 6to4.
  for (const char* inner : {"127.0.0.1", "10.0.0.8", "192.168.1.1", "169.254.169.254", "100.64.0.1"}) {
    for (const std::string& prefix : {"::ffff:", "::ffff:0:", "::", "64:ff9b::"}) {
      EXPECT_TRUE(IsNonPublicAddress(prefix + inner)) << prefix << inner;
    }
  }
  EXPECT_TRUE(IsNonPublicAddress("::ffff:0:7f00:1"));  // the same, written in hex groups
  EXPECT_TRUE(IsNonPublicAddress("::ffff:0:a00:8"));
  for (const std::string& prefix : {"::ffff:", "::ffff:0:", "64:ff9b::"}) {
    EXPECT_FALSE(IsNonPublicAddress(prefix + "93.184.216.34")) << prefix;  // a public one stays public
  }
  // Not an IPv4 embedding: ::ffff:1:... is no translated address, and 2606:... is plain public.
  EXPECT_FALSE(IsNonPublicAddress("::ffff:1:7f00:1"));
  EXPECT_FALSE(IsNonPublicAddress("2606:4700:4700::1111"));
  EXPECT_TRUE(IsNonPublicAddress("::1"));
  EXPECT_TRUE(IsNonPublicAddress("fe80::1"));
  EXPECT_TRUE(IsNonPublicAddress("not an address"));
}

TEST(LmProviders, AddressLiteralsAreDottedQuadsAndIpv6Addresses) {
  EXPECT_TRUE(IsAddressLiteral("127.0.0.1"));
  EXPECT_TRUE(IsAddressLiteral("::1"));
  EXPECT_TRUE(IsAddressLiteral("::ffff:0:127.0.0.1"));
  // Forms getaddrinfo reads as addresses but curl hands to the resolver: pinned like names.
  EXPECT_FALSE(IsAddressLiteral("2130706433"));
  EXPECT_FALSE(IsAddressLiteral("127.1"));
  EXPECT_FALSE(IsAddressLiteral("localhost"));
  EXPECT_FALSE(IsAddressLiteral("[::1]"));  // URL brackets are removed before
}

Json CallerLm(const std::string& url) { return {{"base_url", url}, {"model", "m"}}; }

TEST(LmProviders, ALiteralCallerAddressIsCheckedNotPinnedAndConnectedDirectly) {
  Config c;
  c.allow_caller_lm_endpoints = true;
  LmProviders refusing(c);
  for (const char* url : {"http://[::1]:8000/v1", "http://[::ffff:0:127.0.0.1]:8000/v1", "http://[::ffff:0:a00:8]/v1",
                          "http://127.0.0.1:8000/v1", "http://10.0.0.8/v1"}) {
    auto e = refusing.Resolve(CallerLm(url), "");
    ASSERT_FALSE(e.ok()) << url;
    EXPECT_NE(e.status().message().find("lm_allow_private_networks"), std::string::npos) << e.status().message();
  }
  auto pub = refusing.Resolve(CallerLm("https://[2606:4700:4700::1111]/v1"), "key");
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_TRUE(pub->pinned_addresses.empty());  // "2606:...:443:[...]" would be malformed to curl
  EXPECT_TRUE(pub->direct);
  EXPECT_EQ(pub->api_key, "key");

  c.lm_allow_private_networks = true;
  LmProviders allowing(c);
  auto v6 = allowing.Resolve(CallerLm("http://[::1]:8000/v1"), "");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_TRUE(v6->pinned_addresses.empty());
  EXPECT_TRUE(v6->direct);
  // A name is still resolved once, checked and pinned.
  auto named = allowing.Resolve(CallerLm("http://localhost:8000/v1"), "");
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  ASSERT_EQ(named->pinned_addresses.size(), 1u);
  EXPECT_EQ(named->pinned_addresses[0].rfind("localhost:8000:", 0), 0u) << named->pinned_addresses[0];
  EXPECT_TRUE(named->direct);
}

TEST(LmProviders, OperatorProvidersKeepTheEnvironmentsProxy) {
  Config c;
  LmProviderConfig p;
  p.base_url = "https://llm.example.com/v1";
  p.model = "m";
  c.lm_providers["ops"] = p;
  LmProviders providers(c);
  auto e = providers.Resolve({{"provider", "ops"}}, "");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_FALSE(e->direct);
  EXPECT_TRUE(e->pinned_addresses.empty());
}

}  // namespace
}  // namespace exemplar::service
