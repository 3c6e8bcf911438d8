// The log of every subcommand: spdlog's default logger on stdout, coloured only where that helps.
#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "commands.hpp"

namespace attnmf::cli {
namespace {

bool set(const char* variable) {
  const char* value = std::getenv(variable);
  return value != nullptr && *value != '\0';
}

// Whether this process is one rank of a parallel launch. Launchers give each rank's stdout a pty of
// their own (Open MPI's mpirun does, so that the ranks' output is line-buffered) and copy what
// arrives on it to wherever the launcher's own stdout goes: `mpirun -np 4 attnmf sweep ... > log`
// gives every rank a terminal while the user's output is a file. isatty() on a rank therefore says
// nothing about where its lines end up, and colour by default would fill log files with escape codes.
bool under_parallel_launcher() {
  return set("OMPI_COMM_WORLD_SIZE")                      // Open MPI's mpirun/mpiexec (and prterun)
         || set("PMIX_RANK")                              // any PMIx launcher (Open MPI 5, srun --mpi=pmix)
         || set("PMI_RANK")                               // MPICH's Hydra, Intel MPI, srun --mpi=pmi2
         || (set("SLURM_PROCID") && set("SLURM_STEP_ID"));  // a task of an srun job step
}

bool colour_terminal() {
  const char* term = std::getenv("TERM");
  return term != nullptr && *term != '\0' && std::strcmp(term, "dumb") != 0;
}

}  // namespace

ColorMode parse_color_mode(std::string_view text) {
  if (text == "auto") return ColorMode::automatic;
  if (text == "always") return ColorMode::always;
  if (text == "never") return ColorMode::never;
  throw std::invalid_argument("--color '" + std::string(text) + "': must be auto, always or never");
}

ColorMode take_color_option(int& argc, char** argv) {
  ColorMode mode = ColorMode::automatic;
  int kept = 1;  // argv[0], the program
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if (argument == "--color") {
      if (i + 1 >= argc) throw std::invalid_argument("--color needs a value: auto, always or never");
      mode = parse_color_mode(argv[++i]);
    } else if (argument.starts_with("--color=")) {
      mode = parse_color_mode(argument.substr(8));
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  argv[argc] = nullptr;
  return mode;
}

bool log_in_colour(ColorMode mode) {
  switch (mode) {
    case ColorMode::always: return true;
    case ColorMode::never: return false;
    case ColorMode::automatic: break;
  }
  // https://no-color.org: any non-empty NO_COLOR turns colour off (--color always still forces it).
  if (set("NO_COLOR") || under_parallel_launcher()) return false;
  return ::isatty(::fileno(stdout)) == 1 && colour_terminal();
}

void configure_logging(ColorMode mode) {
  const auto sink = std::make_shared<spdlog::sinks::ansicolor_stdout_sink_mt>(
      log_in_colour(mode) ? spdlog::color_mode::always : spdlog::color_mode::never);
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("", sink));
  // %^ %$ delimit the part that is coloured (the level), when the sink colours at all.
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v");
}

}  // namespace attnmf::cli
