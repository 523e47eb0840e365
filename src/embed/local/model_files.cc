#include "embed/local/model_files.h"

#include <fstream>
#include <sstream>

namespace exemplar::embed::local {
namespace {

Status WrongType(const std::string& file, const std::string& key, const char* expected) {
  return Status::InvalidArgument(file + ": " + key + " must be " + expected);
}

const Json* Field(const Json& obj, const std::string& key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace

bool FileExists(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

bool IsDirectory(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

Result<Json> ReadJsonFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FailedPrecondition("missing model file " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  Json j = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument(path.string() + ": not valid JSON");
  if (!j.is_object() && !j.is_array()) return Status::InvalidArgument(path.string() + ": expected a JSON object or array");
  return j;
}

Result<bool> BoolField(const Json& obj, const std::string& key, bool fallback, const std::string& file) {
  const Json* v = Field(obj, key);
  if (!v) return fallback;
  if (!v->is_boolean()) return WrongType(file, key, "true or false");
  return v->get<bool>();
}

Result<int64_t> IntField(const Json& obj, const std::string& key, int64_t fallback, const std::string& file) {
  const Json* v = Field(obj, key);
  if (!v) return fallback;
  if (!v->is_number_integer()) return WrongType(file, key, "an integer");
  return v->get<int64_t>();
}

Result<double> NumberField(const Json& obj, const std::string& key, double fallback, const std::string& file) {
  const Json* v = Field(obj, key);
  if (!v) return fallback;
  if (!v->is_number()) return WrongType(file, key, "a number");
  return v->get<double>();
}

Result<std::string> StringField(const Json& obj, const std::string& key, const std::string& fallback,
                                const std::string& file) {
  const Json* v = Field(obj, key);
  if (!v) return fallback;
  if (!v->is_string()) return WrongType(file, key, "a string");
  return v->get<std::string>();
}

}  // namespace exemplar::embed::local
