#include "embed/local/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "common/json_util.h"

namespace exemplar::embed::local {
namespace {

int ElementSize(const std::string& dtype) {
  if (dtype == "F32") return 4;
  if (dtype == "F16" || dtype == "BF16") return 2;
  return 0;
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

const char* const kConvertHint =
    "pytorch_model.bin is not read: only safetensors weights are; download the repository's "
    "model.safetensors, or convert in Python with sentence-transformers >= 2.3: "
    "SentenceTransformer(DIR).save(DIR, safe_serialization=True), which also writes the Dense "
    "modules' model.safetensors";

float HalfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000 | (mant << 13);  // inf / nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal: normalise the mantissa
    int shift = 0;
    while (!(mant & 0x400)) {
      mant <<= 1;
      ++shift;
    }
    bits = sign | (static_cast<uint32_t>(113 - shift) << 23) | ((mant & 0x3FF) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float Bf16ToFloat(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

Result<SafetensorsFile> SafetensorsFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FailedPrecondition("missing model file " + path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < 8) {
    ::close(fd);
    return Status::InvalidArgument(path + ": too short for a safetensors file");
  }
  void* map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return Status::FailedPrecondition("cannot map " + path);
  SafetensorsFile file;
  file.path_ = path;
  file.data_ = static_cast<const uint8_t*>(map);
  file.size_ = static_cast<size_t>(st.st_size);

  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | file.data_[i];
  if (header_len > file.size_ - 8 || header_len > (uint64_t{100} << 20)) {
    return Status::InvalidArgument(path + ": bad safetensors header length");
  }
  Json header = Json::parse(file.data_ + 8, file.data_ + 8 + header_len, nullptr, false);
  if (!header.is_object()) return Status::InvalidArgument(path + ": safetensors header is not a JSON object");
  const uint64_t base = 8 + header_len, body = file.size_ - base;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string where = path + ": tensor " + name;
    if (!info.is_object() || !info.contains("dtype") || !info["dtype"].is_string() || !info.contains("shape") ||
        !info["shape"].is_array() || !info.contains("data_offsets") || !info["data_offsets"].is_array() ||
        info["data_offsets"].size() != 2) {
      return Status::InvalidArgument(where + ": needs dtype, shape and data_offsets");
    }
    Tensor t;
    t.dtype = info["dtype"].get<std::string>();
    uint64_t count = 1;
    for (const Json& d : info["shape"]) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > (uint64_t{1} << 40)) {
        return Status::InvalidArgument(where + ": bad shape");
      }
      t.shape.push_back(d.get<int64_t>());
      count *= d.get<uint64_t>();
      if (count > (uint64_t{1} << 40)) return Status::InvalidArgument(where + ": bad shape");
    }
    const Json& off = info["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned()) {
      return Status::InvalidArgument(where + ": bad data_offsets");
    }
    uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    if (begin > end || end > body) return Status::InvalidArgument(where + ": data_offsets outside the file");
    int elem = ElementSize(t.dtype);
    if (elem > 0 && end - begin != count * static_cast<uint64_t>(elem)) {
      return Status::InvalidArgument(where + ": byte size does not match dtype and shape");
    }
    t.begin = base + begin;
    t.end = base + end;
    file.tensors_.emplace(name, std::move(t));
  }
  return file;
}

Result<std::vector<float>> SafetensorsFile::ReadFloats(const std::string& name,
                                                       const std::vector<int64_t>& shape) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) return Status::InvalidArgument(path_ + ": missing tensor " + name);
  const Tensor& t = it->second;
  if (t.shape != shape) {
    return Status::InvalidArgument(path_ + ": tensor " + name + " has shape " + ShapeString(t.shape) +
                                   ", expected " + ShapeString(shape));
  }
  int elem = ElementSize(t.dtype);
  if (elem == 0) {
    return Status::InvalidArgument(path_ + ": tensor " + name + " has dtype " + t.dtype +
                                   " (supported: F32, F16, BF16)");
  }
  size_t n = (t.end - t.begin) / static_cast<size_t>(elem);
  std::vector<float> out(n);
  const uint8_t* p = data_ + t.begin;
  if (elem == 4) {
    std::memcpy(out.data(), p, n * 4);  // little-endian host (x86-64, aarch64)
    return out;
  }
  for (size_t i = 0; i < n; ++i) {
    uint16_t v;
    std::memcpy(&v, p + 2 * i, 2);
    out[i] = t.dtype == "F16" ? HalfToFloat(v) : Bf16ToFloat(v);
  }
  return out;
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& other) noexcept { *this = std::move(other); }

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& other) noexcept {
  if (this != &other) {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
    path_ = std::move(other.path_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    tensors_ = std::move(other.tensors_);
  }
  return *this;
}

SafetensorsFile::~SafetensorsFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace exemplar::embed::local
