// HubClient: the two calls of the Hugging Face Hub's public HTTP API that pulling a model needs,
// over libcurl:
//   GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true   the files of a revision, with
//       sizes, git blob ids and LFS SHA-256s (`sha` = the commit it resolves to)
//   GET {endpoint}/{repo}/resolve/{commit}/{path}                     a file; LFS files redirect to a
//       CDN, and the redirect is followed (http/https only, at most 10 hops)
// `token` (HF_TOKEN) is sent as "Authorization: Bearer …" to the endpoint's host only: curl drops a
// custom Authorization header when a redirect leaves the host, so it never reaches the CDN.
// Error messages say what went wrong in the user's terms (repository not found, token refused, no
// network) and never contain the token.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "common/status.h"
#include "embed/hub/repo_files.h"

namespace exemplar::embed::hub {

constexpr const char* kDefaultEndpoint = "https://huggingface.co";

struct HubOptions {
  std::string endpoint = kDefaultEndpoint;  // HF_ENDPOINT: a mirror, or a fake hub in tests
  std::string token;                        // HF_TOKEN; "" = anonymous
  long connect_timeout_ms = 15000;
  long api_timeout_ms = 60000;              // the listing call, whole
  // A download slower than 1 KiB/s for this long is abandoned; the next attempt resumes it.
  long stall_timeout_s = 60;
};

// Bytes of the file on disk so far and its full size (-1 when unknown).
using ProgressFn = std::function<void(int64_t done, int64_t total)>;

class HubClient {
 public:
  explicit HubClient(HubOptions options);
  const HubOptions& options() const { return options_; }

  // The files of `revision` (a branch, tag or commit) of model repository `repo_id`.
  // Errors: kNotFound (repository or revision unknown, or private without a token),
  // kUnauthenticated (the token was refused), kPermissionDenied (gated, or no access),
  // kUnavailable (no network, hub errors 429/5xx, an unexpected reply).
  Result<RepoInfo> FetchRepoInfo(const std::string& repo_id, const std::string& revision) const;

  // Downloads `path` of `repo_id` at `commit` into `part`, continuing after the bytes already in
  // `part` with a Range request (a server that ignores the range answers 200 and the file is
  // rewritten from the start). `total` is the expected size (-1 unknown), for progress only.
  // Errors: kUnavailable when the transfer failed or was cut off and a new attempt may continue
  // it (429, 5xx, network errors; a 416 reply empties `part` first); kNotFound,
  // kUnauthenticated, kPermissionDenied as above; kFailedPrecondition when `part` cannot be
  // written.
  Status Download(const std::string& repo_id, const std::string& commit, const std::string& path,
                  const std::filesystem::path& part, int64_t total, const ProgressFn& progress) const;

  // Percent-encodes `s` for one URL path segment ('/' encoded too unless keep_slash).
  static std::string Encode(const std::string& s, bool keep_slash);

 private:
  HubOptions options_;
};

}  // namespace exemplar::embed::hub
