#include "attnmf/sweep/driver.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "attnmf/io/cpus.hpp"
#include "attnmf/io/fault.hpp"
#include "attnmf/io/journal.hpp"
#include "attnmf/io/monitor.hpp"
#include "attnmf/io/mpi.hpp"
#include "attnmf/io/progress.hpp"
#include "attnmf/io/result_file.hpp"
#include "attnmf/io/space_reserve.hpp"
#include "attnmf/io/sweep_file.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/dynamics/engine.hpp"
#include "attnmf/sweep/attractors.hpp"
#include "attnmf/sweep/continuation.hpp"
#include "attnmf/sweep/point.hpp"
#include "attnmf/sweep/scheduler.hpp"
#include "attnmf/sweep/work_queue.hpp"
#include "protocol.hpp"

namespace attnmf::sweep {
namespace {

using io::mpi::check;
namespace h5 = io::h5;
using Clock = std::chrono::steady_clock;
using protocol::Counts;

// The rank as io::fault knows it, set before anything can fail (the monitor is made with the
// communicator this returns).
MPI_Comm with_fault_rank(const io::mpi::Communicator& comm) {
  io::fault::set_rank(comm.rank());
  return comm.get();
}

// parallel.threads_per_rank on this rank: auto is as many threads as its `cpus`, within the key's range.
int resolved_threads(const config::ParallelConfig& parallel, int cpus) {
  if (parallel.threads_per_rank != config::ParallelConfig::threads_auto) return parallel.threads_per_rank;
  return std::clamp(cpus, 1, config::ParallelConfig::max_threads_per_rank);
}

// "2", or "1 to 4" when the ranks' counts differ.
std::string spread(const std::vector<int>& counts) {
  const auto [fewest, most] = std::minmax_element(counts.begin(), counts.end());
  return *fewest == *most ? std::to_string(*fewest) : fmt::format("{} to {}", *fewest, *most);
}

// One rank's part in run_sweep. Its members are the sweep's state, its public methods the phases,
// which run_sweep calls in this order on every rank:
//   SweepRun                 this rank's communicator and fault monitor, the weights, the computer
//   open_journal             this run's name, agreed by all ranks; what earlier runs finished; the
//                            manifest and the disk-space reserve
//   open_file                the HDF5 file created, or rebuilt from the journal; this run's journal
//   start_compute_threads    the compute threads, waiting for points
//   work                     the main loop: every rank is a worker, rank 0 also the master
//   end_work                 the threads joined; the ranks agree on a fault, and on a stop
//   close                    the states of points stopped mid-trajectory saved; journal and file closed
//   summarize                the summary; on the master the failures, provenance and completeness
// Every collective step goes through monitor_ (io/monitor.hpp): a failure in one ends the sweep on
// every rank together. The messages between the ranks are protocol's (protocol.hpp).
//
// The members are declared in the order in which the state comes to be, and destroyed in reverse:
// however the run ends, the compute threads are joined first, then the journal writer is closed,
// the reserve given back and, last, the file closed.
class SweepRun {
 public:
  SweepRun(MPI_Comm parent, const config::Config& config, const DriverOptions& options);
  SweepRun(const SweepRun&) = delete;
  SweepRun& operator=(const SweepRun&) = delete;

  void open_journal();
  void open_file();
  void start_compute_threads();
  void work();
  void end_work();
  void close();
  SweepSummary summarize();

 private:
  // open_file's steps.
  void replay_journal();
  void announce() const;
  // What a compute thread runs: runs side by side in the engine's lanes, or continuation segments.
  void compute_thread();
  void compute_runs(const std::vector<long long>& ids);
  void compute_chains(std::vector<ChainTask>& chains);
  // The work of tasks first … first + count − 1 (points, or rows of a continuation) into the
  // queues; the starts the journal already holds go straight to deliver().
  void take_tasks(long long first, long long count);
  void take_point(long long point, int first_computed_start);
  // A finished start; once all the starts of its point are in, the point is grouped, written and
  // counted.
  void deliver(PointResult result);
  void finish_point(std::vector<PointResult> runs, PointAttractors found);
  // Counts the point by its start 0 and how many attractors its starts reached.
  void count_point(const PointResult& start0, std::size_t attractors);
  // finish_point's grouping, which counting needs first.
  PointAttractors group(const std::vector<PointResult>& runs) const { return group_point(runs, grouping_); }
  // work()'s steps, in the order of one pass.
  void take_stop_requests();
  void begin_stopping();
  void feed_queue();
  void serve_requests();         // master
  void collect_final_reports();  // master
  void record_results();
  void report_progress() const;  // master
  bool finished();
  // summarize()'s last step, on the master: what the file says of the run as a whole.
  void write_summary(SweepSummary& summary, long long computed_everywhere, long long steps_everywhere);
  // A continuation's work unit: a share of the rows for each rank, at most what its threads' lanes
  // hold (the master's threads; with parallel.threads_per_rank = auto another rank may have more or
  // fewer). A unit's segments arrive together and are shared evenly among the threads, whose engines
  // advance theirs side by side.
  long long rows_per_unit() const {
    const long long lanes = static_cast<long long>(threads_) * computer_.points_per_task();
    return std::clamp<long long>(tasks_ / comm_.size(), 1, lanes);
  }
  // This rank's (or `rank`'s) file of this run in the journal directory: "run-<id>-rank-<rank><suffix>".
  std::filesystem::path run_file(const std::string& suffix, int rank = -1) const;
  // close()'s last step: every rank's spooled sample chunks listed on the master (spools_).
  std::vector<io::Spool> gather_spools(const std::string& suffix, const std::vector<io::SpooledChunk>& mine);

