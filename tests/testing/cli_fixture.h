// Tests that run the exemplar binary as a real process, each in a directory of its own (the
// binary is EXEMPLAR_BINARY of the including test target).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "common/ids.h"
#include "testing/shell.h"

namespace exemplar::testing {

struct CliRun {
  int code = 0;
  std::string out;  // stdout
  std::string err;  // stderr
};

// EXEMPLAR_TEST_BINARY runs the tests against another build (e.g. an older one).
inline std::string CliBinary() {
  const char* other = std::getenv("EXEMPLAR_TEST_BINARY");
  return other && *other ? other : EXEMPLAR_BINARY;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("cli_" + NewUuid());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `exemplar ARGS` in the test's directory with `env` (VAR=value ...) prepended. A command
  // that does not end within `timeout_s` (a serve that should have refused to start) is stopped.
  CliRun Exec(const std::string& args, const std::string& env = "", int timeout_s = 300) {
    const std::string err_file = (dir_ / "stderr.txt").string();
    CliRun r;
    r.out = Shell("cd " + dir_.string() + " && env " + env + " timeout " + std::to_string(timeout_s) + " " +
                      CliBinary() + " " + args + " 2>" + err_file,
                  &r.code);
    std::ifstream f(err_file);
    r.err.assign(std::istreambuf_iterator<char>(f), {});
    return r;
  }
  // The --data-dir flag of a store in the test's directory.
  std::string D(const std::string& data = "data") const { return " --data-dir " + (dir_ / data).string(); }
  // Writes `text` to a file of the test's directory; its path.
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }

  std::filesystem::path dir_;
};

}  // namespace exemplar::testing
