// Value parsers shared by the configuration's sources (config.cc, config_env.cc); errors name the
// key, as "config KEY: expected ..., got 'VALUE'".
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace exemplar::config_parse {

Status ParseInt(const std::string& key, const std::string& v, int64_t lo, int64_t hi, int64_t* out);

}  // namespace exemplar::config_parse
