// attnmf sweep: a grid of parameter points on any number of MPI ranks, into one HDF5 file.
#include <mpi.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include "attnmf/analysis/regime.hpp"
#include "attnmf/config/config.hpp"
#include "attnmf/io/hdf5.hpp"
#include "attnmf/io/journal.hpp"
#include "attnmf/io/monitor.hpp"
#include "attnmf/io/mpi.hpp"
#include "attnmf/io/output_lock.hpp"
#include "attnmf/io/result_file.hpp"
#include "attnmf/io/progress.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/dynamics/engine.hpp"
#include "attnmf/sweep/driver.hpp"
#include "attnmf/sweep/point.hpp"
#include "commands.hpp"

namespace attnmf::cli {
namespace {

static_assert(exit_fault == sweep::fault_exit_code, "the driver's abort code is the command's fault exit code");

constexpr const char* usage = R"(usage: [mpirun -np N] attnmf sweep --config FILE [--section.key VALUE ...] [-v | -q]

Computes every point of the grid sweep.beta x sweep.gamma x sweep.epsilon (each a value, a list or
start:stop:count) and writes one HDF5 file, output.file, shared by all ranks. Every point starts
from the same window (init.*), runs run.steps steps and records, after run.transient: the last
analysis.samples values of m^o_se, the paper's Poincare section and the interpolated crossings, the
paper's count of distinct values, the exact period when the orbit recurs, and the final window.
Rank 0 hands out blocks of parallel.block_points consecutive points on demand to every rank,
itself included; each rank computes with parallel.threads_per_rank threads (auto: one per CPU of
its affinity). With run.engine = simd (the default) a thread integrates 16 points at a time in the
CPU's vector lanes; run.engine = scalar keeps to the authors' arithmetic operation by operation.
The results do not depend on the number of ranks or threads, nor on which points share a vector;
/provenance/engine names the engine and its instruction set. An existing output.file is never
overwritten.

  -v, --verbose   log the whole resolved configuration
  -q, --quiet     log warnings and errors only
  --color WHEN    colour the log's levels: auto (the default), always or never; auto colours only
                  on a terminal, without NO_COLOR, and never under mpirun or srun (attnmf --help)
  -h, --help      this text