  // Set-up.
  const config::Config& config_;
  const DriverOptions& options_;
  const io::mpi::Communicator comm_;
  const bool master_;
  io::mpi::Monitor monitor_;
  const Clock::time_point started_;
  const std::string started_iso_;
  const model::Weights weights_;
  const PointComputer computer_;
  const long long points_;
  const int starts_;           // runs per point (init.starts)
  const bool continuation_;    // sweep.mode = continuation: the tasks are the grid's rows
  const long long tasks_;      // what the master hands out: points, or rows
  const int cpus_here_;  // this rank's usable CPUs (io::usable_cpus)
  const int threads_;    // this rank's compute threads, auto resolved
  // The master's: each rank's usable CPUs and compute threads.
  std::vector<int> cpus_;
  std::vector<int> threads_of_;
  const long long block_;
  const analysis::GroupingSettings grouping_;
  const std::filesystem::path journal_dir_;

  // What earlier runs finished (every rank reads the journal: it is small next to the work) and a
  // name for this run's files that no earlier run used.
  io::JournalContents journal_;
  long long run_id_ = 0;
  // Declared in this order so that, however the run ends, the reserve is given back before the
  // file is closed (io/space_reserve.hpp).
  std::optional<io::SweepFile> file_;
  // The master's list of every rank's spool of compressed samples, written into the file by
  // write_summary once no rank holds it open (io/sample_chunks.hpp).
  std::vector<io::SpooledDataset> spooled_;
  std::map<std::string, std::vector<io::Spool>> spools_;  // by dataset path
  io::SpaceReserve reserve_;
  std::vector<bool> task_done_;  // done by earlier runs, per task
  Counts everyone_;  // the master's view of all ranks
  std::map<long long, std::string> failures_;
  long long already_ = 0;  // points done by earlier runs
  // The starts of points not complete yet, the attractors of the points this rank wrote, and their
  // starts' labels (written to /attractors and /starts/attractor when the file closes).
  std::map<long long, std::vector<std::optional<PointResult>>> assembling_;
  std::vector<records::Attractor> attractors_;
  std::map<long long, std::vector<int>> labels_;
  std::atomic<long long> steps_computed_{0};
  std::optional<io::JournalWriter> journal_writer_;

