// SHA-256 as 64 lowercase hex digits (OpenSSL's EVP digest): of one byte string, or of data given
// in pieces (the checksum of a file written a page at a time).
#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace exemplar {

std::string Sha256Hex(std::string_view data);

// The same digest as Sha256Hex of the pieces joined.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(std::string_view data);
  // REQUIRES: called once, after the last Update.
  std::string HexDigest();

 private:
  evp_md_ctx_st* ctx_;
};

}  // namespace exemplar
