// `exemplar import` as a real process: it applies the quality policies the server would (config,
// EXEMPLAR_* environment, or --on-duplicate / --on-secret for one run) and prints each record's
// warnings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "common/ids.h"
#include "common/json_util.h"
#include "testing/shell.h"

namespace exemplar {
namespace {

struct CmdRun {
  int code;
  std::string out;  // stdout
  std::string err;  // stderr
};

// EXEMPLAR_TEST_BINARY runs these tests against another build (e.g. an older one).
std::string Binary() {
  const char* other = std::getenv("EXEMPLAR_TEST_BINARY");
  return other && *other ? other : EXEMPLAR_BINARY;
}

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class CliImport : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("cli_import_" + NewUuid());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `exemplar ARGS` with `env` (VAR=value ...) prepended.
  CmdRun Exec(const std::string& args, const std::string& env = "") {
    const std::string err_file = (dir_ / "stderr.txt").string();
    int code = 0;
    std::string out = testing::Shell("cd " + dir_.string() + " && env " + env + " timeout 120 " + Binary() + " " +
                                         args + " 2>" + err_file,
                                     &code);
    std::ifstream f(err_file);
    return {code, out, std::string(std::istreambuf_iterator<char>(f), {})};
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::string D(const std::string& data = "data") const { return " --data-dir " + (dir_ / data).string(); }
  // The examples the store holds, through `exemplar export`.
  size_t Stored(const std::string& data = "data") {
    CmdRun r = Exec("export" + D(data));
    EXPECT_EQ(r.code, 0) << r.err;
    return static_cast<size_t>(std::count(r.out.begin(), r.out.end(), '\n'));
  }
  std::filesystem::path dir_;
};

// Two records without client ids: importing them again is a near-duplicate, not a retry.
const char* kTwo =
    R"({"input": {"q": "what bias voltage does the HPGe detector take"}, "expected_output": {"a": "3000 V"}})"
    "\n"
    R"({"input": {"q": "how cold is the detector kept"}, "expected_output": {"a": "77 K"}})"
    "\n";

TEST_F(CliImport, DuplicatePolicyComesFromTheServersConfigAndFlags) {
  const std::string file = Write("two.jsonl", kTwo);
  CmdRun first = Exec("import " + file + D());
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_TRUE(Has(first.out, "imported 2 examples (0 already present, 0 failed, 0 warnings)")) << first.out;

  // EXEMPLAR_ON_DUPLICATE=reject, as the server reads it: both records refused, with the reason.
  CmdRun env = Exec("import " + file + D(), "EXEMPLAR_ON_DUPLICATE=reject");
  EXPECT_EQ(env.code, 1);
  EXPECT_TRUE(Has(env.out, "imported 0 examples (0 already present, 2 failed")) << env.out;
  EXPECT_TRUE(Has(env.err, "record 0: ") && Has(env.err, "record 1: ")) << env.err;
  EXPECT_TRUE(Has(env.err, "on_duplicate=reject")) << env.err;
  EXPECT_EQ(Stored(), 2u);

  // The same through the config file.
  const std::string config = Write("reject.toml", "on_duplicate = \"reject\"\n");
  CmdRun file_config = Exec("import " + file + " --config " + config + D());
  EXPECT_EQ(file_config.code, 1);
  EXPECT_TRUE(Has(file_config.out, "2 failed")) << file_config.out;
  EXPECT_EQ(Stored(), 2u);

  // The default (warn) stores them and says, per record, what they resemble.
  CmdRun warned = Exec("import " + file + D());
  EXPECT_EQ(warned.code, 0) << warned.err;
  EXPECT_TRUE(Has(warned.out, "imported 2 examples (0 already present, 0 failed, 2 warnings)")) << warned.out;
  EXPECT_TRUE(Has(warned.err, "record 0: warning: near_duplicate: input resembles example ")) << warned.err;
  EXPECT_TRUE(Has(warned.err, "record 1: warning: near_duplicate: ")) << warned.err;
  EXPECT_TRUE(Has(warned.err, "(similarity 1)")) << warned.err;
  EXPECT_EQ(Stored(), 4u);

  // A flag overrides the environment for one run, as ?on_duplicate= does a request.
  CmdRun allowed = Exec("import " + file + " --on-duplicate allow" + D(), "EXEMPLAR_ON_DUPLICATE=reject");
  EXPECT_EQ(allowed.code, 0) << allowed.err;
  EXPECT_TRUE(Has(allowed.out, "imported 2 examples (0 already present, 0 failed, 0 warnings)")) << allowed.out;
  CmdRun refused = Exec("import " + file + " --on-duplicate REJECT" + D());
  EXPECT_EQ(refused.code, 1);
  EXPECT_TRUE(Has(refused.out, "2 failed")) << refused.out;
  EXPECT_EQ(Stored(), 6u);

  CmdRun bad = Exec("import " + file + " --on-duplicate maybe" + D());
  EXPECT_NE(bad.code, 0);
  EXPECT_TRUE(Has(bad.err, "--on-duplicate")) << bad.err;
  EXPECT_EQ(Stored(), 6u);
}

TEST_F(CliImport, SecretPolicyComesFromTheServersConfigAndFlags) {
  const std::string file = Write(
      "secret.jsonl",
      R"({"input": {"q": "use key sk-proj-abc123DEF456ghi789JKL012mno345 for the call"}, "expected_output": {"a": "ok"}})"
      "\n"
      R"({"input": {"q": "mail bo@example.net about the drift"}, "expected_output": {"a": "sent"}})"
      "\n");
  CmdRun env = Exec("import " + file + D(), "EXEMPLAR_REJECT_SECRETS=true");
  EXPECT_EQ(env.code, 1);
  EXPECT_TRUE(Has(env.out, "imported 1 examples (0 already present, 1 failed, 1 warnings)")) << env.out;
  EXPECT_TRUE(Has(env.err, "record 0: ") && Has(env.err, "secret")) << env.err;
  // The stored record's personal data is warned about, as POST /examples/import does.
  EXPECT_TRUE(Has(env.err, "record 1: warning: pii: ") && Has(env.err, "email")) << env.err;
  EXPECT_EQ(Stored(), 1u);

  const std::string secret_only = Write(
      "secret_only.jsonl",
      R"({"input": {"q": "use key sk-proj-abc123DEF456ghi789JKL012mno345 for the call"}, "expected_output": {"a": "ok"}})"
      "\n");
  CmdRun flag = Exec("import " + secret_only + " --on-secret reject" + D());
  EXPECT_EQ(flag.code, 1);
  EXPECT_TRUE(Has(flag.err, "record 0: ") && Has(flag.err, "secret")) << flag.err;
  EXPECT_EQ(Stored(), 1u);

  CmdRun allowed = Exec("import " + file + " --on-secret allow --on-duplicate allow" + D(), "EXEMPLAR_REJECT_SECRETS=true");
  EXPECT_EQ(allowed.code, 0) << allowed.err;
  EXPECT_TRUE(Has(allowed.err, "record 0: warning: pii: ") && Has(allowed.err, "secret")) << allowed.err;
  EXPECT_EQ(Stored(), 3u);
}

}  // namespace
}  // namespace exemplar
