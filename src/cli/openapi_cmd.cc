// exemplar openapi: prints the OpenAPI document the server serves at /api/v1/openapi.json. The
// route table needs services to exist (handlers hold references), so the command opens a
// throwaway runtime on an empty SQLite store in a temporary directory; nothing else is touched.
#include <stdlib.h>

#include <filesystem>
#include <iostream>

#include "api/openapi.h"
#include "api/routes.h"
#include "cli/commands.h"
#include "cli/runtime.h"

namespace exemplar::cli {

int RunOpenApi(const Config& base) {
  std::string dir = (std::filesystem::temp_directory_path() / "exemplar-openapi-XXXXXX").string();
  if (!mkdtemp(dir.data())) {
    std::cerr << "error: cannot create a temporary directory\n";
    return 1;
  }
  int rc = 0;
  {
    Config config = base;
    config.data_dir = dir;
    config.db.clear();
    config.embedder = "hash";
    auto runtime = Runtime::Open(config, /*load_index=*/false);
    if (!runtime.ok()) {
      std::cerr << "error: " << runtime.status().message() << "\n";
      rc = 1;
    } else {
      std::cout << DumpJson(api::OpenApiDocument(api::BuildRoutes((*runtime)->services()))) << "\n";
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return rc;
}

}  // namespace exemplar::cli
