// SHA-256 of a byte string as 64 lowercase hex digits (OpenSSL's EVP digest).
#pragma once

#include <string>
#include <string_view>

namespace exemplar {

std::string Sha256Hex(std::string_view data);

}  // namespace exemplar
