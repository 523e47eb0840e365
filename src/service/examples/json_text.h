// JsonTextWriter: writes compact JSON straight into a string, byte for byte as DumpJson writes the
// same value, for responses on hot paths (a search hit costs ~5x less than building an nlohmann
// DOM and dumping it). Keys are written in the order given: pass them sorted to match DumpJson.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace exemplar::service {

class JsonTextWriter {
 public:
  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  void Key(std::string_view key);  // REQUIRES: inside an object, before each value
  // Key for a name known to need no escaping (printable ASCII without '"' or '\\', e.g. the
  // server's own field names): copied as is, without looking at its bytes.
  void PlainKey(std::string_view key);

  void String(std::string_view s);  // invalid UTF-8 is replaced, as DumpJson does
  void Int(int64_t v);
  void Double(double v);  // NaN and infinities are written as null, as nlohmann does
  void Bool(bool b);
  void Null();
  // Text that already is compact JSON (e.g. an object column written by DumpJson), copied as is.
  void Raw(std::string_view json);

  void Reserve(size_t bytes) { out_.reserve(bytes); }  // room for the whole text, if known
  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();
  std::string out_;
  // Per open container: 1 while nothing is written in it yet (bytes, not vector<bool>'s bits:
  // this is touched before every value).
  std::string empty_;
  bool after_key_ = false;
};

}  // namespace exemplar::service
