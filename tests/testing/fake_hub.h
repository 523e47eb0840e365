// FakeHub: a stand-in for the Hugging Face Hub on a free loopback port (cpp-httplib), serving the
// two calls `exemplar model pull` makes, in the hub's shapes:
//   GET /api/models/{owner}/{name}/revision/{rev}?blobs=true → {id, sha, siblings: [{rfilename,
//       size, blobId, lfs: {sha256, size, pointerSize}}]}; unknown repo or revision → 404 with
//       X-Error-Code RepoNotFound / RevisionNotFound
//   GET /{owner}/{name}/resolve/{commit}/{path} → the file; LFS files → 302 to /cdn/{sha256}, a
//       CDN-like path serving the content (Range requests answered 206 by cpp-httplib)
// Knobs make it misbehave: a required token (401 "Invalid credentials in Authorization header"
// for another one), a file served corrupted, a file whose transfer is cut off mid-way.
// Every request is recorded. Thread-safe.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace exemplar::testing {

struct FakeRepo {
  std::string commit;                         // 40 hex digits
  std::map<std::string, std::string> files;   // path → content
  std::set<std::string> lfs;                  // paths stored in LFS (served through the CDN)
};

struct FakeHubRequest {
  std::string path;
  std::string range;          // the Range header, "" when none
  std::string authorization;  // the Authorization header, "" when none
};

class FakeHub {
 public:
  FakeHub();
  ~FakeHub();

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void AddRepo(const std::string& repo_id, FakeRepo repo);
  // Requests must carry "Authorization: Bearer <token>" (none → 401 as the hub does for private
  // repositories; another → 401 Invalid credentials).
  void RequireToken(const std::string& token);
  // Serves `path` of every repository with its first byte changed (the listing keeps the digests
  // of the real content).
  void Corrupt(const std::string& path);
  // The next `times` transfers of `path` stop after `after_bytes` bytes of the body and close the
  // connection.
  void CutOff(const std::string& path, int64_t after_bytes, int times);

  std::vector<FakeHubRequest> requests() const;
  // Requests whose path contains `fragment`.
  std::vector<FakeHubRequest> RequestsFor(const std::string& fragment) const;

  // Lowercase hex digests, computed here independently of the code under test.
  static std::string Sha256Hex(const std::string& data);
  static std::string GitBlobId(const std::string& data);

 private:
  void Record(const httplib::Request& req);
  bool Authorized(const httplib::Request& req, httplib::Response& res);
  void ServeContent(const std::string& path, const std::string& content, httplib::Response& res);

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, FakeRepo> repos_;   // GUARDED_BY(mu_)
  std::string token_;                       // GUARDED_BY(mu_)
  std::set<std::string> corrupt_;           // GUARDED_BY(mu_)
  std::map<std::string, std::pair<int64_t, int>> cut_;  // GUARDED_BY(mu_): path → (bytes, times)
  std::vector<FakeHubRequest> requests_;    // GUARDED_BY(mu_)
};

}  // namespace exemplar::testing
