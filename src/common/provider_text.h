// What a caller may read of a provider's error reply. Gateways echo upstream hosts, internal
// addresses and sometimes keys into their messages; run records and API errors are readable by any
// read token, and the operator's endpoints are never shown (README, "LM providers"). So the
// message is kept for its meaning ("model not found") with addresses and secrets replaced.
#pragma once

#include <string>
#include <string_view>

namespace exemplar {

// The provider's own message from an error body ({"error": "..."}, {"error": {"message": ...}},
// {"message"}, {"detail"}), else the start of the body, scrubbed by ScrubProviderText.
// `secret` (the key or token the request was sent with) is replaced wherever it appears.
std::string ProviderMessage(const std::string& body, std::string_view secret = {});

// `text` with URLs, host names (any dotted name ending in a label of letters, with its port, or one
// label with a port), IPv4 and IPv6 addresses, bearer tokens, key-like strings (a long piece with a
// digit, not a model id built of short words) and the values of secret-named fields
// (password=, api_key=, X-Api-Key:, Authorization:) replaced by <url>, <host>, <address>,
// <secret>; at most 300 bytes (then "…"), never ending inside a UTF-8 character.
// Any occurrence of `secret` (when at least 4 bytes) is replaced by <secret> first, whatever it
// looks like: a provider or gateway echoing the key it was sent ("Invalid API key: letmein-Ops").
std::string ScrubProviderText(const std::string& text, std::string_view secret = {});

}  // namespace exemplar
