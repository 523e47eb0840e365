// exemplar seed: load the demo templates and examples. Idempotent: templates have fixed ids and
// examples carry client ids, so a second run creates nothing.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "cli/runtime.h"
#include "common/time.h"
#include "service/examples/example_io.h"
#include "service/examples/example_json.h"
#include "service/lineage/provenance.h"
#include "service/templates/template_json.h"
#include "storage/audit_context.h"

namespace exemplar::cli {
namespace {

Result<std::string> ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string DefaultSeedDir(const char* argv0) {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  for (auto candidate : {exe.parent_path().parent_path() / "data" / "seed",
                         std::filesystem::path(EXEMPLAR_SOURCE_SEED_DIR),
                         std::filesystem::current_path() / "data" / "seed"}) {
    if (std::filesystem::exists(candidate / "examples.jsonl", ec)) return candidate.string();
  }
  return "data/seed";
}

int RunSeed(const Config& config, const std::string& seed_dir) {
  // The seed files first: a missing one creates no empty database.
  auto templates_text = ReadFile(std::filesystem::path(seed_dir) / "templates.json");
  auto examples_text = ReadFile(std::filesystem::path(seed_dir) / "examples.jsonl");
  if (!examples_text.ok()) {
    std::cerr << "error: " << examples_text.status().message()
              << "; pass --seed-dir DIR, the directory holding templates.json and examples.jsonl (data/seed in "
                 "the source tree)\n";
    return 2;
  }
  auto rt = Runtime::Open(config);
  if (!rt.ok()) {
    std::cerr << "error: " << rt.status().message() << "\n";
    return 1;
  }
  Runtime& runtime = **rt;
  if (Status st = CheckStoreEmbedder(runtime); !st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return 1;
  }
  SeedCounts counts;
  std::vector<Template> seeded;  // their inline examples are linked once the examples exist
  if (templates_text.ok()) {
    Json arr = Json::parse(*templates_text, nullptr, false);
    if (!arr.is_array()) {
      std::cerr << "error: templates.json is not a JSON array\n";
      return 1;
    }
    for (const Json& tj : arr) {
      Template t;
      Validation v;
      // The seed file carries each template's status, which the seed sets itself below (the
      // API's parser only accepts a creation's own status, "draft").
      Json body = tj;
      if (body.is_object()) body.erase("status");
      service::ApplyTemplateJson(body, &t, v, true, service::InlineMarks::kKept);  // the operator's file
      if (!v.ok() || !tj.contains("id")) {
        std::cerr << "error: seed template invalid: " << v.ToStatus().message() << "\n";
        return 1;
      }
      t.id = tj["id"].get<std::string>();
      t.status = tj.value("status", "draft");
      t.version = tj.value("version", "1.0.0");
      t.created_at = t.updated_at = NowMillis();
      t.created_by = "seed";
      if (runtime.store().GetTemplate(t.id).ok()) continue;
      AuditRecord entry = CliAuditEntry("seed");
      entry.entity = "template";
      entry.entity_ids = {t.id};
      storage::AuditScope audit_scope(std::move(entry));
      Status st = runtime.store().InsertTemplate(t);
      if (!st.ok()) {
        std::cerr << "error: " << st.message() << "\n";
        return 1;
      }
      ++counts.templates_created;
      seeded.push_back(t);
    }
  }
  auto parsed = service::ParseImport(*examples_text, service::ExampleFormat::kJsonl, 100000);
  if (!parsed.ok() || !parsed->errors.empty()) {
    std::cerr << "error: examples.jsonl is malformed\n";
    return 1;
  }
  std::vector<Example> items;
  for (size_t i = 0; i < parsed->records.size(); ++i) {
    Validation v;
    Example e = service::ExampleFromCreateJson(parsed->records[i], v, {});
    if (!v.ok()) {
      std::cerr << "error: seed example " << i + 1 << ": " << FieldErrorsText(v) << "\n";
      return 1;
    }
    e.created_by = "seed";
    items.push_back(std::move(e));
  }
  // Per item: a demo example edited since an earlier seed keeps the user's content (its client
  // id now names other content: a conflict, counted as present); any other error fails the seed.
  // Audited when it stores something: a seed run at every start of run.sh logs nothing new.
  bool all_present = true;
  for (size_t i = 0; i < items.size() && all_present; ++i) {
    if (!items[i].client_id) all_present = false;
    else if (auto found = runtime.store().FindExampleByClientId(*items[i].client_id); !found.ok() || !*found) all_present = false;
  }
  std::optional<storage::AuditScope> audit_scope;
  if (!all_present) audit_scope.emplace(CliAuditEntry("seed"));
  // The deployment's quality policies apply as to any write: with on_duplicate = "reject" or
  // reject_secrets, a seed file holding such a record fails, naming it (the records before and
  // after it are stored; a seed run again after the fix adds the rest).
  service::WriteOptions write_options = service::DefaultWriteOptions(config);
  write_options.loc = {};
  auto result = runtime.examples().Batch(std::move(items), {}, false, write_options);
  audit_scope.reset();
  if (!result.ok()) {
    std::cerr << "error: " << result.status().message() << "\n";
    return 1;
  }
  int edited = 0;
  for (const auto& err : result->errors) {
    if (err.type == "conflict") {
      ++edited;
      continue;
    }
    std::cerr << "error: seed example " << err.index + 1 << ": " << err.error << "\n";
    return 1;
  }
  for (const auto& w : result->warnings) std::cerr << "seed example " << w.index + 1 << ": warning: " << WarningText(w.warning) << "\n";
  counts.examples_created = static_cast<int>(result->created_count);
  service::Provenance provenance(runtime.store());
  for (const auto& t : seeded) {
    Status linked = provenance.SyncTemplate(t);
    if (!linked.ok()) std::cerr << "warning: lineage of " << t.name << ": " << linked.message() << "\n";
  }
  counts.examples_existing = static_cast<int>(result->existing_count) + edited;
  Status st = runtime.index().SaveSnapshot();
  if (!st.ok()) std::cerr << "warning: snapshot: " << st.message() << "\n";
  std::cout << "seeded " << counts.templates_created << " templates, " << counts.examples_created
            << " examples (" << counts.examples_existing << " already present)\n";
  return 0;
}

}  // namespace exemplar::cli