  // The work.
  WorkQueues queues_;
  std::atomic<bool> stop_points_{false};
  ComputeThreads workers_{queues_, stop_points_};
  int per_task_ = 1;
  Scheduler scheduler_{{}, 0};  // the master's; empty on the other ranks
  Counts unreported_;
  long long computed_ = 0;
  std::vector<PartialPoint> stopped_points_;
  bool exhausted_ = false;          // no more work will come to this rank
  bool stopping_ = false;           // a stop request reached this rank
  protocol::WorkRequest request_;   // a worker rank's request awaiting its answer
  int finished_ranks_ = 0;
  Clock::time_point last_progress_;
  bool interrupted_ = false;  // some rank stopped early (end_work's agreement)
};

SweepRun::SweepRun(MPI_Comm parent, const config::Config& config, const DriverOptions& options)
    : config_(config),
      options_(options),
      comm_(parent),
      master_(comm_.rank() == 0),
      monitor_(with_fault_rank(comm_), protocol::fault_tag, fault_exit_code),
      started_(Clock::now()),
      started_iso_(io::utc_now_iso8601()),
      weights_(model::draw_weights(config.model)),
      computer_(config, weights_),
      points_(computer_.grid().size()),
      starts_(config.init.starts),
      continuation_(config.sweep.mode == config::SweepConfig::Mode::continuation),
      tasks_(continuation_ ? grid_rows(computer_.grid()) : points_),
      cpus_here_(io::usable_cpus()),
      threads_(resolved_threads(config.parallel, cpus_here_)),
      block_(continuation_ ? rows_per_unit() : config.parallel.block_points),
      grouping_(grouping_settings(config)),
      journal_dir_(io::journal_directory(config.output.file)) {
  // Every failure from here on ends the sweep on every rank together (io/monitor.hpp).
  monitor_.set_context([this] {
    return " (output.file = '" + config_.output.file.string() + "'" + io::disk_full_note(config_.output.file) + ")";
  });
}

std::filesystem::path SweepRun::run_file(const std::string& suffix, int rank) const {
  return journal_dir_ / ("run-" + std::to_string(run_id_) + "-rank-" + std::to_string(rank < 0 ? comm_.rank() : rank) + suffix);
}

void SweepRun::open_journal() {
  run_id_ = master_ ? static_cast<long long>(std::chrono::system_clock::now().time_since_epoch().count()) : 0;
  check(MPI_Bcast(&run_id_, 1, MPI_LONG_LONG, 0, comm_.get()), "MPI_Bcast");
  monitor_.on_fault([this] { reserve_.release(); });
  monitor_.collective([&] {
    if (options_.resume) journal_ = io::read_journal_directory(journal_dir_);
    if (master_) {
      std::filesystem::create_directories(journal_dir_);
      reserve_ = io::SpaceReserve(journal_dir_ / "space-reserve", io::SpaceReserve::default_bytes);
      if (io::read_manifest(journal_dir_).empty()) io::write_manifest(journal_dir_, manifest_keys(config_));
      for (const std::string& note : journal_.notes) spdlog::warn("{}", note);
    }
  });
}

void SweepRun::open_file() {
  // The HDF5 file is a view of the journal: a resumed sweep rebuilds it, each rank replaying a share.
  monitor_.collective([&] {
    file_.emplace(io::SweepFile::create(config_.output.file, comm_.get(), config_, weights_, computer_.grid(), monitor_,
                                        input_checksums(config_),
                                        options_.resume ? io::SweepFile::Mode::replace : io::SweepFile::Mode::exclusive));
    spooled_ = io::spooled_datasets(config_);
    file_->start_spools(run_file(""));
  });
  monitor_.collective([&] { replay_journal(); });
  // How many CPUs each rank may run on and how many threads it computes with: the start line names
  // them, and a rank with fewer CPUs than threads is warned of (they would share its CPUs, at a
  // fraction of the speed).
  const std::size_t gathered = master_ ? static_cast<std::size_t>(comm_.size()) : 1;
  cpus_.assign(gathered, cpus_here_);
  threads_of_.assign(gathered, threads_);
  monitor_.collective([&] {
    check(MPI_Gather(&cpus_here_, 1, MPI_INT, cpus_.data(), 1, MPI_INT, 0, comm_.get()), "MPI_Gather");
    check(MPI_Gather(&threads_, 1, MPI_INT, threads_of_.data(), 1, MPI_INT, 0, comm_.get()), "MPI_Gather");
  });
  if (master_) announce();
  monitor_.collective([&] { journal_writer_.emplace(run_file(".journal")); });
}

void SweepRun::replay_journal() {
  // A point is done when the journal holds all its starts, a task when all its points are: only
  // those are written now; the journalled starts of the others join them when their task is taken.
  std::vector<int> journalled(static_cast<std::size_t>(points_), 0);
  for (const auto& [key, result] : journal_.points)
    if (key.first >= 0 && key.first < points_ && key.second >= 0 && key.second < starts_)
      ++journalled[static_cast<std::size_t>(key.first)];
  const long long per_task = continuation_ ? static_cast<long long>(computer_.grid().beta().size()) : 1;
  task_done_.assign(static_cast<std::size_t>(tasks_), true);
  for (long long p = 0; p < points_; ++p)
    if (journalled[static_cast<std::size_t>(p)] < starts_) task_done_[static_cast<std::size_t>(p / per_task)] = false;
  for (long long p = 0; p < points_; ++p) {
    if (!task_done_[static_cast<std::size_t>(p / per_task)]) continue;
    ++already_;
    const PointResult& start0 = journal_.points.at({p, 0});
    if (start0.status == PointStatus::failed) failures_[p] = start0.error;
    if (master_) {
      if (start0.status == PointStatus::done) {
        ++everyone_.done;
        ++everyone_.regimes[analysis::regime_index(start0.regime)];
      } else {
        ++everyone_.failed;
      }
    }
    if (p % comm_.size() != comm_.rank()) continue;
    std::vector<PointResult> runs;
    for (int s = 0; s < starts_; ++s) runs.push_back(journal_.points.at({p, s}));
    PointAttractors found = group(runs);
    // The rank that writes a point counts its coexistence (the master counted the rest above).
    if (start0.status == PointStatus::done && found.attractors.size() > 1) {
      if (master_) ++everyone_.coexisting;
      else ++unreported_.coexisting;
    }
    finish_point(std::move(runs), std::move(found));
  }
}

void SweepRun::announce() const {
  if (options_.resume && (already_ > 0 || !journal_.in_flight.empty()))
    spdlog::info("resuming: {} of {} points already done, {} to continue mid-trajectory", already_, points_,
                 journal_.in_flight.size());
  const std::size_t sizes = computer_.grid().sizes().size();
  const bool automatic = config_.parallel.threads_per_rank == config::ParallelConfig::threads_auto;
  spdlog::info("sweep of {} points ({} beta x {} gamma x {} epsilon{}), {} steps each, on {} ranks x {} threads{}, {} "
               "engine; writing {}",
               points_, computer_.grid().beta().size(), computer_.grid().gamma().size(), computer_.grid().epsilon().size(),
               config_.run.engine == config::RunConfig::Engine::network ? fmt::format(" x {} network sizes", sizes) : "",
               config_.run.steps, comm_.size(), spread(threads_of_), automatic ? " (auto: CPU affinity)" : "",
               computer_.engine_description(), config_.output.file.string());
  spdlog::info("CPUs per rank (affinity): {}", spread(cpus_));
  // With auto a rank has at most one thread per CPU, so none is warned of.
  for (std::size_t r = 0; r < cpus_.size(); ++r)
    if (const std::string shortfall = io::cpu_shortfall(static_cast<int>(r), cpus_[r], threads_of_[r]);
        !shortfall.empty())
      spdlog::warn("{}", shortfall);
  if (starts_ > 1 || continuation_)
    spdlog::info("{} starts per point{}", starts_,
                 continuation_ ? fmt::format(", continued along beta ({}, from beta = {}): the {} rows of the grid run in "
                                             "parallel, each chain segment in order",
                                             to_string(config_.continuation.direction), config_.continuation.from, tasks_)
                               : std::string());
}

void SweepRun::start_compute_threads() {
  // A compute thread takes as many points as the engine integrates together (simd: one per lane).
  per_task_ = options_.compute ? 1 : computer_.points_per_task();
  workers_.start(threads_, [this] { compute_thread(); });
}

void SweepRun::compute_thread() {
  // Segments are shared out among the threads, runs taken a block of lanes at a time.
  while (true) {
    WorkQueues::Work work = queues_.next_work(static_cast<std::size_t>(per_task_));
    if (work.empty()) break;
    try {
      io::fault::at("compute");
      if (!work.chains.empty()) {
        compute_chains(work.chains);
        queues_.finish_chains(work.chains.size());
      } else {
        compute_runs(work.runs);
      }
    } catch (...) {
      // Not one point's failure (those come back as results): the sweep cannot go on.
      std::string which = work.runs.empty()
                              ? "a continuation segment"
                              : "runs " + std::to_string(work.runs.front()) + "-" + std::to_string(work.runs.back());
      try {
        throw;
      } catch (const std::exception& e) {
        queues_.push_fault(std::make_exception_ptr(std::runtime_error("a compute thread failed on " + which + ": " + e.what())));
      } catch (...) {
        queues_.push_fault(std::make_exception_ptr(std::runtime_error("a compute thread failed on " + which)));
      }
      break;
    }
  }
}

namespace {

// The steps a run made in this process: to its end, or to where it stopped, from where it resumed.
long long steps_made(const RunSpec& run, const Outcome& outcome, const config::Config& config) {
  const long long total = run.continued ? config.continuation.transient + config.run.steps - config.run.transient
                                        : config.run.steps;
  const long long reached = std::holds_alternative<PartialPoint>(outcome) ? std::get<PartialPoint>(outcome).steps_done : total;
  return reached - (run.from ? run.from->steps_done : 0);
}

}  // namespace

void SweepRun::compute_runs(const std::vector<long long>& ids) {
  std::vector<RunSpec> runs(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    runs[i].index = ids[i] / starts_;
    runs[i].start = static_cast<int>(ids[i] % starts_);
    const auto partial = journal_.in_flight.find({runs[i].index, runs[i].start});
    runs[i].from = partial == journal_.in_flight.end() ? nullptr : &partial->second;
  }
  if (options_.compute) {
    for (const RunSpec& run : runs) {
      PointResult result = options_.compute(computer_, run.index);
      result.start = run.start;
      queues_.push_result(std::move(result));
    }
    return;
  }
  std::vector<Outcome> outcomes = computer_.compute_runs(runs, &stop_points_);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    steps_computed_ += steps_made(runs[i], outcomes[i], config_);
    queues_.push_result(std::move(outcomes[i]));
  }
}

void SweepRun::compute_chains(std::vector<ChainTask>& chains) {
  // The segments advance a point at a time, side by side: each round computes the next point of
  // every segment not yet at its end (in one engine where they are at the same stage).
  while (!stop_points_) {
    std::vector<std::size_t> live;
    std::vector<RunSpec> runs;
    for (std::size_t c = 0; c < chains.size(); ++c) {
      ChainTask& chain = chains[c];
      if (chain.next >= chain.points.size()) continue;
      live.push_back(c);
      runs.push_back(RunSpec{chain.points[chain.next], chain.start, chain.window ? &*chain.window : nullptr,
                             chain.continued, chain.from});
    }
    if (runs.empty()) return;
    std::vector<Outcome> outcomes = computer_.compute_runs(runs, &stop_points_);
    for (std::size_t k = 0; k < live.size(); ++k) {
      ChainTask& chain = chains[live[k]];
      steps_computed_ += steps_made(runs[k], outcomes[k], config_);
      if (const auto* result = std::get_if<PointResult>(&outcomes[k])) {
        // The next point begins where this one ended; after a failure, afresh.
        if (result->status == PointStatus::done) {
          chain.window = result->final_window;
          chain.continued = true;
        } else {
          chain.window.reset();
          chain.continued = false;
        }
        chain.from = nullptr;
        ++chain.next;
      } else {
        chain.next = chain.points.size();  // stopped: --resume continues from the journal
      }
      queues_.push_chain_result(std::move(outcomes[k]));
    }
  }
}

void SweepRun::take_tasks(long long first, long long count) {
  std::vector<ChainTask> chains;
  for (long long task = first; task < first + count; ++task) {
    if (!continuation_) {
      take_point(task, 0);
      continue;
    }
    // A row: its chain segments, resumed after their last journalled point, and the other starts.
    for (ChainSegment& segment : chain_segments(computer_.grid(), config_, task)) {
      ChainTask chain;
      chain.start = segment.start;
      std::size_t next = 0;
      while (next < segment.points.size() && journal_.points.contains({segment.points[next], segment.start})) ++next;
      if (next == segment.points.size()) continue;
      if (next > 0) {
        const PointResult& previous = journal_.points.at({segment.points[next - 1], segment.start});
        if (previous.status == PointStatus::done) {
          chain.window = previous.final_window;
          chain.continued = true;
        }
      }
      const auto partial = journal_.in_flight.find({segment.points[next], segment.start});
      if (partial != journal_.in_flight.end()) chain.from = &partial->second;
      chain.next = next;
      chain.points = std::move(segment.points);
      chains.push_back(std::move(chain));
    }
  }
  // The segments first, the longest work; then the other starts of the rows' points.
  queues_.push_chains(std::move(chains));
  if (!continuation_) return;
  const long long n_beta = static_cast<long long>(computer_.grid().beta().size());
  for (long long p = first * n_beta; p < (first + count) * n_beta; ++p) take_point(p, computer_.chain_starts());
}

void SweepRun::take_point(long long point, int first_computed_start) {
  for (int s = 0; s < starts_; ++s) {
    const auto journalled = journal_.points.find({point, s});
    if (journalled != journal_.points.end()) deliver(journalled->second);
    else if (s >= first_computed_start) queues_.push_points(point * starts_ + s, 1);
  }
}

void SweepRun::deliver(PointResult result) {
  std::vector<std::optional<PointResult>>& runs = assembling_[result.index];
  if (runs.empty()) runs.resize(static_cast<std::size_t>(starts_));
  runs.at(static_cast<std::size_t>(result.start)) = std::move(result);
  if (!std::all_of(runs.begin(), runs.end(), [](const auto& r) { return r.has_value(); })) return;
  std::vector<PointResult> complete;
  for (auto& r : runs) complete.push_back(std::move(*r));
  assembling_.erase(complete.front().index);
  PointAttractors found = group(complete);
  count_point(complete.front(), found.attractors.size());
  finish_point(std::move(complete), std::move(found));
}

void SweepRun::finish_point(std::vector<PointResult> runs, PointAttractors found) {
  std::vector<records::StartOrigin> origins;
  for (int s = 0; s < starts_; ++s) origins.push_back(computer_.origin(s));
  file_->write_starts(runs, origins, static_cast<int>(found.attractors.size()));
  // /provenance/point_seconds: the compute time of all the point's starts.
  double seconds = 0.0;
  for (const PointResult& r : runs) seconds += r.seconds;
  runs.front().seconds = seconds;
  file_->write_point(runs.front());
  if (file_->has_starts()) {
    labels_[runs.front().index] = std::move(found.labels);
    for (records::Attractor& a : found.attractors) attractors_.push_back(std::move(a));
  }
}

void SweepRun::count_point(const PointResult& result, std::size_t attractors) {
  ++computed_;
  Counts c;
  if (result.status == PointStatus::done) {
    c.done = 1;
    c.coexisting = attractors > 1 ? 1 : 0;
    c.regimes[analysis::regime_index(result.regime)] = 1;
  } else {
    c.failed = 1;
    failures_[result.index] = result.error;
    spdlog::warn("point {} failed: {}", result.index, result.error);
  }
  if (master_) everyone_.add(c);
  else unreported_.add(c);
}

// The main loop: keep this rank's queue fed, write what is finished, and (master) serve requests.
// A failure here (the journal, the file, a compute thread) is told to every rank, and every rank
// leaves the loop for the agreement in end_work.
void SweepRun::work() {
  scheduler_ = Scheduler(master_ ? task_done_ : std::vector<bool>{}, block_);
  last_progress_ = started_;
  while (!monitor_.poll()) try {
    // 0. Stop requests: this rank's own (a signal), or the master's word.
    take_stop_requests();
    // 1. Feed the local queue.
    feed_queue();
    // 2. Master: answer requests and collect final reports.
    if (master_) {
      serve_requests();
      collect_final_reports();
    }
    // 3. What the compute threads finished goes to the journal (synced) and then to the file.
    record_results();
    if (std::exception_ptr failure = queues_.take_fault()) std::rethrow_exception(failure);
    if (master_ && Clock::now() - last_progress_ >= std::chrono::duration<double>(options_.progress_interval_seconds)) {
      last_progress_ = Clock::now();
      report_progress();
    }
    // 4. Done when no work will come and none is left here; the master also waits for every rank.
    if (finished()) break;
  } catch (...) {
    monitor_.notify(std::current_exception());
  }
}

void SweepRun::take_stop_requests() {
  if (!stopping_ && options_.stop_requested && options_.stop_requested()) {
    if (master_) begin_stopping();
    else {
      protocol::send_stop(comm_.get(), 0);
      begin_stopping();
    }
  }
  if (protocol::take_stop(comm_.get())) begin_stopping();
}

// Stopping: no more work is handed out or started; points in flight stop at their next check
// and come back as states to save.
void SweepRun::begin_stopping() {
  if (stopping_) return;
  stopping_ = true;
  stop_points_ = true;
  queues_.drop_pending();
  if (master_) {
    scheduler_.stop();
    exhausted_ = true;
    spdlog::warn("stop requested: saving the points in flight and closing {}", config_.output.file.string());
    for (int r = 1; r < comm_.size(); ++r) protocol::send_stop(comm_.get(), r);
  } else {
    exhausted_ = true;
  }
}

// Two tasks per thread in reserve keep every thread busy. The master takes its points from the
// scheduler; a worker asks the master for them, one request at a time.
void SweepRun::feed_queue() {
  if (!exhausted_ && queues_.queued() < 2 * static_cast<long long>(threads_) * per_task_) {
    if (master_) {
      const auto [first, count] = scheduler_.next();
      if (count > 0) take_tasks(first, count);
      exhausted_ = scheduler_.exhausted();
    } else if (!request_.open()) {
      request_.post(comm_.get(), std::exchange(unreported_, Counts{}));
    }
  }
  if (const auto assignment = request_.arrived()) {
    if (assignment->second > 0 && !stopping_) take_tasks(assignment->first, assignment->second);
    else exhausted_ = true;
  }
}

void SweepRun::serve_requests() {
  while (const auto report = protocol::take_report(comm_.get(), protocol::request_tag)) {
    everyone_.add(report->counts);
    protocol::send_assignment(comm_.get(), report->from, scheduler_.next());
  }
}

void SweepRun::collect_final_reports() {
  while (const auto report = protocol::take_report(comm_.get(), protocol::finished_tag)) {
    everyone_.add(report->counts);
    protocol::receive_failures(comm_.get(), report->from, failures_);
    ++finished_ranks_;
  }
}

void SweepRun::record_results() {
  for (Outcome& outcome : queues_.take_results(std::chrono::milliseconds(2))) {
    if (auto* partial = std::get_if<PartialPoint>(&outcome)) {
      stopped_points_.push_back(std::move(*partial));
      continue;
    }
    PointResult& result = std::get<PointResult>(outcome);
    journal_writer_->append(result);
    if (result.status == PointStatus::failed && result.start > 0)
      spdlog::debug("point {} start {} failed: {}", result.index, result.start, result.error);
    deliver(std::move(result));
  }
}

void SweepRun::report_progress() const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
  const long long finished = everyone_.done + everyone_.failed;
  const double rate = static_cast<double>(finished - already_) / std::max(elapsed, 1e-9);
  spdlog::info("points {}/{} ({:.1f}%), {}, {}, ETA {}", finished, points_,
               100.0 * static_cast<double>(finished) / static_cast<double>(points_), io::format_rate(rate, "points"),
               io::format_rate(rate * static_cast<double>(config_.run.steps) * starts_, "point-steps"),
               rate > 0 ? io::format_duration(static_cast<double>(points_ - finished) / rate) : "?");
}

