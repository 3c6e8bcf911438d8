#include "attnmf/sweep/driver.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <variant>
#include <chrono>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "attnmf/io/fault.hpp"
#include "attnmf/io/journal.hpp"
#include "attnmf/io/monitor.hpp"
#include "attnmf/io/mpi.hpp"
#include "attnmf/io/progress.hpp"
#include "attnmf/io/result_file.hpp"
#include "attnmf/io/space_reserve.hpp"
#include "attnmf/io/sweep_file.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/simd/lane_block.hpp"
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
  const io::mpi::Communicator comm(parent);
  const bool master = comm.rank() == 0;
  io::fault::set_rank(comm.rank());
  // Every failure from here on ends the sweep on every rank together (io/monitor.hpp).
  io::mpi::Monitor monitor(comm.get(), protocol::fault_tag, fault_exit_code);
  monitor.set_context([&config] { return " (output.file = '" + config.output.file.string() + "'" + io::disk_full_note(config.output.file) + ")"; });
  const auto started = Clock::now();
  const std::string started_iso = io::utc_now_iso8601();

  const model::Weights weights = model::draw_weights(config.model);
  const PointComputer computer(config, weights);
  const long long points = computer.grid().size();
  const int threads = config.parallel.threads_per_rank;
  const long long block = config.parallel.block_points;
  const std::filesystem::path journal_dir = io::journal_directory(config.output.file);

  // What earlier runs finished (every rank reads the journal: it is small next to the work) and a
  // name for this run's files that no earlier run used.
  io::JournalContents journal;
  long long run_id = master ? static_cast<long long>(std::chrono::system_clock::now().time_since_epoch().count()) : 0;
  check(MPI_Bcast(&run_id, 1, MPI_LONG_LONG, 0, comm.get()), "MPI_Bcast");
  // Declared in this order so that, however run_sweep ends, the reserve is given back before the
  // file is closed (io/space_reserve.hpp).
  std::optional<io::SweepFile> file;
  io::SpaceReserve reserve;
  monitor.on_fault([&] { reserve.release(); });
  monitor.collective([&] {
    if (options.resume) journal = io::read_journal_directory(journal_dir);
    if (master) {
      std::filesystem::create_directories(journal_dir);
      reserve = io::SpaceReserve(journal_dir / "space-reserve", io::SpaceReserve::default_bytes);
      if (io::read_manifest(journal_dir).empty()) io::write_manifest(journal_dir, manifest_keys(config));
      for (const std::string& note : journal.notes) spdlog::warn("{}", note);
    }
  });

  // The HDF5 file is a view of the journal: a resumed sweep rebuilds it, each rank replaying a share.
  monitor.collective([&] {
    file.emplace(io::SweepFile::create(config.output.file, comm.get(), config, weights, computer.grid(), monitor,
                                       input_checksums(config), options.resume ? io::SweepFile::Mode::replace : io::SweepFile::Mode::exclusive));
  });
  std::vector<bool> done(static_cast<std::size_t>(points), false);
  Counts everyone;  // the master's view of all ranks
  std::map<long long, std::string> failures;
  monitor.collective([&] {
    for (const auto& [index, result] : journal.points) {
      if (index < 0 || index >= points) continue;
      done[static_cast<std::size_t>(index)] = true;
      if (index % comm.size() == comm.rank()) file->write_point(result);
      if (result.status == PointStatus::failed) failures[index] = result.error;
      if (master) {
        if (result.status == PointStatus::done) {
          ++everyone.done;
          ++everyone.regimes[static_cast<std::size_t>(result.regime + 1)];
        } else {
          ++everyone.failed;
        }
      }
    }
  });
  const long long already = static_cast<long long>(journal.points.size());
  if (master) {
    if (options.resume && (already > 0 || !journal.in_flight.empty()))
      spdlog::info("resuming: {} of {} points already done, {} to continue mid-trajectory", already, points,
                   journal.in_flight.size());
    spdlog::info("sweep of {} points ({} beta x {} gamma x {} epsilon), {} steps each, on {} ranks x {} threads, {} engine; "
                 "writing {}",
                 points, computer.grid().beta().size(), computer.grid().gamma().size(), computer.grid().epsilon().size(),
                 config.run.steps, comm.size(), threads, computer.engine_description(), config.output.file.string());
  }
  std::optional<io::JournalWriter> journal_writer;
  monitor.collective([&] {
    journal_writer.emplace(journal_dir / ("run-" + std::to_string(run_id) + "-rank-" + std::to_string(comm.rank()) + ".journal"));
  });

  WorkQueues queues;
  std::atomic<bool> stop_points{false};
  ComputeThreads workers(queues, stop_points);
  // A compute thread takes as many points as the engine integrates together (simd: one per lane).
  const int per_task = options.compute ? 1 : computer.points_per_task();
  workers.start(threads, [&] {
    while (true) {
      const std::vector<long long> indices = queues.next_points(static_cast<std::size_t>(per_task));
      if (indices.empty()) break;
      try {
        io::fault::at("compute");
        if (options.compute) {
          for (long long index : indices) queues.push_result(options.compute(computer, index));
          continue;
        }
        std::vector<const PartialPoint*> partials;
        for (long long index : indices) {
          const auto partial = journal.in_flight.find(index);
          partials.push_back(partial == journal.in_flight.end() ? nullptr : &partial->second);
        }
        for (Outcome& outcome : computer.compute_many(indices, &stop_points, partials))
          queues.push_result(std::move(outcome));
      } catch (...) {
        // Not one point's failure (those come back as results): the sweep cannot go on.
        std::string which = "points " + std::to_string(indices.front()) + "-" + std::to_string(indices.back());
        try {
          throw;
        } catch (const std::exception& e) {
          queues.push_fault(std::make_exception_ptr(std::runtime_error("a compute thread failed on " + which + ": " + e.what())));
        } catch (...) {
          queues.push_fault(std::make_exception_ptr(std::runtime_error("a compute thread failed on " + which)));
        }
        break;
      }
    }
  });

  Scheduler scheduler(master ? done : std::vector<bool>{}, block);
  Counts unreported;
  long long computed = 0;
  std::vector<PartialPoint> stopped_points;
  bool exhausted = false;       // no more work will come to this rank
  bool stopping = false;        // a stop request reached this rank
  protocol::WorkRequest request;  // a worker rank's request awaiting its answer
  int finished_ranks = 0;
  auto last_progress = started;

  const auto report_progress = [&] {
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    const long long finished = everyone.done + everyone.failed;
    const double rate = static_cast<double>(finished - already) / std::max(elapsed, 1e-9);
    spdlog::info("points {}/{} ({:.1f}%), {}, {}, ETA {}", finished, points,
                 100.0 * static_cast<double>(finished) / static_cast<double>(points), io::format_rate(rate, "points"),
                 io::format_rate(rate * static_cast<double>(config.run.steps), "point-steps"),
                 rate > 0 ? io::format_duration(static_cast<double>(points - finished) / rate) : "?");
  };
  // Stopping: no more work is handed out or started; points in flight stop at their next check
  // and come back as states to save.
  const auto begin_stopping = [&] {
    if (stopping) return;
    stopping = true;
    stop_points = true;
    queues.drop_pending();
    if (master) {
      scheduler.stop();
      exhausted = true;
      spdlog::warn("stop requested: saving the points in flight and closing {}", config.output.file.string());
      for (int r = 1; r < comm.size(); ++r) protocol::send_stop(comm.get(), r);
    } else {
      exhausted = true;
    }
  };

  // The main loop: keep this rank's queue fed, write what is finished, and (master) serve requests.
  // A failure here (the journal, the file, a compute thread) is told to every rank, and every rank
  // leaves the loop for the agreement below.
  while (!monitor.poll()) try {
    // 0. Stop requests: this rank's own (a signal), or the master's word.
    if (!stopping && options.stop_requested && options.stop_requested()) {
      if (master) begin_stopping();
      else {
        protocol::send_stop(comm.get(), 0);
        begin_stopping();
      }
    }
    if (protocol::take_stop(comm.get())) begin_stopping();
    // 1. Feed the local queue: two tasks per thread in reserve keeps every thread busy.
    if (!exhausted && queues.queued() < 2 * static_cast<long long>(threads) * per_task) {
      if (master) {
        const auto [first, count] = scheduler.next();
        if (count > 0) queues.push_points(first, count);
        exhausted = scheduler.exhausted();
      } else if (!request.open()) {
        request.post(comm.get(), std::exchange(unreported, Counts{}));
      }
    }
    if (const auto assignment = request.arrived()) {
      if (assignment->second > 0 && !stopping) queues.push_points(assignment->first, assignment->second);
      else exhausted = true;
    }
    // 2. Master: answer requests and collect final reports.
    if (master) {
      while (const auto report = protocol::take_report(comm.get(), protocol::request_tag)) {
        everyone.add(report->counts);
        protocol::send_assignment(comm.get(), report->from, scheduler.next());
      }
      while (const auto report = protocol::take_report(comm.get(), protocol::finished_tag)) {
        everyone.add(report->counts);
        protocol::receive_failures(comm.get(), report->from, failures);
        ++finished_ranks;
      }
    }
    // 3. What the compute threads finished goes to the journal (synced) and then to the file.
    for (Outcome& outcome : queues.take_results(std::chrono::milliseconds(2))) {
      if (auto* partial = std::get_if<PartialPoint>(&outcome)) {
        stopped_points.push_back(std::move(*partial));
        continue;
      }
      PointResult& result = std::get<PointResult>(outcome);
      journal_writer->append(result);
      file->write_point(result);
      ++computed;
      Counts c;
      if (result.status == PointStatus::done) {
        c.done = 1;
        c.regimes[static_cast<std::size_t>(result.regime + 1)] = 1;
      } else {
        c.failed = 1;
        failures[result.index] = result.error;
        spdlog::warn("point {} failed: {}", result.index, result.error);
      }
      if (master) everyone.add(c);
      else unreported.add(c);
    }
    if (std::exception_ptr failure = queues.take_fault()) std::rethrow_exception(failure);
    if (master && Clock::now() - last_progress >= std::chrono::duration<double>(options.progress_interval_seconds)) {
      last_progress = Clock::now();
      report_progress();
    }
    // 4. Done when no work will come and none is left here; the master also waits for every rank.
    if (exhausted && !request.open() && queues.idle()) {
      if (!master) {
        protocol::send_finished(comm.get(), unreported, failures);
        break;
      }
      if (finished_ranks == comm.size() - 1) break;
    }
  } catch (...) {
    monitor.notify(std::current_exception());
  }
  // The points in flight stop at their next check; what a failed sweep computed but did not
  // journal is computed again by --resume.
  if (monitor.faulted()) stop_points = true;
  workers.join();
  request.cancel();
  monitor.agree(nullptr);

  // Every rank agrees whether the sweep stopped early (a stop message may still be in flight).
  int stopped = stopping ? 1 : 0, any_stopped = 0;
  check(MPI_Allreduce(&stopped, &any_stopped, 1, MPI_INT, MPI_MAX, comm.get()), "MPI_Allreduce");
  // Drain a stop message that arrived after this rank finished, so none is left behind.
  if (any_stopped) protocol::take_stop(comm.get());
  // The states of points stopped mid-trajectory. Earlier runs' in-flight files stay until the sweep
  // is complete: reading keeps the most advanced state of each point and drops finished ones.
  monitor.collective([&] {
    if (!stopped_points.empty())
      io::write_in_flight(journal_dir / ("run-" + std::to_string(run_id) + "-rank-" + std::to_string(comm.rank()) + ".inflight"),
                          stopped_points);
  });
  journal_writer.reset();
  reserve.release();  // room for the close's flush on a nearly full disk
  file->close(monitor);

  SweepSummary summary;
  summary.points = points;
  summary.ranks = comm.size();
  summary.threads_per_rank = threads;
  summary.interrupted = any_stopped != 0;
  summary.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  long long computed_everywhere = 0;
  check(MPI_Reduce(&computed, &computed_everywhere, 1, MPI_LONG_LONG, MPI_SUM, 0, comm.get()), "MPI_Reduce");
  monitor.collective([&] {
  if (master) {
    summary.computed = computed_everywhere;
    summary.done = everyone.done;
    summary.failed = everyone.failed;
    summary.regimes = everyone.regimes;
    summary.point_steps_per_second = static_cast<double>(summary.computed) * static_cast<double>(config.run.steps) / summary.wall_seconds;
    if (!summary.interrupted) io::write_failures(config.output.file, points, failures);
    h5::File f = h5::File::open(config.output.file, h5::Access::read_write);
    io::Provenance provenance{options.command_line, started_iso, summary.wall_seconds,
                              {{"point_steps_per_second", summary.point_steps_per_second},
                               {"ranks", static_cast<double>(summary.ranks)},
                               {"threads_per_rank", static_cast<double>(threads)}},
                              {{"engine", computer.engine_description()}}};
    io::write_provenance(f, provenance);
    h5::write_attribute(f, "complete", static_cast<std::int64_t>(summary.interrupted ? 0 : 1));
    f.close();
    // A complete file needs its journal no more.
    if (!summary.interrupted && summary.done + summary.failed == points) std::filesystem::remove_all(journal_dir);
  }
  });
  return summary;
}

}  // namespace attnmf::sweep
