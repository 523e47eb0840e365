// PII and secret detection (issue #20): finds emails, phone numbers, credit-card numbers (Luhn),
// IBANs (mod-97), US social security numbers, IP addresses and API-key-like secrets in text, and
// masks them. Hand-written scanners, not regexes: each kind has structural checks (checksums,
// ranges, separators) that keep version numbers, dates, serial numbers and hashes out.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "storage/records.h"

namespace exemplar::service {

// The kinds, in the order flags are listed.
inline const std::vector<std::string> kPiiKinds = {"email", "phone", "credit_card", "iban",
                                                   "ssn", "ip_address", "secret"};

struct PiiMatch {
  std::string kind;
  size_t begin = 0, end = 0;  // byte range in the text
};

// Every match in `text`, ordered by position, non-overlapping (the earlier, then longer, wins).
std::vector<PiiMatch> FindPii(const std::string& text);
// The distinct kinds found in the strings of a JSON value (keys included), in kPiiKinds order.
std::vector<std::string> PiiKindsInJson(const Json& value);
// The flags of an example: kinds found in its input, expected output and explanation.
std::vector<std::string> PiiFlags(const Example& e);
// The same from the example's input and expected output parsed already.
std::vector<std::string> PiiFlags(const Json& input, const Json& output, const std::optional<std::string>& explanation);
// `text` with each match replaced by "[REDACTED:<kind>]".
std::string RedactText(const std::string& text);
// A JSON value with every string redacted (keys are left alone).
Json RedactJson(const Json& value);
// The example with input, expected output and explanation redacted.
Example RedactExample(Example e);

}  // namespace exemplar::service
