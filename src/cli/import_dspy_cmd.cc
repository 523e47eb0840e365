// exemplar import-dspy --template ID program.json: a program compiled in DSPy becomes a new draft
// version of the template (POST /templates/{id}/import-dspy without the server).
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/runtime.h"
#include "storage/audit_context.h"

namespace exemplar::cli {

int RunImportDspy(const Config& config, const std::string& template_id, const std::string& file,
                  bool create_examples) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto state = ParseJsonBody(ss.str(), JsonLimits{1024 * 1024, 64, 100000});
  if (!state.ok()) {
    std::cerr << "error: " << file << ": " << state.status().ToString() << "\n";
    return 1;
  }
  auto rt = Runtime::Open(config);
  if (!rt.ok()) {
    std::cerr << "error: " << rt.status().message() << "\n";
    return 1;
  }
  // Only the examples it creates are embedded; the template version alone has no vectors.
  if (Status st = create_examples ? CheckStoreEmbedder(**rt) : Status::Ok(); !st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return 1;
  }
  storage::AuditScope audit_scope(CliAuditEntry("import-dspy"));
  auto out = (*rt)->dspy_import().Import(template_id, *state, create_examples, std::nullopt);
  if (!out.ok()) {
    std::cerr << "error: " << out.status().ToString() << "\n";
    return 1;
  }
  const Json& t = (*out)["template"];
  std::cerr << ((*out)["already_imported"] == true ? "already imported as " : "imported as ") << t["name"].get<std::string>() << " " << t["version"].get<std::string>() << " ("
            << (*out)["demos"].size() << " demos, " << (*out)["unmatched"].size() << " unmatched)\n";
  std::cout << DumpJson(*out, 2) << "\n";
  return 0;
}

}  // namespace exemplar::cli
