// Runs a shell command for a test (e.g. a Python script that writes a reference model) and
// returns what it printed on stdout; *code is its exit status (-1 when it did not exit normally).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace exemplar::testing {

inline std::string Shell(const std::string& cmd, int* code) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *code = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = pclose(p);
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace exemplar::testing