// A worker that is done sends its final report and leaves; the master leaves once every worker has.
bool SweepRun::finished() {
  if (exhausted_ && !request_.open() && queues_.idle()) {
    if (!master_) {
      protocol::send_finished(comm_.get(), unreported_, failures_);
      return true;
    }
    if (finished_ranks_ == comm_.size() - 1) return true;
  }
  return false;
}

void SweepRun::end_work() {
  // The points in flight stop at their next check; what a failed sweep computed but did not
  // journal is computed again by --resume.
  if (monitor_.faulted()) stop_points_ = true;
  workers_.join();
  request_.cancel();
  monitor_.agree(nullptr);

  // Every rank agrees whether the sweep stopped early (a stop message may still be in flight).
  int stopped = stopping_ ? 1 : 0, any_stopped = 0;
  check(MPI_Allreduce(&stopped, &any_stopped, 1, MPI_INT, MPI_MAX, comm_.get()), "MPI_Allreduce");
  interrupted_ = any_stopped != 0;
  // Drain a stop message that arrived after this rank finished, so none is left behind.
  if (interrupted_) protocol::take_stop(comm_.get());
}

void SweepRun::close() {
  // The states of points stopped mid-trajectory. Earlier runs' in-flight files stay until the sweep
  // is complete: reading keeps the most advanced state of each point and drops finished ones.
  monitor_.collective([&] {
    if (!stopped_points_.empty()) io::write_in_flight(run_file(".inflight"), stopped_points_);
  });
  journal_writer_.reset();
  reserve_.release();  // room for the close's flush on a nearly full disk
  file_->write_attractors(comm_.get(), monitor_, attractors_, labels_);
  std::map<std::string, std::vector<io::SpooledChunk>> spooled;
  monitor_.collective([&] { spooled = file_->close_spools(); });
  file_->close(monitor_);
  // Dataset by dataset, in the same order on every rank.
  for (const io::SpooledDataset& dataset : spooled_)
    monitor_.collective([&] { spools_[dataset.path] = gather_spools(dataset.suffix, spooled[dataset.path]); });
}

