#include "embed/hub/file_digest.h"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>
#include <vector>

namespace exemplar::embed::hub {
namespace {

Result<std::string> DigestOfFile(const std::filesystem::path& path, const EVP_MD* md, const std::string& prefix_of_size) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (ec || !f) return Status::FailedPrecondition("cannot read " + path.string());
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) return Status::Internal("cannot start a digest");
  if (!prefix_of_size.empty()) {
    const std::string header = prefix_of_size + std::to_string(size);
    EVP_DigestUpdate(ctx.get(), header.data(), header.size() + 1);  // with the terminating NUL
  }
  std::vector<unsigned char> buf(1 << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) EVP_DigestUpdate(ctx.get(), buf.data(), n);
  if (std::ferror(f.get())) return Status::FailedPrecondition("cannot read " + path.string());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

}  // namespace

Result<std::string> Sha256OfFile(const std::filesystem::path& path) { return DigestOfFile(path, EVP_sha256(), ""); }

Result<std::string> GitBlobIdOfFile(const std::filesystem::path& path) { return DigestOfFile(path, EVP_sha1(), "blob "); }

}  // namespace exemplar::embed::hub
