// Content fingerprints for the in-memory catalog: the normalised hash of an input or output (for
// identical-content duplicates) and the hashes of its top-level scalar fields (for
// `input.<key>` / `output.<key>` filters). 64-bit FNV-1a: a collision between two different
// values is ~1 in 10^19 per pair, far below anything a user would notice.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json_util.h"
#include "storage/records.h"

namespace exemplar::service {

uint64_t HashText(std::string_view s);
// A filter value's canonical text: a string as is, any other scalar as its JSON ("3", "true").
std::string CanonicalScalar(const Json& v);

struct ContentFingerprint {
  uint64_t normalized = 0;  // keys sorted, strings lower-cased with whitespace collapsed
  std::vector<std::pair<std::string, uint64_t>> fields;  // top-level scalar fields: key, hash
};
// The fingerprint of a stored JSON object text (parsed; a text that is not JSON is the discarded
// value), and of a value parsed already.
ContentFingerprint Fingerprint(const std::string& json_text);
ContentFingerprint FingerprintValue(const Json& value);

// Both sides of an example, computed once per write and handed to the duplicate check and the
// catalog (each parse costs ~13k instructions; a batch item used to parse its sides five times).
struct ExampleFingerprint {
  ContentFingerprint input, output;
};
ExampleFingerprint FingerprintExample(const Example& e);

}  // namespace exemplar::service
