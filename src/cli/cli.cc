#include <CLI/CLI.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"

#ifndef EXEMPLAR_VERSION
#define EXEMPLAR_VERSION "0.0.0"
#endif

namespace exemplar::cli {
namespace {

// %* in the log pattern: the message, escaped so every log line is one valid JSON object.
class JsonMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
      switch (c) {
        case '"': dest.append(std::string_view("\\\"")); break;
        case '\\': dest.append(std::string_view("\\\\")); break;
        case '\n': dest.append(std::string_view("\\n")); break;
        case '\r': dest.append(std::string_view("\\r")); break;
        case '\t': dest.append(std::string_view("\\t")); break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            dest.append(std::string_view(buf));
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonMessageFlag>(); }
};

// Logs go to stderr, one JSON object a line: stdout carries only a command's output (export's
// JSONL, search --json, embed --json), which scripts parse.
void UseJsonLogs() {
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("", std::make_shared<spdlog::sinks::stderr_sink_mt>()));
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<JsonMessageFlag>('*').set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%*"})");
  spdlog::set_formatter(std::move(formatter));
}

// optimize's endpoint flags: they declare (or pick a model of) a named provider, never "offline",
// which would otherwise run while the flags were silently ignored.
Status CheckLmFlags(const std::string& lm, const std::string& url, const std::string& model, const std::string& key_env) {
  if (lm == "offline" && (!url.empty() || !model.empty() || !key_env.empty())) {
    return Status::InvalidArgument(
        "--lm-base-url, --lm-model and --lm-api-key-env need --lm NAME: a provider of the config, or the name "
        "to declare with --lm-base-url URL --lm-model MODEL (the offline LM takes none of them)");
  }
  if (!url.empty() && model.empty()) {
    return Status::InvalidArgument("--lm-base-url needs --lm-model (the model the endpoint serves)");
  }
  if (url.empty() && !key_env.empty()) {
    return Status::InvalidArgument("--lm-api-key-env goes with --lm-base-url (a provider of the config names "
                                   "its key in api_key_env)");
  }
  return Status::Ok();
}

// "exemplar token" for the token subcommand.
std::string CommandPath(const CLI::App* cmd) {
  std::string path;
  for (; cmd != nullptr; cmd = cmd->get_parent()) {
    path = (cmd->get_parent() ? cmd->get_name() : std::string("exemplar")) + (path.empty() ? "" : " ") + path;
  }
  return path;
}

// A misused command line exits 2, as the other refusals of the CLI do (CLI11's own codes are
// 105-114). A word where a command was needed (`exemplar frob`, `exemplar token frob`, `exemplar
// --bogus`) is named with the commands there are; CLI11 said only "A subcommand is required".
int ReportParseError(CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == 0) return app.exit(e);  // --help
  const CLI::App* cmd = &app;
  while (!cmd->get_subcommands().empty()) cmd = cmd->get_subcommands().front();
  if (dynamic_cast<const CLI::RequiredError*>(&e) == nullptr || cmd->get_require_subcommand_min() == 0) {
    app.exit(e);
    return 2;
  }
  std::string commands;
  for (const CLI::App* sub : cmd->get_subcommands([](const CLI::App* a) { return !a->get_name().empty(); })) {
    commands += (commands.empty() ? "" : ", ") + sub->get_name();
  }
  const std::vector<std::string> words = cmd->remaining();
  const std::string path = CommandPath(cmd);
  if (words.empty()) {
    std::cerr << "error: " << path << " needs a command: " << commands << "\n";
  } else if (words.front().rfind('-', 0) == 0) {
    std::cerr << "error: " << path << ": unknown option " << words.front() << "; a command comes first: " << commands
              << "\n";
  } else {
    std::cerr << "error: " << path << ": unknown command \"" << words.front() << "\"; the commands are " << commands
              << "\n";
  }
  std::cerr << "Run `" << path << " --help` for usage.\n";
  return 2;
}

}  // namespace

