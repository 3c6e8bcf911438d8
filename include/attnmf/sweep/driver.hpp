#pragma once
// The sweep driver: the one place that owns the communicator, every collective call and the file.
//
// Rank 0 is the master: it hands out work units — blocks of consecutive grid points — on demand to
// every rank, itself included. On every rank the main thread does all communication and all HDF5
// writes; `parallel.threads_per_rank` compute threads only run PointComputer::compute, which
// knows nothing of MPI, threads or files.
//
// Its parts: the master's Scheduler (sweep/scheduler.hpp); a rank's WorkQueues and ComputeThreads
// (sweep/work_queue.hpp); the messages between ranks (src/sweep/protocol.hpp); and, in
// src/sweep/driver.cpp, SweepRun, whose methods are run_sweep's phases.

#include <mpi.h>

#include <array>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "attnmf/analysis/regime.hpp"
#include "attnmf/config/config.hpp"
#include "attnmf/records/point.hpp"

namespace attnmf::sweep {

// The exit code of a sweep ended by a fault (an I/O error, a full disk, an exception on some rank):
// every rank stops, the journal stays consistent, and --resume continues once the cause is fixed.
// Also what MPI_Abort is given when the ranks cannot end together.
inline constexpr int fault_exit_code = 4;

// The journal manifest's entry naming the simd engine's kernel (avx512, avx2, sse2) that computed the
// sweep: points are resumed only with the same kernel.
inline constexpr const char* kernel_manifest_key = "simd.kernel";

// Keys under which the manifest and the sweep file's root attributes hold the checksum of an input
// file ("input.init.checkpoint" = "crc32 …, N bytes"): --resume refuses changed contents.
inline constexpr const char* input_checksum_prefix = "input.";
std::vector<std::pair<std::string, std::string>> input_checksums(const config::Config& config);

// What a sweep's journal manifest records of `config`: every key that affects results, the simd
// engine's kernel when it computes the sweep, and the checksums of the input files.
std::vector<std::pair<std::string, std::string>> manifest_keys(const config::Config& config);

struct SweepSummary {
  long long points = 0;
  long long computed = 0;        // points computed by this run (the rest came from the journal)
  bool interrupted = false;      // stopped by a stop request; continue with --resume
  long long done = 0;
  long long failed = 0;
  std::array<long long, analysis::kRegimes.size()> regimes{};  // done points per regime, in the order of kRegimes
  int starts = 1;              // per point (init.starts)
  long long coexisting = 0;    // done points whose starts reached more than one attractor
  double wall_seconds = 0.0;
  double point_steps_per_second = 0.0;
  int ranks = 1;
  int threads_per_rank = 1;  // this rank's compute threads (parallel.threads_per_rank, auto resolved)
};

class PointComputer;

struct DriverOptions {
  std::string command_line;
  double progress_interval_seconds = 5.0;
  // Continue the sweep of output.file from its journal (see io/journal.hpp) instead of creating it.
  bool resume = false;
  // Polled by the main thread of every rank: when it returns true on any rank, the whole sweep
  // stops handing out work, saves the points in flight and closes the file consistently.
  std::function<bool()> stop_requested;
  // Replaces PointComputer::compute: a seam for tests that need a point to fail or to be slow.
  std::function<records::PointResult(const PointComputer&, long long)> compute;
};

// Collective over `comm`. Creates output.file (refusing an existing one) — or, with `resume`,
// rebuilds it from its journal — computes every missing point and returns the summary on every rank
// (complete on rank 0). A failure that is not a single point's, on any rank, ends it on every rank
// together: each throws the same io::mpi::RankFault, naming the rank, host and error (io/monitor.hpp).
// Configuration problems are caught before any rank touches the file.
SweepSummary run_sweep(MPI_Comm comm, const config::Config& config, const DriverOptions& options);

}  // namespace attnmf::sweep
