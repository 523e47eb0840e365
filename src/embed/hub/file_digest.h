// Digests of downloaded files, as the Hugging Face Hub states them: SHA-256 of an LFS object's
// content, and the git blob id (SHA-1 of "blob <size>\0" + content) of a regular file.
#pragma once

#include <filesystem>
#include <string>

#include "common/status.h"

namespace exemplar::embed::hub {

// Lowercase hex digests of the file at `path`, read in 1 MiB pieces. kFailedPrecondition when it
// cannot be read.
Result<std::string> Sha256OfFile(const std::filesystem::path& path);
Result<std::string> GitBlobIdOfFile(const std::filesystem::path& path);

}  // namespace exemplar::embed::hub
