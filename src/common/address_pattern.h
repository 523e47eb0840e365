// A peer address pattern of trusted_proxy_addresses: `*`, an address (IPv4 or IPv6), or a
// network in CIDR form (`10.0.0.0/8`, `fd00::/8`). Parsed once at start-up, so a malformed prefix
// is a configuration error rather than a pattern that matches every peer.
#pragma once

#include <array>
#include <optional>
#include <string>

namespace exemplar {

struct AddressPattern {
  bool any = false;                 // `*`
  std::array<unsigned char, 16> net{};  // IPv4 in the IPv4-mapped IPv6 form
  int bits = 128;                   // prefix length over the 16 bytes (an IPv4 /8 is 104)
};

// The pattern, or nullopt with *why saying what is wrong with it.
std::optional<AddressPattern> ParseAddressPattern(const std::string& text, std::string* why);

// Whether `address` (an IPv4 or IPv6 literal) is in `pattern`; an address that does not parse
// matches only `*`.
bool AddressIn(const std::string& address, const AddressPattern& pattern);

}  // namespace exemplar
