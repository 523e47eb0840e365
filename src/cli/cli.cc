#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

#include "cli/commands.h"

#ifndef EXEMPLAR_VERSION
#define EXEMPLAR_VERSION "0.0.0"
#endif

namespace exemplar::cli {

int Main(int argc, char** argv) {
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
    flag(cmd, "--embedder", "embedder", "Embedding provider: hash | openai");
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
  serve->add_flag_function("--insecure", [&flags](int64_t) { flags.emplace_back("insecure", "true"); },
                           "Allow serving beyond loopback without auth");

  CLI::App* seed = app.add_subcommand("seed", "Load the demo templates and examples (idempotent)");
  common(seed);
  std::string seed_dir;
  seed->add_option("--seed-dir", seed_dir, "Directory with templates.json and examples.jsonl");

  CLI::App* import = app.add_subcommand("import", "Import examples from a JSONL, JSON or CSV file");
  common(import);
  std::string import_file, import_format;
  import->add_option("file", import_file, "File to import")->required()->check(CLI::ExistingFile);
  import->add_option("--format", import_format, "jsonl | json | csv (default: from the extension)");

  CLI::App* exp = app.add_subcommand("export", "Export examples");
  common(exp);
  std::string export_format = "jsonl", export_out;
  exp->add_option("--format", export_format, "jsonl | csv")->check(CLI::IsMember({"jsonl", "csv"}));
  exp->add_option("-o,--output", export_out, "Output file (default: stdout)");

  app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
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
  if (!st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config.log_level));

  if (cmd->get_name() == "serve") return RunServe(config);
  if (cmd->get_name() == "seed") return RunSeed(config, seed_dir.empty() ? DefaultSeedDir(argv[0]) : seed_dir);
  if (cmd->get_name() == "import") return RunImport(config, import_file, import_format);
  if (cmd->get_name() == "export") return RunExport(config, export_format, export_out);
  return 2;
}

}  // namespace exemplar::cli
