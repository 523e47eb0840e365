// The wire form of an error location (a FieldError's loc): numeric parts are list indexes and
// are written as integers, as FastAPI reports them, e.g. ["body", "examples", 1, "input"]. One
// function for every place a loc is written (422 details, per-item batch errors, warnings).
#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"

namespace exemplar {

Json LocToJson(const std::vector<std::string>& loc);

}  // namespace exemplar
