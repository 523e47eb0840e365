// exemplar: the Example Store and DSPy workbench. The command line dispatches to cli/; the
// runtime (cli/runtime.cc) wires storage, indexes, embedders and services together.
#include <sys/stat.h>

#include "cli/commands.h"

int main(int argc, char** argv) {
  // Data files (database, WAL, index snapshots, exports) are the owner's alone: 0600 / 0700.
  umask(077);
  return exemplar::cli::Main(argc, argv);
}
