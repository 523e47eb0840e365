// SHA-256 of data given in pieces (the checksum of a file written a page at a time): the same
// digest as Sha256Hex (common/sha256.h) of the pieces joined.
#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace exemplar {

class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(std::string_view data);
  // 64 lowercase hex digits. REQUIRES: called once, after the last Update.
  std::string HexDigest();

 private:
  evp_md_ctx_st* ctx_;
};

}  // namespace exemplar
