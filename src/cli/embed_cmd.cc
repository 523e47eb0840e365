// exemplar embed --provider P --text "...": the vector the configured embedder gives one text.
#include <iostream>

#include "cli/commands.h"
#include "cli/runtime.h"
#include "common/json_util.h"

namespace exemplar::cli {

int RunEmbed(const Config& config, const std::string& text, bool json_output) {
  auto embedder = MakeEmbedder(config);
  if (!embedder.ok()) {
    std::cerr << "error: " << embedder.status().message() << "\n";
    return 1;
  }
  auto vector = (*embedder)->Embed(text);
  if (!vector.ok()) {
    std::cerr << "error: " << vector.status().message() << "\n";
    return 1;
  }
  if (json_output) {
    Json out = {{"model", (*embedder)->model()}, {"dim", vector->size()}, {"embedding", *vector}};
    std::cout << DumpJson(out) << "\n";
    return 0;
  }
  std::cout << (*embedder)->model() << " (" << vector->size() << " dimensions)\n";
  for (size_t i = 0; i < vector->size(); ++i) std::cout << (i ? " " : "") << (*vector)[i];
  std::cout << "\n";
  return 0;
}

}  // namespace exemplar::cli
