#include "common/address_pattern.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace exemplar {
namespace {

// The address as 16 bytes (IPv4 as IPv4-mapped IPv6); *v4 says which it was.
bool ToBytes(const std::string& text, std::array<unsigned char, 16>* out, bool* v4) {
  in6_addr a6{};
  if (inet_pton(AF_INET6, text.c_str(), &a6) == 1) {
    std::memcpy(out->data(), a6.s6_addr, 16);
    *v4 = false;
    return true;
  }
  in_addr a4{};
  if (inet_pton(AF_INET, text.c_str(), &a4) != 1) return false;
  out->fill(0);
  (*out)[10] = (*out)[11] = 0xff;
  std::memcpy(out->data() + 12, &a4.s_addr, 4);
  *v4 = true;
  return true;
}

}  // namespace

std::optional<AddressPattern> ParseAddressPattern(const std::string& text, std::string* why) {
  AddressPattern p;
  if (text == "*") {
    p.any = true;
    return p;
  }
  const size_t slash = text.find('/');
  const std::string address = text.substr(0, slash);
  bool v4 = false;
  if (!ToBytes(address, &p.net, &v4)) {
    *why = "'" + address + "' is not an IPv4 or IPv6 address (host names are not resolved)";
    return std::nullopt;
  }
  if (slash == std::string::npos) return p;
  const std::string prefix = text.substr(slash + 1);
  const int max_bits = v4 ? 32 : 128;
  int bits = -1;
  auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), bits);
  if (prefix.empty() || ec != std::errc() || end != prefix.data() + prefix.size() || bits < 0 || bits > max_bits) {
    *why = "'" + text + "': the prefix length after '/' must be a whole number from 0 to " + std::to_string(max_bits);
    return std::nullopt;
  }
  p.bits = v4 ? bits + 96 : bits;
  return p;
}

bool AddressIn(const std::string& address, const AddressPattern& pattern) {
  if (pattern.any) return true;
  std::array<unsigned char, 16> a{};
  bool v4 = false;
  if (!ToBytes(address, &a, &v4)) return false;
  int bits = pattern.bits;
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((a[i] & mask) != (pattern.net[i] & mask)) return false;
  }
  return true;
}

}  // namespace exemplar