int Main(int argc, char** argv) {
  UseJsonLogs();
  CLI::App app{"Exemplar: Example Store and DSPy workbench"};
  app.require_subcommand(1);
  std::string config_file;
  if (const char* env = std::getenv("EXEMPLAR_CONFIG")) config_file = env;
  // Flags are collected as key=value and applied last (flags win over file and environment).
  std::vector<std::pair<std::string, std::string>> flags;
  auto flag = [&](CLI::App* cmd, const std::string& name, const std::string& key, const std::string& help) {
    cmd->add_option_function<std::string>(name, [&flags, key](const std::string& v) { flags.emplace_back(key, v); }, help);
  };
  auto common = [&](CLI::App* cmd) {
    cmd->add_option("--config", config_file, "TOML config file");
    flag(cmd, "--data-dir", "data_dir", "Data directory (SQLite database and index snapshots)");
    flag(cmd, "--db", "db", "Database: a SQLite file path, or postgres://user@host:port/db (default: SQLite in the data dir)");
    flag(cmd, "--embedder", "embedder", "Embedding provider: hash | openai | local");
    flag(cmd, "--model-dir", "model_dir", "sentence-transformers model directory (embedder local)");
    flag(cmd, "--model", "model", "Hugging Face model id in the models dir (embedder local), e.g. sentence-transformers/all-MiniLM-L6-v2");
    flag(cmd, "--models-dir", "models_dir", "Directory of pulled models (default ~/.cache/exemplar/models)");
    cmd->add_flag_function("--model-auto-pull", [&flags](int64_t) { flags.emplace_back("model_auto_pull", "true"); },
                           "Pull --model from the Hugging Face Hub when it is not in the models dir");
    flag(cmd, "--embed-base-url", "embed_base_url", "OpenAI-compatible base URL (…/v1 or …/serving-endpoints)");
    flag(cmd, "--embed-model", "embed_model", "Embedding model name");
    flag(cmd, "--embed-dimensions", "embed_dimensions", "Embedding dimensions");
  };

  CLI::App* serve = app.add_subcommand("serve", "Serve the API and web UI");
  common(serve);
  flag(serve, "--host", "host", "Listen address (default 127.0.0.1)");
  flag(serve, "--port", "port", "Listen port (default 8080; 0 = any free port)");
  flag(serve, "--web-dir", "web_dir", "Directory of the built web UI");
  flag(serve, "--threads", "threads", "HTTP worker threads");
  flag(serve, "--vector-storage", "vector_storage", "HNSW graph vectors: f32 | f16 | int8 (compact, re-ranked in f32)");
  flag(serve, "--replica-id", "replica_id", "Name of this replica for run claims (default host:port)");
  flag(serve, "--usage-retention-days", "usage_retention_days",
       "Days retrievals and usage events are kept (default 90; 0 = forever)");
  flag(serve, "--max-retrievals-kept", "max_retrievals_kept",
       "Retrievals kept at most, the oldest pruned first with their events (default 1000000; 0 = no bound)");
  flag(serve, "--max-usage-events-kept", "max_usage_events_kept",
       "Usage events kept at most, the oldest pruned first (default 10000000; 0 = no bound)");
  serve->add_flag_function("--insecure", [&flags](int64_t) { flags.emplace_back("insecure", "true"); },
                           "Allow serving beyond loopback without auth");

  CLI::App* seed = app.add_subcommand("seed", "Load the demo templates and examples (idempotent)");
  common(seed);
  std::string seed_dir;
  seed->add_option("--seed-dir", seed_dir, "Directory with templates.json and examples.jsonl");

  CLI::App* import_dspy = app.add_subcommand("import-dspy", "Import a program compiled in DSPy as a new template version");
  common(import_dspy);
  std::string import_dspy_template, import_dspy_file;
  bool import_dspy_create = false;
  import_dspy->add_option("--template", import_dspy_template, "Template id")->required();
  import_dspy->add_option("file", import_dspy_file, "program.save(...) JSON")->required()->check(CLI::ExistingFile);
  import_dspy->add_flag("--create-examples", import_dspy_create, "Store demos that match no example as examples");
  CLI::App* import = app.add_subcommand("import", "Import examples from a JSONL, JSON or CSV file");
  common(import);
  std::string import_file, import_format;
  import->add_option("file", import_file, "File to import")->required()->check(CLI::ExistingFile);
  import->add_option("--format", import_format, "jsonl | json | csv (default: from the extension)")
      ->transform(CLI::IsMember({"jsonl", "json", "csv"}, CLI::ignore_case));
  std::string import_templates;
  bool import_atomic = false;
  import->add_flag("--atomic", import_atomic,
                   "Import every record or none (one transaction; default: chunks of 1,000, refusals listed)");
  import->add_option("--templates", import_templates,
                     "Templates to restore first, ids kept (the file of exemplar export --templates)")
      ->check(CLI::ExistingFile);
  // The API's ?on_duplicate= / ?on_secret= of this run: they set the config keys the server
  // reads (on_duplicate, reject_secrets), so the file, environment and flag layer as usual.
  import->add_option_function<std::string>(
            "--on-duplicate", [&flags](const std::string& v) { flags.emplace_back("on_duplicate", v); },
            "Near-duplicates of stored examples: allow | warn | reject (default: config on_duplicate)")
      ->transform(CLI::IsMember({"allow", "warn", "reject"}, CLI::ignore_case));
  import->add_option_function<std::string>(
            "--on-secret",
            [&flags](const std::string& v) { flags.emplace_back("reject_secrets", v == "reject" ? "true" : "false"); },
            "Content holding a secret: allow | reject (default: config reject_secrets)")
      ->transform(CLI::IsMember({"allow", "reject"}, CLI::ignore_case));

  CLI::App* exp = app.add_subcommand("export", "Export examples");
  common(exp);
  std::string export_format = "jsonl", export_out;
  exp->add_option("--format", export_format, "jsonl | csv")->transform(CLI::IsMember({"jsonl", "csv"}, CLI::ignore_case));
  exp->add_option("-o,--output", export_out, "Output file (default: stdout)");
  std::string export_templates;
  exp->add_option("--templates", export_templates,
                  "Also write every template (all versions, ids kept) to this file, for import --templates");

  CLI::App* search = app.add_subcommand("search", "Search examples in the local store");
  common(search);
  std::string search_text, search_mode = "auto", search_domain, search_function, search_databit;
  int search_k = 10;
  bool search_json = false;
  search->add_option("text", search_text, "Query text")->required();
  search->add_option("--mode", search_mode, "auto | vector | keyword | hybrid")
      ->check(CLI::IsMember({"auto", "vector", "keyword", "hybrid"}));
  search->add_option("-k", search_k, "Number of results (1-100)")->check(CLI::Range(1, 100));
  search->add_option("--domain", search_domain, "Filter: domain");
  search->add_option("--function", search_function, "Filter: function name");
  search->add_option("--databit", search_databit, "Filter: template id");
  std::vector<std::string> search_tags;
  bool search_all_tags = false, search_mmr = false;
  double search_lambda = -1, search_min_similarity = -1;
  // One value per --tag (else `--tag a "query"` took the query as a second tag).
  CLI::Option* tag_option =
      search->add_option("--tag", search_tags, "Filter: one capability tag; repeat --tag for several (any of them)")
          ->allow_extra_args(false);
  search->add_flag("--all-tags", search_all_tags, "Every --tag must be on the example, not any one")->needs(tag_option);
  search->add_flag("--mmr", search_mmr, "Diversify the results (maximal marginal relevance)");
  search->add_option("--lambda", search_lambda, "MMR's relevance weight, 0-1 (default 0.5); implies --mmr")
      ->check(CLI::Range(0.0, 1.0));
  search->add_option("--min-similarity", search_min_similarity,
                     "Keep results whose cosine to the query is at least this, 0-1 (similarity_threshold)")
      ->check(CLI::Range(0.0, 1.0));
  search->add_flag("--json", search_json, "Print the API response as JSON");

  CLI::App* bench = app.add_subcommand("bench", "Measure ingest, search, recall and HTTP throughput");
  common(bench);
  BenchOptions bench_options;
  bench->add_option("--n", bench_options.n, "Examples in the synthetic store")->check(CLI::Range(100, 10000000));
  bench->add_flag("--quick", bench_options.quick, "A small run (for tests)");
  flag(bench, "--vector-storage", "vector_storage", "HNSW graph vectors: f32 | f16 | int8 (compact, re-ranked in f32)");
  bench->add_option("--json", bench_options.json_file, "Write the figures to this JSON file");
  bench->add_option("--queries", bench_options.queries, "Queries per measurement")->check(CLI::Range(10, 100000));
  bench->add_option("--clients", bench_options.clients, "Concurrent HTTP clients")->check(CLI::Range(1, 64));
  std::string bench_export_dir;
  bench->add_option("--export-dataset", bench_export_dir,
                    "Write the generated examples, vectors, queries and exact top-10 to DIR and exit");
  bench->add_flag("--agent-sim", bench_options.agent_sim,
                  "Simulate an agent loop and compare exploration policies (none, greedy, ucb, thompson)");
  bench->add_option("--seeds", bench_options.agent_sim_seeds, "Simulated worlds per policy and weight (--agent-sim)")
      ->check(CLI::Range(1, 1000));

  CLI::App* optimize = app.add_subcommand("optimize", "Run one prompt optimization with a progress bar");
  common(optimize);
  std::string opt_template, opt_optimizer = "BootstrapFewShotWithRandomSearch", opt_metric = "exact_match";
  std::string opt_lm = "offline", opt_lm_url, opt_lm_model, opt_lm_key_env, opt_params = "{}", opt_module;
  int opt_trials = 16;
  bool opt_json = false;
  optimize->add_option("--template", opt_template, "Template id")->required();
  optimize->add_option("--optimizer", opt_optimizer, "LabeledFewShot | BootstrapFewShot | BootstrapFewShotWithRandomSearch | MIPROv2 | KNNFewShot");
  optimize->add_option("--metric", opt_metric, "exact_match | f1 | contains | json_fields | numeric_close | llm_judge");
  optimize->add_option("--params", opt_params, "Optimizer parameters as JSON");
  optimize->add_option("--module", opt_module, "Predict | ChainOfThought (default: the module of the program the version was made from, else Predict)")
      ->check(CLI::IsMember({"Predict", "ChainOfThought"}));
  optimize->add_option("--max-trials", opt_trials, "Trial budget")->check(CLI::Range(1, 10000));
  optimize->add_option("--lm", opt_lm, "LM provider: offline or a [lm_providers.NAME] of the config");
  optimize->add_option("--lm-base-url", opt_lm_url, "OpenAI-compatible base URL");
  optimize->add_option("--lm-model", opt_lm_model, "Model / serving endpoint name");
  optimize->add_option("--lm-api-key-env", opt_lm_key_env, "Environment variable holding the API key");
  optimize->add_flag("--json", opt_json, "Print the run and its results as JSON");

  CLI::App* backup = app.add_subcommand("backup", "Copy the SQLite database consistently, while the server runs");
  common(backup);
  std::string backup_file;
  backup->add_option("file", backup_file, "The copy to write (never overwritten)")->required();

  CLI::App* token = app.add_subcommand("token", "Manage API tokens");
  token->require_subcommand(1);
  std::string token_role, token_name, token_id, token_expires;
  CLI::App* token_create = token->add_subcommand("create", "Create a token; prints it on the last line");
  common(token_create);
  token_create->add_option("--role", token_role, "read | agent | write | admin")->required()->check(CLI::IsMember({"read", "agent", "write", "admin"}));
  token_create->add_option("--name", token_name, "A label for the token");
  token_create->add_option("--expires-in", token_expires, "Lifetime, e.g. 90m, 12h, 30d (default: never expires)");
  CLI::App* token_list = token->add_subcommand("list", "List tokens");
  common(token_list);
  CLI::App* token_revoke = token->add_subcommand("revoke", "Revoke a token");
  common(token_revoke);
  token_revoke->add_option("id", token_id, "Token id")->required();

  CLI::App* embed = app.add_subcommand("embed", "Print the embedding of one text");
  common(embed);
  flag(embed, "--provider", "embedder", "Embedding provider: hash | openai | local (as --embedder)");
  std::string embed_text;
  bool embed_json = false;
  embed->add_option("--text", embed_text, "Text to embed")->required();
  embed->add_flag("--json", embed_json, "Print {model, dim, embedding} as JSON");

  CLI::App* model = app.add_subcommand("model", "Manage local embedding models");
  model->require_subcommand(1);
  CLI::App* model_pull = model->add_subcommand(
      "pull", "Download a sentence-transformers model from the Hugging Face Hub (HF_ENDPOINT, HF_TOKEN)");
  std::string pull_repo, pull_revision = "main";
  model_pull->add_option("repo_id", pull_repo, "Repository id, e.g. sentence-transformers/all-MiniLM-L6-v2")->required();
  model_pull->add_option("--revision", pull_revision, "Branch, tag or commit (default main)");
  model_pull->add_option("--config", config_file, "TOML config file");
  flag(model_pull, "--models-dir", "models_dir", "Directory of pulled models (default ~/.cache/exemplar/models)");

  app.add_subcommand("openapi", "Print the OpenAPI 3.1 document of the API (as served at /api/v1/openapi.json)");
  app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ReportParseError(app, e);
  }
  CLI::App* cmd = app.get_subcommands().front();
  if (cmd->get_name() == "version") {
    std::cout << "exemplar " << EXEMPLAR_VERSION << "\n";
    return 0;
  }

  Config config;
  if (!config_file.empty()) {
    Status st = config.LoadToml(config_file);
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      return 2;
    }
  }
  Status st = config.LoadEnv(Config::ProcessEnv());
  for (const auto& [k, v] : flags) {
    if (!st.ok()) break;
    st = config.Set(k, v);
  }
  if (st.ok() && cmd->get_name() == "optimize") st = CheckLmFlags(opt_lm, opt_lm_url, opt_lm_model, opt_lm_key_env);
  if (st.ok() && cmd->get_name() == "optimize" && !opt_lm_url.empty()) {
    // The CLI user is the operator: flags may declare the endpoint, as the config file would
    // (and are checked as its keys are).
    const std::string key = "lm_providers." + opt_lm + ".";
    st = config.Set(key + "base_url", opt_lm_url);
    if (st.ok()) st = config.Set(key + "model", opt_lm_model);
    if (st.ok() && !opt_lm_key_env.empty()) st = config.Set(key + "api_key_env", opt_lm_key_env);
  }
  // What a platform runtime injects (Databricks Apps: port, database resource, service principal)
  // fills only what no file, EXEMPLAR_* variable or flag set.
  if (st.ok()) st = config.ApplyPlatformEnv(Config::ProcessEnv());
  if (st.ok()) st = config.Validate();
  if (!st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  for (const auto& name : config.UnknownEnvNames(Config::ProcessEnv())) {
    std::cerr << "warning: " << name << " is not a variable exemplar reads; it is ignored\n";
  }

  if (cmd->get_name() == "serve") return RunServe(config);
  if (cmd->get_name() == "openapi") return RunOpenApi(config);
  if (cmd->get_name() == "seed") return RunSeed(config, seed_dir.empty() ? DefaultSeedDir(argv[0]) : seed_dir);
  if (cmd->get_name() == "import") return RunImport(config, {import_file, import_format, import_templates, import_atomic});
  if (cmd->get_name() == "import-dspy") {
    return RunImportDspy(config, import_dspy_template, import_dspy_file, import_dspy_create);
  }
  if (cmd->get_name() == "export") return RunExport(config, export_format, export_out, export_templates);
  if (cmd->get_name() == "search") {
    nlohmann::json body = {{"query_text", search_text}, {"mode", search_mode}, {"k", search_k}};
    if (!search_domain.empty()) body["domain"] = search_domain;
    if (!search_function.empty()) body["function_name"] = search_function;
    if (!search_databit.empty()) body["databit_id"] = search_databit;
    if (!search_tags.empty()) body[search_all_tags ? "capability_tags_all" : "capability_tags"] = search_tags;
    if (search_lambda >= 0) body["mmr"] = {{"lambda", search_lambda}};
    else if (search_mmr) body["mmr"] = true;
    if (search->count("--min-similarity")) body["similarity_threshold"] = search_min_similarity;
    return RunSearch(config, body, search_json);
  }
  if (cmd->get_name() == "embed") return RunEmbed(config, embed_text, embed_json);
  if (cmd->get_name() == "backup") return RunBackup(config, backup_file);
  if (cmd->get_name() == "model") return RunModelPull(config, pull_repo, pull_revision);
  if (cmd->get_name() == "token") {
    return RunToken(config, cmd->get_subcommands().front()->get_name(), token_role, token_name, token_id,
                    token_expires);
  }
  if (cmd->get_name() == "optimize") {
    nlohmann::json params = nlohmann::json::parse(opt_params, nullptr, false);
    if (!params.is_object()) {
      std::cerr << "error: --params must be a JSON object\n";
      return 2;
    }
    nlohmann::json lm = {{"provider", opt_lm}};
    if (!opt_lm_model.empty()) lm["model"] = opt_lm_model;
    nlohmann::json body = {{"template_id", opt_template}, {"optimizer_type", opt_optimizer},
                           {"metric", opt_metric}, {"optimizer_params", params}, {"lm", lm},
                           {"budget", {{"max_trials", opt_trials}}}};
    if (!opt_module.empty()) body["module"] = opt_module;
    return RunOptimize(config, body, opt_json);
  }
  if (cmd->get_name() == "bench") {
    if (bench_options.agent_sim) return RunAgentSimBench(bench_options);
    if (bench_options.quick && bench->count("--n") == 0) bench_options.n = 2000;
    if (bench_options.quick && bench->count("--queries") == 0) bench_options.queries = 100;
    if (!bench_export_dir.empty()) return ExportBenchDataset(config, bench_options, bench_export_dir);
    return RunBench(config, bench_options);
  }
  return 2;
}

}  // namespace exemplar::cli