std::vector<io::Spool> SweepRun::gather_spools(const std::string& suffix, const std::vector<io::SpooledChunk>& mine) {
  static_assert(sizeof(io::SpooledChunk) == 4 * sizeof(std::int64_t));
  const int size = comm_.size();
  const int count = static_cast<int>(mine.size() * 4);
  std::vector<int> counts(master_ ? static_cast<std::size_t>(size) : 1), displacements(counts.size(), 0);
  check(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm_.get()), "MPI_Gather");
  std::vector<std::int64_t> flat(mine.size() * 4), everyone;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    flat[4 * i] = mine[i].point;
    flat[4 * i + 1] = mine[i].piece;
    flat[4 * i + 2] = mine[i].offset;
    flat[4 * i + 3] = mine[i].size;
  }
  if (master_) {
    for (int r = 1; r < size; ++r) displacements[static_cast<std::size_t>(r)] = displacements[static_cast<std::size_t>(r - 1)] + counts[static_cast<std::size_t>(r - 1)];
    everyone.resize(static_cast<std::size_t>(displacements.back() + counts.back()));
  }
  check(MPI_Gatherv(flat.data(), count, MPI_INT64_T, everyone.data(), counts.data(), displacements.data(), MPI_INT64_T, 0,
                    comm_.get()),
        "MPI_Gatherv");
  std::vector<io::Spool> spools;
  if (!master_) return spools;
  for (int r = 0; r < size; ++r) {
    io::Spool spool{run_file(suffix, r), {}};
    const auto first = static_cast<std::size_t>(displacements[static_cast<std::size_t>(r)]);
    for (std::size_t i = first; i < first + static_cast<std::size_t>(counts[static_cast<std::size_t>(r)]); i += 4)
      spool.chunks.push_back({everyone[i], everyone[i + 1], everyone[i + 2], everyone[i + 3]});
    spools.push_back(std::move(spool));
  }
  return spools;
}

