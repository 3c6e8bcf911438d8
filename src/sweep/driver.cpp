#include "attnmf/sweep/driver.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <variant>
#include <chrono>
#include <optional>
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

namespace attnmf::sweep {
namespace {

using io::mpi::check;
namespace h5 = io::h5;
using Clock = std::chrono::steady_clock;

enum Tag : int { request_tag = 1, assign_tag = 2, finished_tag = 3, failures_tag = 4, stop_tag = 5, fault_tag = 6 };


// What a rank reports to the master with each request: counts since its previous report.
struct Counts {
  long long done = 0, failed = 0;
  std::array<long long, 6> regimes{};
  void add(const Counts& other) {
    done += other.done;
    failed += other.failed;
    for (std::size_t i = 0; i < regimes.size(); ++i) regimes[i] += other.regimes[i];
  }
  std::array<long long, 8> pack() const {
    std::array<long long, 8> p{done, failed};
    std::copy(regimes.begin(), regimes.end(), p.begin() + 2);
    return p;
  }
  static Counts unpack(const std::array<long long, 8>& p) {
    Counts c;
    c.done = p[0];
    c.failed = p[1];
    std::copy(p.begin() + 2, p.end(), c.regimes.begin());
    return c;
  }
};

std::string encode_failures(const std::map<long long, std::string>& failures) {
  std::string text;
  for (const auto& [index, why] : failures) {
    text += std::to_string(index) + '\t';
    for (char c : why) text += (c == '\n' || c == '\t') ? ' ' : c;
    text += '\n';
  }
  return text;
}

void decode_failures(const std::string& text, std::map<long long, std::string>& failures) {
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start), tab = text.find('\t', start);
    failures[std::stoll(text.substr(start, tab - start))] = text.substr(tab + 1, end - tab - 1);
    start = end + 1;
  }
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
  const io::mpi::Communicator comm(parent);
  const bool master = comm.rank() == 0;
  io::fault::set_rank(comm.rank());
  // Every failure from here on ends the sweep on every rank together (io/monitor.hpp).
  io::mpi::Monitor monitor(comm.get(), fault_tag, fault_exit_code);
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
  bool request_open = false;    // a worker rank's request awaiting its answer
  MPI_Request send_request = MPI_REQUEST_NULL, receive_request = MPI_REQUEST_NULL;
  std::array<long long, 8> request_payload{};
  std::array<long long, 2> assignment{};
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
      for (int r = 1; r < comm.size(); ++r) check(MPI_Send(nullptr, 0, MPI_BYTE, r, stop_tag, comm.get()), "MPI_Send");
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
        check(MPI_Send(nullptr, 0, MPI_BYTE, 0, stop_tag, comm.get()), "MPI_Send");
        begin_stopping();
      }
    }
    {
      int waiting = 0;
      MPI_Status status;
      check(MPI_Iprobe(MPI_ANY_SOURCE, stop_tag, comm.get(), &waiting, &status), "MPI_Iprobe");
      if (waiting) {
        check(MPI_Recv(nullptr, 0, MPI_BYTE, status.MPI_SOURCE, stop_tag, comm.get(), MPI_STATUS_IGNORE), "MPI_Recv");
        begin_stopping();
      }
    }
    // 1. Feed the local queue: two tasks per thread in reserve keeps every thread busy.
    if (!exhausted && queues.queued() < 2 * static_cast<long long>(threads) * per_task) {
      if (master) {
        const auto [first, count] = scheduler.next();
        if (count > 0) queues.push_points(first, count);
        exhausted = scheduler.exhausted();
      } else if (!request_open) {
        request_payload = unreported.pack();
        unreported = Counts{};
        check(MPI_Isend(request_payload.data(), 8, MPI_LONG_LONG, 0, request_tag, comm.get(), &send_request), "MPI_Isend");
        check(MPI_Irecv(assignment.data(), 2, MPI_LONG_LONG, 0, assign_tag, comm.get(), &receive_request), "MPI_Irecv");
        request_open = true;
      }
    }
    if (request_open) {
      int arrived = 0;
      check(MPI_Test(&receive_request, &arrived, MPI_STATUS_IGNORE), "MPI_Test");
      if (arrived) {
        check(MPI_Wait(&send_request, MPI_STATUS_IGNORE), "MPI_Wait");
        request_open = false;
        if (assignment[1] > 0 && !stopping) queues.push_points(assignment[0], assignment[1]);
        else exhausted = true;
      }
    }
    // 2. Master: answer requests and collect final reports.
    if (master) {
      while (true) {
        int waiting = 0;
        MPI_Status status;
        check(MPI_Iprobe(MPI_ANY_SOURCE, request_tag, comm.get(), &waiting, &status), "MPI_Iprobe");
        if (!waiting) break;
        std::array<long long, 8> payload{};
        check(MPI_Recv(payload.data(), 8, MPI_LONG_LONG, status.MPI_SOURCE, request_tag, comm.get(), MPI_STATUS_IGNORE), "MPI_Recv");
        everyone.add(Counts::unpack(payload));
        const auto [first, count] = scheduler.next();
        const std::array<long long, 2> answer{first, count};
        check(MPI_Send(answer.data(), 2, MPI_LONG_LONG, status.MPI_SOURCE, assign_tag, comm.get()), "MPI_Send");
      }
      while (true) {
        int waiting = 0;
        MPI_Status status;
        check(MPI_Iprobe(MPI_ANY_SOURCE, finished_tag, comm.get(), &waiting, &status), "MPI_Iprobe");
        if (!waiting) break;
        std::array<long long, 8> payload{};
        check(MPI_Recv(payload.data(), 8, MPI_LONG_LONG, status.MPI_SOURCE, finished_tag, comm.get(), MPI_STATUS_IGNORE), "MPI_Recv");
        everyone.add(Counts::unpack(payload));
        MPI_Status text_status;
        check(MPI_Probe(status.MPI_SOURCE, failures_tag, comm.get(), &text_status), "MPI_Probe");
        int length = 0;
        check(MPI_Get_count(&text_status, MPI_CHAR, &length), "MPI_Get_count");
        std::string text(static_cast<std::size_t>(length), '\0');
        check(MPI_Recv(text.data(), length, MPI_CHAR, status.MPI_SOURCE, failures_tag, comm.get(), MPI_STATUS_IGNORE), "MPI_Recv");
        decode_failures(text, failures);
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
    if (exhausted && !request_open && queues.idle()) {
      if (!master) {
        const auto payload = unreported.pack();
        check(MPI_Send(payload.data(), 8, MPI_LONG_LONG, 0, finished_tag, comm.get()), "MPI_Send");
        const std::string text = encode_failures(failures);
        check(MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, 0, failures_tag, comm.get()), "MPI_Send");
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
  if (request_open) {
    MPI_Cancel(&receive_request);
    MPI_Wait(&receive_request, MPI_STATUS_IGNORE);
    MPI_Wait(&send_request, MPI_STATUS_IGNORE);
  }
  monitor.agree(nullptr);

  // Every rank agrees whether the sweep stopped early (a stop message may still be in flight).
  int stopped = stopping ? 1 : 0, any_stopped = 0;
  check(MPI_Allreduce(&stopped, &any_stopped, 1, MPI_INT, MPI_MAX, comm.get()), "MPI_Allreduce");
  if (any_stopped) {
    // Drain a stop message that arrived after this rank finished, so none is left behind.
    int waiting = 0;
    MPI_Status status;
    check(MPI_Iprobe(MPI_ANY_SOURCE, stop_tag, comm.get(), &waiting, &status), "MPI_Iprobe");
    if (waiting) check(MPI_Recv(nullptr, 0, MPI_BYTE, status.MPI_SOURCE, stop_tag, comm.get(), MPI_STATUS_IGNORE), "MPI_Recv");
  }
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
