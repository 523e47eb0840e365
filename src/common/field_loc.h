// The wire form of an error location (a FieldError's loc): numeric parts are list indexes and
// are written as integers, as FastAPI reports them, e.g. ["body", "examples", 1, "input"]. One
// function for every place a loc is written (422 details, per-item batch errors, warnings).
// An object key that reads as a number (a content key "1" or "-1") is a string on the wire: the
// code that puts such a key into a loc writes it with LocKey.
#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"

namespace exemplar {

Json LocToJson(const std::vector<std::string>& loc);

// `key` as a loc part: as is, unless LocToJson would read it as a list index (or it starts with
// the marker), then prefixed with a NUL marker that LocToJson strips. (NUL cannot start a key
// of a body that parsed: ParseJsonBody refuses NUL; the marker on such a key keeps it exact too.)
std::string LocKey(const std::string& key);
// A loc part as text (for messages such as "at examples.1.input.1"): a key without its marker.
std::string LocPartText(const std::string& part);

}  // namespace exemplar
