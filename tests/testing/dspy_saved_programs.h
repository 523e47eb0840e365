// The programs real DSPy 3.3.1 saved for the seeded calibration template (tests/data/dspy_import),
// for the import tests. A test that includes this defines EXEMPLAR_DSPY_IMPORT_DIR.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "common/json_util.h"

namespace exemplar::testing {

inline constexpr const char* kCalibrationTemplate = "e5a2d7c9-3f18-4b6a-8d4e-9c1b0a6f2e03";

// One saved program (its JSON file under tests/data/dspy_import).
inline Json LoadSavedProgram(const std::string& name) {
  std::ifstream in(std::string(EXEMPLAR_DSPY_IMPORT_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str());
}

// What a program holding dspy.Predict(S) as attribute `predict` saves: bare_predict.json's state
// under the key `predict`.
inline Json PredictProgram() {
  Json flat = LoadSavedProgram("bare_predict.json");
  Json metadata = flat["metadata"];
  flat.erase("metadata");
  return {{"predict", flat}, {"metadata", metadata}};
}

// The findings of an import response with this code.
inline Json FindingsWithCode(const Json& response, const std::string& code) {
  Json out = Json::array();
  for (const auto& f : response.value("findings", Json::array())) {
    if (f.value("code", "") == code) out.push_back(f);
  }
  return out;
}

}  // namespace exemplar::testing
