#include "testing/fake_hub.h"

#include <openssl/evp.h>

#include <memory>

#include <nlohmann/json.hpp>

namespace exemplar::testing {
namespace {

std::string Hex(const unsigned char* digest, unsigned int len) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

std::string Digest(const std::string& data, const EVP_MD* md) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, md, nullptr);
  return Hex(digest, len);
}

void NotFound(httplib::Response& res, const std::string& code, const std::string& message) {
  res.status = 404;
  res.set_header("X-Error-Code", code);
  res.set_header("X-Error-Message", message);
  res.set_content(nlohmann::json{{"error", message}}.dump(), "application/json");
}

}  // namespace

std::string FakeHub::Sha256Hex(const std::string& data) { return Digest(data, EVP_sha256()); }

std::string FakeHub::GitBlobId(const std::string& data) {
  return Digest("blob " + std::to_string(data.size()) + std::string(1, '\0') + data, EVP_sha1());
}

FakeHub::FakeHub() {
  server_.Get(R"(/api/models/([^/]+)/([^/]+)/revision/([^/]+))", [this](const httplib::Request& req,
                                                                         httplib::Response& res) {
    Record(req);
    if (!Authorized(req, res)) return;
    std::lock_guard lock(mu_);
    const std::string id = req.matches[1].str() + "/" + req.matches[2].str();
    auto it = repos_.find(id);
    if (it == repos_.end()) return NotFound(res, "RepoNotFound", "Repository not found");
    const FakeRepo& repo = it->second;
    if (req.matches[3].str() != "main" && req.matches[3].str() != repo.commit) {
      return NotFound(res, "RevisionNotFound", "Invalid rev id: " + req.matches[3].str());
    }
    nlohmann::json siblings = nlohmann::json::array();
    for (const auto& [path, content] : repo.files) {
      nlohmann::json s = {{"rfilename", path}, {"size", content.size()}};
      if (repo.lfs.count(path)) {
        const std::string pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + Sha256Hex(content) +
                                    "\nsize " + std::to_string(content.size()) + "\n";
        s["blobId"] = GitBlobId(pointer);
        s["lfs"] = {{"sha256", Sha256Hex(content)}, {"size", content.size()}, {"pointerSize", pointer.size()}};
      } else {
        s["blobId"] = GitBlobId(content);
      }
      siblings.push_back(std::move(s));
    }
    res.set_content(nlohmann::json{{"id", id}, {"sha", repo.commit}, {"siblings", siblings}}.dump(), "application/json");
  });

  server_.Get(R"(/([^/]+)/([^/]+)/resolve/([^/]+)/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    Record(req);
    if (!Authorized(req, res)) return;
    std::string content, path = req.matches[4].str();
    {
      std::lock_guard lock(mu_);
      auto it = repos_.find(req.matches[1].str() + "/" + req.matches[2].str());
      if (it == repos_.end()) return NotFound(res, "RepoNotFound", "Repository not found");
      if (req.matches[3].str() != it->second.commit) return NotFound(res, "RevisionNotFound", "Invalid rev id");
      auto file = it->second.files.find(path);
      if (file == it->second.files.end()) return NotFound(res, "EntryNotFound", "Entry not found");
      if (it->second.lfs.count(path)) {  // the hub redirects LFS files to its CDN
        res.status = 302;
        res.set_header("Location", "/cdn/" + Sha256Hex(file->second));
        return;
      }
      content = file->second;
    }
    ServeContent(path, content, res);
  });

  server_.Get(R"(/cdn/([0-9a-f]+))", [this](const httplib::Request& req, httplib::Response& res) {
    Record(req);
    std::string content, path;
    {
      std::lock_guard lock(mu_);
      for (const auto& [id, repo] : repos_) {
        for (const auto& [p, c] : repo.files) {
          if (repo.lfs.count(p) && Sha256Hex(c) == req.matches[1].str()) {
            path = p;
            content = c;
          }
        }
      }
    }
    if (path.empty()) {
      res.status = 404;
      return;
    }
    ServeContent(path, content, res);
  });

  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::yield();
}

FakeHub::~FakeHub() {
  server_.stop();
  thread_.join();
}

void FakeHub::AddRepo(const std::string& repo_id, FakeRepo repo) {
  std::lock_guard lock(mu_);
  repos_[repo_id] = std::move(repo);
}

void FakeHub::RequireToken(const std::string& token) {
  std::lock_guard lock(mu_);
  token_ = token;
}

void FakeHub::Corrupt(const std::string& path) {
  std::lock_guard lock(mu_);
  corrupt_.insert(path);
}

void FakeHub::CutOff(const std::string& path, int64_t after_bytes, int times) {
  std::lock_guard lock(mu_);
  cut_[path] = {after_bytes, times};
}

std::vector<FakeHubRequest> FakeHub::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<FakeHubRequest> FakeHub::RequestsFor(const std::string& fragment) const {
  std::vector<FakeHubRequest> out;
  for (const auto& r : requests()) {
    if (r.path.find(fragment) != std::string::npos) out.push_back(r);
  }
  return out;
}

void FakeHub::Record(const httplib::Request& req) {
  std::lock_guard lock(mu_);
  requests_.push_back({req.path, req.get_header_value("Range"), req.get_header_value("Authorization")});
}

bool FakeHub::Authorized(const httplib::Request& req, httplib::Response& res) {
  std::lock_guard lock(mu_);
  if (token_.empty()) return true;
  const std::string got = req.get_header_value("Authorization");
  if (got == "Bearer " + token_) return true;
  res.status = 401;
  if (got.empty()) {
    res.set_header("X-Error-Code", "RepoNotFound");  // the hub hides private repositories
    res.set_header("X-Error-Message", "Repository not found");
  } else {
    res.set_header("X-Error-Message", "Invalid credentials in Authorization header");
  }
  res.set_content(R"({"error":"Invalid credentials in Authorization header"})", "application/json");
  return false;
}

// The body through a content provider, so cpp-httplib answers Range requests (206) and a cut-off
// can stop mid-body.
void FakeHub::ServeContent(const std::string& path, const std::string& content, httplib::Response& res) {
  auto body = std::make_shared<std::string>(content);
  int64_t cut_after = -1;
  {
    std::lock_guard lock(mu_);
    if (corrupt_.count(path) && !body->empty()) (*body)[0] = static_cast<char>((*body)[0] ^ 0x5a);
    auto it = cut_.find(path);
    if (it != cut_.end() && it->second.second > 0) {
      cut_after = it->second.first;
      --it->second.second;
    }
  }
  auto sent = std::make_shared<int64_t>(0);
  res.set_content_provider(body->size(), "application/octet-stream",
                           [body, sent, cut_after](size_t offset, size_t length, httplib::DataSink& sink) {
                             size_t n = std::min<size_t>(length, 8192);
                             if (cut_after >= 0 && *sent + static_cast<int64_t>(n) > cut_after) {
                               n = static_cast<size_t>(std::max<int64_t>(0, cut_after - *sent));
                               if (n > 0) sink.write(body->data() + offset, n);
                               return false;  // closes the connection mid-body
                             }
                             sink.write(body->data() + offset, n);
                             *sent += static_cast<int64_t>(n);
                             return true;
                           });
}

}  // namespace exemplar::testing
