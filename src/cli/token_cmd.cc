// exemplar token create|list|revoke: manage API bearer tokens (stored hashed).
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/runtime.h"
#include "common/time.h"
#include "storage/audit_context.h"

namespace exemplar::cli {
namespace {

// "90m", "12h", "30d", "3600s" → milliseconds; -1 when malformed.
int64_t ParseDuration(const std::string& text) {
  if (text.size() < 2) return -1;
  const char unit = text.back();
  const std::string digits = text.substr(0, text.size() - 1);
  if (digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  const int64_t n = std::stoll(digits);
  const int64_t per = unit == 's' ? 1000 : unit == 'm' ? 60'000 : unit == 'h' ? 3'600'000 : unit == 'd' ? 86'400'000 : -1;
  return per < 0 || n <= 0 ? -1 : n * per;
}

}  // namespace

int RunToken(const Config& config, const std::string& action, const std::string& role,
             const std::string& name, const std::string& id, const std::string& expires_in) {
  // The flags first: a refused command creates no database.
  const int64_t lifetime_ms = expires_in.empty() ? 0 : ParseDuration(expires_in);
  if (lifetime_ms < 0) {
    std::cerr << "error: --expires-in must be 1 to 6 digits (not 0) and a lower-case unit s, m, h or d, "
                 "e.g. 90m, 12h, 30d\n";
    return 2;
  }
  // A token stored where no server reads is no use: only `create` may start a database, and only
  // in a directory that exists.
  if (Status st = CheckStoreExists(config, /*may_create=*/action == "create"); !st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return 2;
  }
  auto rt = Runtime::OpenStoreOnly(config);
  if (!rt.ok()) {
    std::cerr << "error: " << rt.status().message() << "\n";
    return 1;
  }
  service::Auth& auth = (*rt)->auth();
  // Token changes are audited like API writes; the actor is the operator's login.
  AuditRecord entry = CliAuditEntry("token " + action);
  entry.entity = "token";
  if (!id.empty()) entry.entity_ids.push_back(id);
  if (action == "create") entry.diff_json = DumpJson(Json{{"role", role}, {"name", name}, {"expires_in", expires_in}});
  storage::AuditScope audit_scope(std::move(entry));
  if (action == "create") {
    auto r = service::ParseRole(role);
    if (!r) {
      std::cerr << "error: --role must be read, agent, write or admin\n";
      return 2;
    }
    auto created = auth.CreateToken(*r, name.empty() ? std::nullopt : std::optional<std::string>(name), lifetime_ms);
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
    const int64_t now = NowMillis();
    for (const auto& t : *tokens) {
      std::cout << t.id << "  " << t.role << "  " << t.name.value_or("-") << "  created "
                << FormatRfc3339(t.created_at) << "  last used "
                << (t.last_used_at ? FormatRfc3339(*t.last_used_at) : std::string("never"));
      if (t.expires_at) std::cout << (*t.expires_at <= now ? "  EXPIRED " : "  expires ") << FormatRfc3339(*t.expires_at);
      std::cout << (t.revoked_at ? "  REVOKED" : "") << "\n";
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
