// SafetensorsFile: read-only access to a .safetensors file (memory-mapped).
//
// Format: 8-byte little-endian header length N, N bytes of JSON header
// {"<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}},
// then the raw little-endian tensor data; offsets are relative to the end of the header.
// Tensors of dtype F32, F16 and BF16 are read as float32.
//
// Open validates the whole header: every tensor's byte range lies inside the file and matches
// its dtype and shape. Move-only; const methods are thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace exemplar::embed::local {

class SafetensorsFile {
 public:
  // Errors: kFailedPrecondition when the file is missing or unreadable, kInvalidArgument when it
  // is not a valid safetensors file.
  static Result<SafetensorsFile> Open(const std::string& path);
  SafetensorsFile(SafetensorsFile&& other) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&& other) noexcept;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;
  ~SafetensorsFile();

  bool Has(const std::string& name) const { return tensors_.count(name) > 0; }
  // The tensor as float32, row-major. Errors: kInvalidArgument when it is absent, its shape differs
  // from `shape`, or its dtype is not F32/F16/BF16.
  Result<std::vector<float>> ReadFloats(const std::string& name, const std::vector<int64_t>& shape) const;

 private:
  struct Tensor {
    std::string dtype;
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0;  // absolute file offsets
  };
  SafetensorsFile() = default;

  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::map<std::string, Tensor> tensors_;
};

// How to turn a pytorch_model.bin into the model.safetensors read here (for error messages).
extern const char* const kConvertHint;

// IEEE half and bfloat16 bit patterns to float.
float HalfToFloat(uint16_t h);
float Bf16ToFloat(uint16_t b);

}  // namespace exemplar::embed::local
