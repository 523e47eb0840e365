#include "embed/hub/repo_files.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace exemplar::embed::hub {
namespace {

// Files the local embedder may read, in the root folder or a module folder.
const std::set<std::string>& NeededNames() {
  static const std::set<std::string> names = {
      "config.json",          "modules.json",           "sentence_bert_config.json",
      "config_sentence_transformers.json",              "tokenizer.json",
      "tokenizer_config.json", "vocab.txt",             "special_tokens_map.json",
      "added_tokens.json",    "model.safetensors"};
  return names;
}

// SentencePiece models: only needed where there is no tokenizer.json (which carries the same
// vocabulary and is what the embedder prefers).
bool IsSentencePiece(const std::string& name) { return name == "sentencepiece.bpe.model" || name == "spiece.model"; }

// sentence-transformers names module folders "<index>_<Type>" (0_Transformer, 1_Pooling, 2_Dense).
bool IsModuleFolder(const std::string& folder) {
  const size_t underscore = folder.find('_');
  if (underscore == 0 || underscore == std::string::npos || underscore + 1 == folder.size()) return false;
  for (size_t i = 0; i < folder.size(); ++i) {
    const auto c = static_cast<unsigned char>(folder[i]);
    if (i < underscore ? !std::isdigit(c) : !(std::isalnum(c) || c == '_')) return false;
  }
  return true;
}

bool IsPartChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

std::string FolderOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string NameOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string Where(const std::string& folder) { return folder.empty() ? "the repository root" : folder + "/"; }

}  // namespace

Status ValidateRepoId(const std::string& repo_id) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid model repository id '" + repo_id + "': " + why +
                                   " (expected owner/name, e.g. sentence-transformers/all-MiniLM-L6-v2)");
  };
  if (repo_id.empty()) return bad("empty");
  if (repo_id.size() > 96 * 2 + 1) return bad("too long");
  const size_t slash = repo_id.find('/');
  if (slash != std::string::npos && repo_id.find('/', slash + 1) != std::string::npos) return bad("more than one '/'");
  std::vector<std::string> parts = {repo_id.substr(0, slash)};
  if (slash != std::string::npos) parts.push_back(repo_id.substr(slash + 1));
  for (const std::string& part : parts) {
    if (part.empty()) return bad("an empty part");
    if (part.size() > 96) return bad("a part longer than 96 characters");
    if (!std::all_of(part.begin(), part.end(), IsPartChar)) return bad("only letters, digits, '-', '_' and '.' are allowed");
    if (part.front() == '.' || part.front() == '-') return bad("a part starts with '.' or '-'");
    if (part.find("..") != std::string::npos) return bad("'..' is not allowed");
  }
  return Status::Ok();
}

Result<RepoInfo> ParseRepoInfo(const Json& body) {
  auto bad = [](const std::string& why) { return Status::Unavailable("unexpected reply from the hub's model API: " + why); };
  if (!body.is_object()) return bad("not a JSON object");
  auto sha = body.find("sha");
  if (sha == body.end() || !sha->is_string() || sha->get<std::string>().empty()) return bad("no commit sha");
  auto siblings = body.find("siblings");
  if (siblings == body.end() || !siblings->is_array()) return bad("no siblings (file list)");
  RepoInfo info;
  info.commit = sha->get<std::string>();
  for (const Json& s : *siblings) {
    if (!s.is_object() || !s.contains("rfilename") || !s["rfilename"].is_string()) return bad("a sibling without rfilename");
    RepoFile f;
    f.path = s["rfilename"].get<std::string>();
    if (s.contains("size") && s["size"].is_number_integer()) f.size = s["size"].get<int64_t>();
    if (s.contains("blobId") && s["blobId"].is_string()) f.blob_id = s["blobId"].get<std::string>();
    if (s.contains("lfs") && s["lfs"].is_object()) {
      const Json& lfs = s["lfs"];
      if (lfs.contains("sha256") && lfs["sha256"].is_string()) f.lfs_sha256 = lfs["sha256"].get<std::string>();
      // For an LFS file the content size is the LFS object's (`size` may be the pointer's).
      if (lfs.contains("size") && lfs["size"].is_number_integer()) f.size = lfs["size"].get<int64_t>();
    }
    info.files.push_back(std::move(f));
  }
  return info;
}

Result<std::vector<RepoFile>> SelectModelFiles(const RepoInfo& info, const std::string& repo_id) {
  std::map<std::string, std::set<std::string>> names_by_folder;  // every listed file, by folder
  for (const RepoFile& f : info.files) names_by_folder[FolderOf(f.path)].insert(NameOf(f.path));
  auto has = [&](const std::string& folder, const std::string& name) {
    auto it = names_by_folder.find(folder);
    return it != names_by_folder.end() && it->second.count(name) > 0;
  };

  std::vector<RepoFile> out;
  bool any_weights = false;
  for (const RepoFile& f : info.files) {
    const std::string folder = FolderOf(f.path), name = NameOf(f.path);
    if (!folder.empty() && !IsModuleFolder(folder)) continue;
    const bool needed = NeededNames().count(name) > 0 || (IsSentencePiece(name) && !has(folder, "tokenizer.json"));
    if (!needed) continue;
    const bool transformer_folder = folder.empty() || folder.ends_with("_Transformer");
    any_weights = any_weights || (name == "model.safetensors" && transformer_folder);
    out.push_back(f);
  }
  if (!any_weights) {
    if (has("", "pytorch_model.bin")) {
      return Status::FailedPrecondition(
          repo_id + " has only pytorch_model.bin weights; the local embedder reads model.safetensors. Pick a "
          "revision or a copy of the model that has model.safetensors (the hub's convert-to-safetensors bot "
          "opens such revisions as refs/pr/N)");
    }
    return Status::FailedPrecondition(repo_id + " has no model.safetensors (at its root or in a Transformer module folder): not a model the local "
                                      "embedder can load");
  }
  for (const auto& [folder, names] : names_by_folder) {
    if (!folder.empty() && !IsModuleFolder(folder)) continue;
    if (names.count("pytorch_model.bin") && !names.count("model.safetensors")) {
      return Status::FailedPrecondition(repo_id + ": " + Where(folder) +
                                        " has pytorch_model.bin weights without model.safetensors; the local "
                                        "embedder reads safetensors only");
    }
  }
  std::sort(out.begin(), out.end(), [](const RepoFile& a, const RepoFile& b) { return a.path < b.path; });
  return out;
}

}  // namespace exemplar::embed::hub
