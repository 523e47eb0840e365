// Reading the files of a model directory, with errors that name the file and key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/json_util.h"
#include "common/status.h"

namespace exemplar::embed::local {

// Whether `path` exists / is a directory; false on any filesystem error (never throws).
bool FileExists(const std::filesystem::path& path);
bool IsDirectory(const std::filesystem::path& path);

// Parses the file at `path`. Errors: kFailedPrecondition when it does not exist or cannot be read,
// kInvalidArgument when it is not a JSON object or array.
Result<Json> ReadJsonFile(const std::filesystem::path& path);

// Typed fields of a JSON object read from `file`: absent or null → `fallback`; a value of the
// wrong type → kInvalidArgument("<file>: <key> must be …").
Result<bool> BoolField(const Json& obj, const std::string& key, bool fallback, const std::string& file);
Result<int64_t> IntField(const Json& obj, const std::string& key, int64_t fallback, const std::string& file);
Result<double> NumberField(const Json& obj, const std::string& key, double fallback, const std::string& file);
Result<std::string> StringField(const Json& obj, const std::string& key, const std::string& fallback,
                                const std::string& file);

}  // namespace exemplar::embed::local
