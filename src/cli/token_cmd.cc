// exemplar token create|list|revoke: manage API bearer tokens (stored hashed).
#include <iostream>

#include "cli/commands.h"
#include "cli/runtime.h"
#include "common/time.h"

namespace exemplar::cli {

int RunToken(const Config& config, const std::string& action, const std::string& role,
             const std::string& name, const std::string& id) {
  auto rt = Runtime::Open(config, false);
  if (!rt.ok()) {
    std::cerr << "error: " << rt.status().message() << "\n";
    return 1;
  }
  service::Auth& auth = (*rt)->auth();
  if (action == "create") {
    auto r = service::ParseRole(role);
    if (!r) {
      std::cerr << "error: --role must be read, write or admin\n";
      return 2;
    }
    auto created = auth.CreateToken(*r, name.empty() ? std::nullopt : std::optional<std::string>(name));
    if (!created.ok()) {
      std::cerr << "error: " << created.status().message() << "\n";
      return 1;
    }
    std::cerr << "token " << created->first << " (role " << role << ") created; it is shown only once:\n";
    std::cout << created->second << "\n";
    return 0;
  }
  if (action == "list") {
    auto tokens = auth.ListTokens();
    if (!tokens.ok()) {
      std::cerr << "error: " << tokens.status().message() << "\n";
      return 1;
    }
    for (const auto& t : *tokens) {
      std::cout << t.id << "  " << t.role << "  " << t.name.value_or("-") << "  created "
                << FormatRfc3339(t.created_at) << (t.revoked_at ? "  REVOKED" : "") << "\n";
    }
    return 0;
  }
  Status st = auth.RevokeToken(id);
  if (!st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return 1;
  }
  std::cout << "revoked " << id << "\n";
  return 0;
}

}  // namespace exemplar::cli
