// exemplar: the Example Store and DSPy workbench. The command line dispatches to cli/; the
// runtime (cli/runtime.cc) wires storage, indexes, embedders and services together.
#include "cli/commands.h"

int main(int argc, char** argv) { return exemplar::cli::Main(argc, argv); }
