// The exemplar command line: one function per command (one file each), dispatched by cli.cc.
#pragma once

#include <string>

#include "common/config.h"

namespace exemplar::cli {

int Main(int argc, char** argv);

int RunServe(const Config& config);
int RunSeed(const Config& config, const std::string& seed_dir);
int RunImport(const Config& config, const std::string& file, const std::string& format);
int RunExport(const Config& config, const std::string& format, const std::string& out_file);

// Seeds demo templates and examples from `seed_dir` (templates.json, examples.jsonl) through the
// runtime's services; idempotent. Returns counts via the out params.
struct SeedCounts {
  int templates_created = 0;
  int examples_created = 0;
  int examples_existing = 0;
};

// The directory holding demo seed data: --seed-dir, else data/seed beside the binary's project,
// else ./data/seed.
std::string DefaultSeedDir(const char* argv0);

}  // namespace exemplar::cli
