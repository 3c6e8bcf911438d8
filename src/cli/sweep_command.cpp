// attnmf sweep: a grid of parameter points on any number of MPI ranks, into one HDF5 file.
#include <mpi.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <filesystem>
#include <iostream>

#include "attnmf/config/config.hpp"
#include "attnmf/io/mpi.hpp"
#include "attnmf/io/progress.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/sweep/driver.hpp"
#include "attnmf/sweep/point.hpp"
#include "commands.hpp"

namespace attnmf::cli {
namespace {

constexpr const char* usage = R"(usage: [mpirun -np N] attnmf sweep --config FILE [--section.key VALUE ...] [-v | -q]

Computes every point of the grid sweep.beta x sweep.gamma x sweep.epsilon (each a value, a list or
start:stop:count) and writes one HDF5 file, output.file, shared by all ranks. Every point starts
from the same window (init.*), runs run.steps steps and records, after run.transient: the last
analysis.samples values of m^o_se, the paper's Poincare section and the interpolated crossings, the
paper's count of distinct values, the exact period when the orbit recurs, and the final window.
Rank 0 hands out blocks of parallel.block_points consecutive points on demand to every rank,
itself included; each rank computes with parallel.threads_per_rank threads. The results do not
depend on the number of ranks or threads. An existing output.file is never overwritten.

  -v, --verbose   log the whole resolved configuration
  -q, --quiet     log warnings and errors only
  -h, --help      this text

Exit codes: 0 done (failed points, if any, are recorded in the file), 1 failed,
2 bad configuration or existing output file (nothing written).
)";

}  // namespace

int sweep_command(int argc, char** argv, const std::string& command_line) {
  for (int i = 0; i < argc; ++i)
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << usage << '\n' << config::help_text(config::Command::sweep);
      return exit_success;
    }
  io::mpi::Environment environment(argc, argv);
  int rank = 0;
  io::mpi::check(MPI_Comm_rank(MPI_COMM_WORLD, &rank), "MPI_Comm_rank");
  // Only rank 0 speaks, unless something goes wrong on another rank.
  if (rank != 0) spdlog::set_level(spdlog::level::warn);

  // Every rank parses and checks the same configuration and so reaches the same verdict; rank 0
  // alone reports it. File-system checks are made on rank 0 and broadcast.
  std::vector<std::string> problems;
  config::Config cfg;
  try {
    const auto parsed = config::parse(config::Command::sweep, argc, argv, {"verbose,v", "quiet,q"});
    cfg = parsed.config;
    if (rank == 0 && parsed.flags.count("quiet")) spdlog::set_level(spdlog::level::warn);
    if (rank == 0 && parsed.flags.count("verbose")) spdlog::set_level(spdlog::level::debug);
    const model::Weights weights = model::draw_weights(cfg.model);
    const sweep::PointComputer check(cfg, weights);
  } catch (const config::ConfigError& e) {
    problems = e.problems();
  } catch (const std::exception& e) {
    problems.push_back(cfg.init.mode == config::InitConfig::Mode::checkpoint
                           ? "init.checkpoint = '" + cfg.init.checkpoint.string() + "': " + e.what()
                           : std::string(e.what()));
  }
  if (problems.empty() && rank == 0) {
    const auto directory = std::filesystem::absolute(cfg.output.file).parent_path();
    if (std::filesystem::exists(cfg.output.file))
      problems.push_back("output.file = '" + cfg.output.file.string() +
                         "': the file exists; attnmf sweep never overwrites a result file (choose another name or "
                         "remove it)");
    else if (!std::filesystem::is_directory(directory))
      problems.push_back("output.file = '" + cfg.output.file.string() + "': directory '" + directory.string() +
                         "' does not exist");
  }
  int verdict = problems.empty() ? 0 : 1;
  io::mpi::check(MPI_Bcast(&verdict, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
  if (verdict != 0) {
    if (rank == 0) {
      for (const auto& problem : problems) std::cerr << "attnmf sweep: " << problem << '\n';
      std::cerr << "attnmf sweep: nothing was run; see 'attnmf sweep --help'\n";
    }
    return exit_usage;
  }
  if (rank == 0)
    for (const auto& [key, value] : cfg.key_values()) spdlog::debug("  {} = {}", key, value);

  try {
    sweep::DriverOptions options;
    options.command_line = command_line;
    const sweep::SweepSummary s = sweep::run_sweep(MPI_COMM_WORLD, cfg, options);
    if (rank == 0) {
      spdlog::info("done: {} points ({} failed) in {} ({:.2f} s), {} on {} ranks x {} threads",
                   s.done + s.failed, s.failed, io::format_duration(s.wall_seconds), s.wall_seconds,
                   io::format_rate(s.point_steps_per_second, "point-steps"), s.ranks, s.threads_per_rank);
      spdlog::info("regimes: undetermined {}, fixed point {}, periodic {}, quasi-periodic {}, chaotic {}, hyperchaotic {}",
                   s.regimes[0], s.regimes[1], s.regimes[2], s.regimes[3], s.regimes[4], s.regimes[5]);
      spdlog::info("wrote {}", std::filesystem::absolute(cfg.output.file).string());
    }
  } catch (const std::exception& e) {
    // A rank that cannot go on must not leave the others waiting in a collective call forever.
    spdlog::error("attnmf sweep failed on rank {}: {}", rank, e.what());
    MPI_Abort(MPI_COMM_WORLD, exit_failure);
    return exit_failure;
  }
  return exit_success;
}

}  // namespace attnmf::cli
