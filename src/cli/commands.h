// The exemplar command line: one function per command (one file each), dispatched by cli.cc.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/config.h"
#include "common/status.h"

namespace exemplar::service {
struct QualityWarning;
}  // namespace exemplar::service

namespace exemplar::cli {

int Main(int argc, char** argv);

int RunServe(const Config& config);
int RunSeed(const Config& config, const std::string& seed_dir);
// exemplar import. The quality policies come from the config (--on-duplicate / --on-secret set
// it, as any flag does): the same the server would apply to POST /examples/import.
struct ImportOptions {
  std::string file;
  std::string format;          // jsonl | json | csv; empty: from the file's extension
  std::string templates_file;  // templates to restore first (exemplar export --templates)
  bool atomic = false;         // every record in one transaction, or none (default: chunks of 1,000)
};
int RunImport(const Config& config, const ImportOptions& options);
int RunImportDspy(const Config& config, const std::string& template_id, const std::string& file,
                  bool create_examples);
// `templates_file`, unless empty, receives every template (template_file.h) after the examples.
int RunExport(const Config& config, const std::string& format, const std::string& out_file,
              const std::string& templates_file = "");
// `body` is a search request (SPEC §4.1) built from the command-line flags.
int RunSearch(const Config& config, const nlohmann::json& body, bool json_output);
struct BenchOptions {
  int64_t n = 100000;
  bool quick = false;
  std::string json_file;
  int queries = 1000;
  int clients = 4;
  bool agent_sim = false;  // run the agent simulation (exploration policies) instead
  int agent_sim_seeds = 5;  // worlds per policy and weight in the agent simulation
};
int RunBench(const Config& config, const BenchOptions& options);
// `exemplar bench --export-dataset DIR`: the bench's corpus, queries and exact top-10 as files.
int ExportBenchDataset(const Config& config, const BenchOptions& options, const std::string& dir);
// `exemplar bench --agent-sim`: every exploration policy over the same simulated agent loops.
int RunAgentSimBench(const BenchOptions& options);
// `body` is a run launch request (POST /api/v1/dspy-runs).
int RunToken(const Config& config, const std::string& action, const std::string& role,
             const std::string& name, const std::string& id, const std::string& expires_in = "");
int RunOptimize(const Config& config, const nlohmann::json& body, bool json_output);
// `exemplar backup FILE`: a consistent copy of the SQLite database, taken while serving
// (backup_cmd.cc). 0 when written; 1 when the copy failed; 2 when there is nothing to copy or FILE
// exists, or the store is PostgreSQL (pg_dump).
int RunBackup(const Config& config, const std::string& out_file);
// Embeds one text with the configured embedder (no store) and prints the vector.
int RunEmbed(const Config& config, const std::string& text, bool json_output);
// `exemplar model pull`: pulls a Hugging Face model repository into the models dir and checks that
// the local embedder loads it. 0 when ready; 1 when the pull or the load failed; 2 for a bad id.
int RunModelPull(const Config& config, const std::string& repo_id, const std::string& revision);
// Prints the OpenAPI document (the one served at /api/v1/openapi.json) to stdout.
int RunOpenApi(const Config& config);

// Seeds demo templates and examples from `seed_dir` (templates.json, examples.jsonl) through the
// runtime's services; idempotent. Returns counts via the out params.
struct SeedCounts {
  int templates_created = 0;
  int examples_created = 0;
  int examples_existing = 0;
};

// A validation's errors for a per-record message: "domain: must not be empty; input: …".
std::string FieldErrorsText(const Validation& v);
// A quality warning for stderr: "near_duplicate: input resembles … (similarity 1)".
std::string WarningText(const service::QualityWarning& w);

// The default --seed-dir, the first holding examples.jsonl of: data/seed beside the binary's
// directory (build/exemplar → data/seed), the source tree's data/seed the binary was built from,
// ./data/seed; else "data/seed".
std::string DefaultSeedDir(const char* argv0);

}  // namespace exemplar::cli