  --resume        continue the sweep stored in output.file (after a crash, a kill, a signal or a
                  time limit), computing only what is missing; start it if it does not exist.
                  Refused, changing nothing, when the file belongs to another configuration.

Finished points are journalled in OUTPUT.journal/ (synced before they reach the HDF5 file), so a
kill at any moment loses nothing finished; the journal is removed once the sweep is complete.
SIGTERM, SIGINT or SIGUSR1 stop the sweep within seconds: no new work, the points in flight saved
mid-trajectory, the file left consistent; --resume continues them to the same final numbers.

While it runs, OUTPUT.lock holds a lock naming the process (host, pid): a second run on the same
file, with or without --resume, is refused. The manifest and the file record checksums of the
input files (init.checkpoint): --resume after an input changed is refused.

A failure on any rank (an I/O error, a full disk, a compute thread's exception) stops every rank
within seconds with one message naming the rank, host and error; finished points stay in the
journal, so --resume continues once the cause is fixed. ATTNMF_FAULT=SITE[:RANK[:N]] makes such a
failure happen on purpose, for tests (sites: journal_append, dataset_create, row_write, file_close,
compute; see docs/configuration.md).

Exit codes: 0 done (failed points, if any, are recorded in the file), 1 failed (an internal
error), 2 bad configuration, an existing output file without --resume, a file of another
configuration or one in use by another run (nothing written), 3 interrupted by a signal
(continue with --resume), 4 stopped by a fault on some rank (fix it, then continue with --resume).
)";

// The keys whose stored values differ from this run's: every key that affects results, and the
// contents of the input files. Where both sides have an input file's checksum, its contents decide
// and its path does not (the same window file named from another directory is the same input).
// A manifest or file of an attnmf that kept no checksums is compared by path, as it was then.
std::vector<std::string> differing_keys(const std::vector<std::pair<std::string, std::string>>& stored,
                                       const config::Config& current) {
  std::map<std::string, std::string> before(stored.begin(), stored.end());
  const auto default_values = config::Config{}.key_values();
  const std::map<std::string, std::string> defaults(default_values.begin(), default_values.end());
  std::vector<std::pair<std::string, std::string>> now;
  for (const auto& kv : current.key_values())
    if (config::affects_results(kv.first)) now.push_back(kv);
  std::map<std::string, std::string> checksums;
  for (const auto& kv : sweep::input_checksums(current)) checksums.insert(kv);
  std::vector<std::string> differences;
  for (const auto& [key, value] : now) {
    const std::string checksum_key = sweep::input_checksum_prefix + key;
    if (checksums.count(checksum_key) && before.count(checksum_key)) continue;  // compared below
    const auto it = before.find(key);
    // A key newer than the file that is at its default (the behaviour from before the key existed,
    // e.g. output.sample_precision = float64) is no difference: such files stay resumable.
    if (it == before.end() && defaults.at(key) == value) continue;
    // A sweep file leaves out model.beta and the other keys its axes replace where the sweep did not
    // use them; the axes (sweep.beta, …) hold what they gave and are compared. A manifest keeps them.
    if (it == before.end() && io::replaced_by_sweep_axis(key)) continue;
    if (it == before.end()) differences.push_back(key + " (absent from the file, here " + value + ")");
    else if (it->second != value) differences.push_back(key + " (file: " + it->second + ", here: " + value + ")");
  }
  for (const auto& [key, value] : checksums) {
    const auto it = before.find(key);
    const std::string name = key.substr(std::string(sweep::input_checksum_prefix).size());
    if (it != before.end() && it->second != value)
      differences.push_back(name + ": the contents of the file changed (then: " + it->second + ", now: " + value + ")");
  }
  return differences;
}

// The simd kernel a journal manifest names (empty: none, the scalar engine's sweep).
std::string kernel_of(const std::vector<std::pair<std::string, std::string>>& keys) {
  const auto it = std::find_if(keys.begin(), keys.end(), [](const auto& kv) { return kv.first == sweep::kernel_manifest_key; });
  return it == keys.end() ? std::string() : it->second;
}

// Resolves run.simd_kernel for every rank together, so that one sweep is computed by one kernel
// whatever mix of CPUs its ranks land on: the kernel asked for, or for "auto" the kernel named by
// the journal being resumed, or else the best kernel every rank's CPU runs. Collective over
// `comm`, and made by every rank whatever its own checks found (so that no rank waits in a
// collective another skipped); fills `problems` (on rank 0) when some rank cannot run the kernel it
// must.
void resolve_simd_kernel(MPI_Comm comm, config::Config& cfg, bool resume, int rank, std::vector<std::string>& problems) {
  if (cfg.run.engine != config::RunConfig::Engine::simd) return;
  // The journal's kernel, read on rank 0 (a damaged manifest is reported by plan_sweep).
  std::string stored;
  if (rank == 0 && resume && cfg.run.simd_kernel == "auto") {
    try {
      stored = kernel_of(io::read_manifest(io::journal_directory(cfg.output.file)));
    } catch (const std::exception&) {
    }
  }
  int length = static_cast<int>(stored.size());
  io::mpi::check(MPI_Bcast(&length, 1, MPI_INT, 0, comm), "MPI_Bcast");
  stored.resize(static_cast<std::size_t>(length));
  io::mpi::check(MPI_Bcast(stored.data(), length, MPI_CHAR, 0, comm), "MPI_Bcast");
  const std::string wanted = cfg.run.simd_kernel != "auto" ? cfg.run.simd_kernel : stored;

  const std::vector<std::string> order = dynamics::known_instruction_sets();
  std::vector<std::string> here{order.back()};  // the baseline kernel, which every CPU runs
  try {
    here = dynamics::instruction_sets();
  } catch (const std::invalid_argument& e) {  // a bad ATTNMF_SIMD_LIMIT
    problems.push_back(e.what());
  }
  int best = static_cast<int>(std::find(order.begin(), order.end(), here.front()) - order.begin());
  int unable = !wanted.empty() && std::find(here.begin(), here.end(), wanted) == here.end() ? 1 : 0;
  int worst_best = 0, unable_ranks = 0;
  io::mpi::check(MPI_Allreduce(&best, &worst_best, 1, MPI_INT, MPI_MAX, comm), "MPI_Allreduce");
  io::mpi::check(MPI_Allreduce(&unable, &unable_ranks, 1, MPI_INT, MPI_SUM, comm), "MPI_Allreduce");
  if (unable_ranks > 0) {
    const std::string whose = unable_ranks == 1 ? "the CPU of 1 rank" : "the CPUs of " + std::to_string(unable_ranks) + " ranks";
    if (rank == 0) {
      if (cfg.run.simd_kernel == "auto")
        problems.push_back("output.file = '" + cfg.output.file.string() + "': cannot resume here: its points were computed by "
                           "the simd engine's " + wanted + " kernel, which " + whose + " cannot run (the best every "
                           "rank runs is the " + order[static_cast<std::size_t>(worst_best)] + " kernel); resume it "
                           "on CPUs that run " + wanted + ". Nothing was changed");
      else
        problems.push_back("run.simd_kernel = " + wanted + ": " + whose + " cannot run it (the best every rank runs is " +
                           order[static_cast<std::size_t>(worst_best)] + ")");
    }
    return;
  }
  cfg.run.simd_kernel = wanted.empty() ? order[static_cast<std::size_t>(worst_best)] : wanted;
}

// What this run should do with output.file and its journal; fills `problems` to refuse.
int plan_sweep(const config::Config& cfg, bool resume, std::vector<std::string>& problems) {
  namespace fs = std::filesystem;
  const fs::path& file = cfg.output.file;
  const fs::path journal = io::journal_directory(file);
  const std::string name = "output.file = '" + file.string() + "'";
  const auto directory = fs::absolute(file).parent_path();
  if (!fs::is_directory(directory)) {
    problems.push_back(name + ": directory '" + directory.string() + "' does not exist");
    return 1;
  }
  if (!resume) {
    if (fs::exists(file))
      problems.push_back(name + ": the file exists; attnmf sweep never overwrites a result file (pass --resume to "
                                "continue it, or choose another name)");
    else if (fs::exists(journal))
      problems.push_back(name + ": the journal of an interrupted sweep, '" + journal.string() +
                         "', exists; pass --resume to continue it, or remove it");
    return problems.empty() ? 0 : 1;
  }
  const auto refuse_if_other = [&](const std::vector<std::pair<std::string, std::string>>& stored, const std::string& where) {
    const auto differences = differing_keys(stored, cfg);
    if (differences.empty()) return false;
    std::string text = name + ": belongs to another configuration (" + where + "); keys that differ:";
    for (const auto& d : differences) text += "\n    " + d;
    problems.push_back(text + "\n  nothing was changed; use another output.file for this configuration");
    return true;
  };
  if (fs::exists(journal)) {
    try {
      const auto manifest = io::read_manifest(journal);
      if (manifest.empty()) {
        // A run that failed before it wrote its manifest (a full disk) has journalled nothing: start
        // afresh. A journal with points but no manifest cannot be trusted.
        const io::JournalContents contents = io::read_journal_directory(journal);
        if (contents.points.empty() && contents.in_flight.empty()) return 3;
        problems.push_back(name + ": its journal '" + journal.string() + "' holds points but no manifest, so its "
                           "configuration is unknown; nothing was changed");
        return 1;
      }
      if (refuse_if_other(manifest, "its journal's manifest")) return 1;
      // Points stopped mid-trajectory continue with the kernel that started them, or not at all: the
      // kernels round differently.
      const std::string stored = kernel_of(manifest), here = kernel_of(sweep::manifest_keys(cfg));
      if (!stored.empty() && !here.empty() && stored != here) {
        problems.push_back(name + ": cannot resume with the " + here + " kernel (run.simd_kernel): its points were "
                           "computed by the simd engine's " + stored + " kernel, which rounds differently; resume it "
                           "with run.simd_kernel = auto or " + stored + ". Nothing was changed");
        return 1;
      }
      const io::JournalContents contents = io::read_journal_directory(journal);
      (void)contents;
    } catch (const std::exception& e) {
      problems.push_back(name + ": cannot resume: " + e.what());
      return 1;
    }
    return 3;
  }
  if (fs::exists(file)) {
    try {
      const io::h5::File existing = io::h5::File::open(file, io::h5::Access::read_only);
      if (refuse_if_other(io::read_configuration(existing), "its attributes")) return 1;
      if (io::h5::has_attribute(existing, "complete") && io::h5::read_attribute<std::int64_t>(existing, "complete") == 1)
        return 2;
    } catch (const std::exception& e) {
      problems.push_back(name + ": not a readable attnmf sweep file (" + e.what() + ")");
      return 1;
    }
    problems.push_back(name + ": the sweep is incomplete and its journal '" + journal.string() +
                       "' is missing, so it cannot be resumed safely");
    return 1;
  }
  return 0;  // --resume of a sweep that never started: start it
}

}  // namespace

int sweep_command(int argc, char** argv, const std::string& command_line) {
  bool resume = false;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << usage << '\n' << config::help_text(config::Command::sweep);
      return exit_success;
    }
    if (std::strcmp(argv[i], "--resume") == 0) resume = true;
  }
  // First of all: a stop signal during start-up must stop the sweep cleanly, not kill the rank.
  install_stop_handlers();
  io::mpi::Environment environment(argc, argv);
  // The command's own collectives run on a duplicate of the world, as the driver's do on its own.
  const io::mpi::Communicator world(MPI_COMM_WORLD);
  const int rank = world.rank();
  // Only rank 0 speaks, unless something goes wrong on another rank.
  if (rank != 0) spdlog::set_level(spdlog::level::warn);

  // Every rank parses and checks the same configuration and so reaches the same verdict; rank 0
  // alone reports it. File-system checks are made on rank 0 and broadcast.
  std::vector<std::string> problems;
  config::Config cfg;
  try {
    const auto parsed = config::parse(config::Command::sweep, argc, argv, {"verbose,v", "quiet,q", "resume"});
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
  // A rank may see what rank 0 does not (an input file it cannot read): every rank learns whether
  // any has a problem, and a rank that has one says it.
  int mine = problems.empty() ? 0 : 1, ranks_with_problems = 0;
  io::mpi::check(MPI_Allreduce(&mine, &ranks_with_problems, 1, MPI_INT, MPI_SUM, world.get()), "MPI_Allreduce");
  if (rank != 0 && mine)
    for (const auto& problem : problems) std::cerr << "attnmf sweep: rank " << rank << ": " << problem << '\n';
  if (ranks_with_problems > 0 && problems.empty() && rank == 0)
    problems.push_back(std::to_string(ranks_with_problems) + " other rank(s) found the configuration unusable (above)");
  if (ranks_with_problems == 0) resolve_simd_kernel(world.get(), cfg, resume, rank, problems);

  // Rank 0 takes the output's lock, then decides from the file system what this run does; every
  // rank follows. The lock is held until this process ends the sweep.
  enum Verdict : int { start = 0, refuse = 1, nothing_to_do = 2, resume_journal = 3, busy = 4 };
  std::optional<io::OutputLock> lock;
  int verdict = problems.empty() ? start : refuse;
  if (problems.empty() && rank == 0) {
    try {
      std::string holder, takeover;
      if (std::filesystem::is_directory(std::filesystem::absolute(cfg.output.file).parent_path()))
        lock = io::OutputLock::acquire(cfg.output.file, holder, takeover);
      if (!holder.empty()) {
        problems.push_back("output.file = '" + cfg.output.file.string() + "' is in use by " + holder + " (lock '" +
                           io::lock_path(cfg.output.file).string() + "'); wait for that run to end, or stop it");
        verdict = busy;
      } else {
        if (!takeover.empty()) spdlog::warn("{}", takeover);
        verdict = plan_sweep(cfg, resume, problems);
      }
    } catch (const std::exception& e) {
      problems.push_back("output.file = '" + cfg.output.file.string() + "': " + e.what());
      verdict = refuse;
    }
    if (verdict == refuse || verdict == busy || verdict == nothing_to_do) lock.reset();
  }
  io::mpi::check(MPI_Bcast(&verdict, 1, MPI_INT, 0, world.get()), "MPI_Bcast");
  if (verdict == nothing_to_do) {
    if (rank == 0) spdlog::info("{}: every point is done already; nothing to do", cfg.output.file.string());
    return exit_success;
  }
  if (verdict == refuse || verdict == busy) {
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
    options.resume = verdict == resume_journal;
    options.stop_requested = [] { return stop_requested(); };
    const sweep::SweepSummary s = sweep::run_sweep(world.get(), cfg, options);
    if (s.interrupted) {
      if (rank == 0)
        spdlog::warn("interrupted: {} of {} points done, the points in flight saved; continue with --resume (exit code {})",
                     s.done + s.failed, s.points, exit_interrupted);
      return exit_interrupted;
    }
    if (rank == 0) {
      spdlog::info("done: {} points ({} failed) in {} ({:.2f} s), {} on {} ranks x {} threads",
                   s.done + s.failed, s.failed, io::format_duration(s.wall_seconds), s.wall_seconds,
                   io::format_rate(s.point_steps_per_second, "point-steps"), s.ranks, s.threads_per_rank);
      std::string counts;
      for (const analysis::RegimeName& r : analysis::kRegimes)
        counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", r.name, s.regimes[analysis::regime_index(r.regime)]);
      spdlog::info("regimes{}: {}", s.starts > 1 ? " (of start 0)" : "", counts);
      if (s.starts > 1)
        spdlog::info("attractors: {} of {} done points have more than one among their {} starts (/attractors)",
                     s.coexisting, s.done, s.starts);
      spdlog::info("wrote {}", std::filesystem::absolute(cfg.output.file).string());
    }
  } catch (const io::mpi::RankFault& e) {
    // Every rank stopped together (io/monitor.hpp); rank 0 says why, once.
    if (rank == 0)
      spdlog::error("attnmf sweep stopped on every rank: {}. Finished points are in the journal: fix the cause and "
                    "continue with --resume (exit code {})",
                    e.what(), exit_fault);
    return exit_fault;
  } catch (const std::exception& e) {
    // A failure outside the agreed steps: the last resort, so that no rank waits forever.
    spdlog::error("attnmf sweep failed on rank {}: {}", rank, e.what());
    spdlog::default_logger()->flush();
    MPI_Abort(MPI_COMM_WORLD, exit_failure);
    return exit_failure;
  }
  return exit_success;
}

}  // namespace attnmf::cli
