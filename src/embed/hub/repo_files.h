// What a Hugging Face model repository holds, as the hub's revision API lists it, and which of its
// files the local embedder needs. Pure: no network, no disk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"

namespace exemplar::embed::hub {

// One file of a repository revision (a `siblings` entry of
// GET {endpoint}/api/models/{repo}/revision/{rev}?blobs=true).
struct RepoFile {
  std::string path;        // "rfilename": "/"-separated, relative to the repository root
  int64_t size = -1;       // bytes; -1 when the listing did not say
  std::string blob_id;     // git blob SHA-1 (hex) of a regular file; "" when not listed
  std::string lfs_sha256;  // LFS files: SHA-256 (hex) of the content the CDN serves; "" otherwise
};

struct RepoInfo {
  std::string commit;  // "sha": the commit the revision resolves to
  std::vector<RepoFile> files;
};

// Checks a repository id: "name" or "owner/name", each part of letters, digits, '-', '_', '.'
// (not starting with '.' or '-', no "..", at most 96 characters). kInvalidArgument otherwise.
Status ValidateRepoId(const std::string& repo_id);

// Reads the revision API's reply. kUnavailable("unexpected reply …") when it lacks `sha` or
// `siblings`, or a sibling lacks `rfilename`.
Result<RepoInfo> ParseRepoInfo(const Json& body);

// The files of `info` the local embedder reads (see embed/local/sentence_encoder.h): at the root
// and in sentence-transformers module folders ("1_Pooling", "2_Dense", …) — config.json,
// modules.json, sentence_bert_config.json, config_sentence_transformers.json, tokenizer.json,
// tokenizer_config.json, vocab.txt, special_tokens_map.json, added_tokens.json,
// model.safetensors, and sentencepiece.bpe.model / spiece.model in a folder without
// tokenizer.json. Other folders (onnx/, openvino/, …) and formats (pytorch_model.bin, tf, onnx)
// are left out. kFailedPrecondition naming the repository when it has no model.safetensors
// (saying so when it has only pytorch_model.bin), or a folder has pytorch_model.bin weights
// without model.safetensors (a Dense module saved in the old format).
Result<std::vector<RepoFile>> SelectModelFiles(const RepoInfo& info, const std::string& repo_id);

}  // namespace exemplar::embed::hub
