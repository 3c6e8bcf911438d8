// The attnmf executable: subcommand dispatch.
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <iostream>
#include <stdexcept>
#include <string>

#include "commands.hpp"

namespace {

constexpr const char* usage = R"(attnmf — dynamical mean-field theory of self-attention networks
(Poc-López & Aguilera, "Dynamical Mean-Field Theory of Self-Attention Neural Networks", 2024)

usage: attnmf COMMAND [options]

commands:
  trajectory   integrate one parameter point; write its time series to HDF5
  sweep        a grid of points, MPI-parallel (mpirun -np N attnmf sweep ...), one HDF5 file
  info FILE    what a result file holds: configuration, progress, regime counts, timings
  version      the same as --version

Options of every command come from an INI file (--config FILE) and from the command line as
--section.key VALUE (the command line wins). 'attnmf COMMAND --help' lists them with their
defaults and allowed values.

  -h, --help      this text
  --version       the versions of attnmf (and its git describe), of the HDF5 and MPI libraries it
                  runs on, and the simd kernels this build has

Every command also takes:
  --color WHEN    colour the level of each log line: auto (the default), always or never.
                  auto colours only when stdout is a terminal, NO_COLOR is unset or empty
                  (no-color.org) and attnmf is not a rank started by mpirun, mpiexec or srun:
                  launchers give each rank a terminal of its own even when their output goes to
                  a file, so under them auto means never (pass --color always to have colour).
)";

std::string joined(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    if (i) line += ' ';
    line += argv[i];
  }
  return line;
}

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // A sweep allocates and frees about a megabyte per point (sample rings, records, journal frames)
  // many times a second. Past glibc's mmap threshold each such block was a fresh mapping, zeroed
  // page by page by the kernel (70 000 page faults in a 256-point sweep of the paper's settings):
  // kept on the heap and not trimmed, freed blocks serve the next point.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
  // The command line as given (with --color) is what provenance records.
  const std::string command_line = joined(argc, argv);
  try {
    attnmf::cli::configure_logging(attnmf::cli::take_color_option(argc, argv));
  } catch (const std::invalid_argument& e) {
    std::cerr << "attnmf: " << e.what() << "; see 'attnmf --help'\n";
    return attnmf::cli::exit_usage;
  }
  if (argc < 2) {
    std::cerr << usage;
    return attnmf::cli::exit_usage;
  }
  const std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    std::cout << usage;
    return attnmf::cli::exit_success;
  }
  if (command == "--version" || command == "version") return attnmf::cli::version_command();
  if (command == "trajectory") return attnmf::cli::trajectory_command(argc - 2, argv + 2, command_line);
  if (command == "sweep") return attnmf::cli::sweep_command(argc - 2, argv + 2, command_line);
  if (command == "info") return attnmf::cli::info_command(argc - 2, argv + 2);
  std::cerr << "attnmf: unknown command '" << command << "'; see 'attnmf --help'\n";
  return attnmf::cli::exit_usage;
}
