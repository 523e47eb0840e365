// What a caller may read of a provider's error reply. Gateways echo upstream hosts, internal
// addresses and sometimes keys into their messages; run records and API errors are readable by any
// read token, and the operator's endpoints are never shown (README, "LM providers"). So the
// message is kept for its meaning ("model not found") with addresses and secrets replaced.
#pragma once

#include <string>

namespace exemplar::lm {

// The provider's own message from an error body ({"error": "..."}, {"error": {"message": ...}},
// {"message"}, {"detail"}), else the start of the body, scrubbed by ScrubProviderText.
std::string ProviderMessage(const std::string& body);

// `text` with URLs, host names with ports, IP addresses, bearer tokens and key-like strings
// replaced by <url>, <host>, <address>, <secret>; at most ~300 characters.
std::string ScrubProviderText(const std::string& text);

}  // namespace exemplar::lm
