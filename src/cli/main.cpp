// The attnmf executable: subcommand dispatch.
#include <spdlog/spdlog.h>

#include <cstring>
#include <iostream>
#include <string>

#include "attnmf/version.hpp"
#include "commands.hpp"

namespace {

constexpr const char* usage = R"(attnmf — dynamical mean-field theory of self-attention networks
(Poc-López & Aguilera, "Dynamical Mean-Field Theory of Self-Attention Neural Networks", 2024)

usage: attnmf COMMAND [options]

commands:
  trajectory   integrate one parameter point; write its time series to HDF5
  sweep        a grid of points, MPI-parallel (mpirun -np N attnmf sweep ...), one HDF5 file
  info FILE    what a result file holds: configuration, progress, regime counts, timings

Options of every command come from an INI file (--config FILE) and from the command line as
--section.key VALUE (the command line wins). 'attnmf COMMAND --help' lists them with their
defaults and allowed values.

  -h, --help      this text
  --version       the software version
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
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v");
  if (argc < 2) {
    std::cerr << usage;
    return attnmf::cli::exit_usage;
  }
  const std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    std::cout << usage;
    return attnmf::cli::exit_success;
  }
  if (command == "--version") {
    std::cout << "attnmf " << attnmf::software_version << " (file format " << attnmf::file_format_version << ")\n";
    return attnmf::cli::exit_success;
  }
  if (command == "trajectory") return attnmf::cli::trajectory_command(argc - 2, argv + 2, joined(argc, argv));
  if (command == "sweep") return attnmf::cli::sweep_command(argc - 2, argv + 2, joined(argc, argv));
  if (command == "info") return attnmf::cli::info_command(argc - 2, argv + 2);
  std::cerr << "attnmf: unknown command '" << command << "'; see 'attnmf --help'\n";
  return attnmf::cli::exit_usage;
}