SweepSummary SweepRun::summarize() {
  SweepSummary summary;
  summary.points = points_;
  summary.ranks = comm_.size();
  summary.threads_per_rank = threads_;
  summary.interrupted = interrupted_;
  summary.wall_seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  long long computed_everywhere = 0, steps_here = steps_computed_, steps_everywhere = 0;
  check(MPI_Reduce(&computed_, &computed_everywhere, 1, MPI_LONG_LONG, MPI_SUM, 0, comm_.get()), "MPI_Reduce");
  check(MPI_Reduce(&steps_here, &steps_everywhere, 1, MPI_LONG_LONG, MPI_SUM, 0, comm_.get()), "MPI_Reduce");
  monitor_.collective([&] {
    if (master_) write_summary(summary, computed_everywhere, steps_everywhere);
  });
  return summary;
}

void SweepRun::write_summary(SweepSummary& summary, long long computed_everywhere, long long steps_everywhere) {
  summary.computed = computed_everywhere;
  summary.done = everyone_.done;
  summary.failed = everyone_.failed;
  summary.regimes = everyone_.regimes;
  summary.coexisting = everyone_.coexisting;
  summary.starts = starts_;
  // Every start's steps (with the test seam for compute, which makes none, the nominal ones).
  const double steps = options_.compute ? static_cast<double>(summary.computed) * static_cast<double>(config_.run.steps)
                                        : static_cast<double>(steps_everywhere);
  summary.point_steps_per_second = steps / summary.wall_seconds;
  // What every rank spooled, into the file the ranks have closed, then the spools away.
  for (const io::SpooledDataset& dataset : spooled_) {
    const auto writing = Clock::now();
    const std::vector<io::Spool>& spools = spools_[dataset.path];
    io::write_spooled_chunks(config_.output.file, dataset.path, dataset.chunking, spools);
    long long chunks = 0, bytes = 0;
    for (const io::Spool& spool : spools)
      for (const io::SpooledChunk& c : spool.chunks) ++chunks, bytes += c.size;
    const double raw = static_cast<double>(chunks) * static_cast<double>(dataset.chunking.rows_per_chunk()) *
                       dataset.chunking.features * (dataset.chunking.float32 ? 4.0 : 8.0);
    spdlog::info("{}: {} chunks, {:.3g} GB deflated from {:.3g} GB, written in {:.2f} s", dataset.path, chunks, bytes / 1e9,
                 raw / 1e9, std::chrono::duration<double>(Clock::now() - writing).count());
    for (const io::Spool& spool : spools) {
      std::error_code ignored;
      std::filesystem::remove(spool.path, ignored);
    }
  }
  if (!summary.interrupted) io::write_failures(config_.output.file, points_, failures_);
  h5::File f = h5::File::open(config_.output.file, h5::Access::read_write);
  // The master's thread count: with parallel.threads_per_rank = auto, other ranks may have had others.
  io::Provenance provenance{options_.command_line, started_iso_, summary.wall_seconds,
                            {{"point_steps_per_second", summary.point_steps_per_second},
                             {"ranks", static_cast<double>(summary.ranks)},
                             {"threads_per_rank", static_cast<double>(threads_)}},
                            {{"engine", computer_.engine_description()}}};
  io::write_provenance(f, provenance);
  h5::write_attribute(f, "complete", static_cast<std::int64_t>(summary.interrupted ? 0 : 1));
  f.close();
  // A complete file needs its journal no more.
  if (!summary.interrupted && summary.done + summary.failed == points_) std::filesystem::remove_all(journal_dir_);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> input_checksums(const config::Config& config) {
  std::vector<std::pair<std::string, std::string>> inputs;
  if (config.init.mode == config::InitConfig::Mode::checkpoint)
    inputs.emplace_back(std::string(input_checksum_prefix) + "init.checkpoint", io::file_checksum(config.init.checkpoint));
  return inputs;
}

std::vector<std::pair<std::string, std::string>> manifest_keys(const config::Config& config) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& kv : config.key_values())
    if (config::affects_results(kv.first)) keys.push_back(kv);
  if (config.run.engine == config::RunConfig::Engine::simd) keys.emplace_back(kernel_manifest_key, simd_kernel(config));
  for (auto& input : input_checksums(config)) keys.push_back(std::move(input));
  return keys;
}

SweepSummary run_sweep(MPI_Comm parent, const config::Config& config, const DriverOptions& options) {
  SweepRun run(parent, config, options);
  run.open_journal();
  run.open_file();
  run.start_compute_threads();
  run.work();
  run.end_work();
  run.close();
  return run.summarize();
}

}  // namespace attnmf::sweep
