#include "attnmf/sweep/driver.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "attnmf/io/mpi.hpp"
#include "attnmf/io/progress.hpp"
#include "attnmf/io/result_file.hpp"
#include "attnmf/io/sweep_file.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/sweep/point.hpp"

namespace attnmf::sweep {
namespace {

using io::mpi::check;
namespace h5 = io::h5;
using Clock = std::chrono::steady_clock;

enum Tag : int { request_tag = 1, assign_tag = 2, finished_tag = 3, failures_tag = 4 };

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

// Points waiting for a compute thread, and results waiting for the main thread.
class WorkQueues {
 public:
  void push_points(long long first, long long count) {
    {
      std::lock_guard lock(mutex_);
      for (long long p = first; p < first + count; ++p) pending_.push_back(p);
    }
    work_ready_.notify_all();
  }
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    work_ready_.notify_all();
  }
  // For compute threads: the next point, or nothing once closed and empty.
  std::optional<long long> next_point() {
    std::unique_lock lock(mutex_);
    work_ready_.wait(lock, [&] { return !pending_.empty() || closed_; });
    if (pending_.empty()) return std::nullopt;
    const long long p = pending_.front();
    pending_.pop_front();
    ++in_progress_;
    return p;
  }
  void push_result(PointResult result) {
    {
      std::lock_guard lock(mutex_);
      results_.push_back(std::move(result));
      --in_progress_;
    }
    result_ready_.notify_all();
  }
  // For the main thread: finished results, waiting at most `timeout` for one.
  std::vector<PointResult> take_results(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    result_ready_.wait_for(lock, timeout, [&] { return !results_.empty(); });
    std::vector<PointResult> taken(std::make_move_iterator(results_.begin()), std::make_move_iterator(results_.end()));
    results_.clear();
    return taken;
  }
  long long queued() {
    std::lock_guard lock(mutex_);
    return static_cast<long long>(pending_.size());
  }
  bool idle() {
    std::lock_guard lock(mutex_);
    return pending_.empty() && in_progress_ == 0 && results_.empty();
  }

 private:
  std::mutex mutex_;
  std::condition_variable work_ready_, result_ready_;
  std::deque<long long> pending_;
  std::deque<PointResult> results_;
  long long in_progress_ = 0;
  bool closed_ = false;
};

// The master's side: blocks of consecutive points, in grid order.
class Scheduler {
 public:
  Scheduler(long long points, long long block) : points_(points), block_(block) {}
  std::pair<long long, long long> next() {
    const long long first = next_;
    const long long count = std::min(block_, points_ - next_);
    next_ += count;
    return {first, count};
  }
  bool exhausted() const { return next_ >= points_; }

 private:
  long long points_, block_, next_ = 0;
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

SweepSummary run_sweep(MPI_Comm parent, const config::Config& config, const DriverOptions& options) {
  const io::mpi::Communicator comm(parent);
  const bool master = comm.rank() == 0;
  const auto started = Clock::now();
  const std::string started_iso = io::utc_now_iso8601();

  const model::Weights weights = model::draw_weights(config.model);
  const PointComputer computer(config, weights);
  const long long points = computer.grid().size();
  const int threads = config.parallel.threads_per_rank;
  const long long block = config.parallel.block_points;

  io::SweepFile file = io::SweepFile::create(config.output.file, comm.get(), config, weights, computer.grid());
  if (master)
    spdlog::info("sweep of {} points ({} beta x {} gamma x {} epsilon), {} steps each, on {} ranks x {} threads; writing {}",
                 points, computer.grid().beta().size(), computer.grid().gamma().size(), computer.grid().epsilon().size(),
                 config.run.steps, comm.size(), threads, config.output.file.string());

  WorkQueues queues;
  std::vector<std::jthread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      while (const auto index = queues.next_point())
        queues.push_result(options.compute ? options.compute(computer, *index) : computer.compute(*index));
    });

  Scheduler scheduler(points, block);
  Counts local_total, unreported, everyone;  // everyone: the master's view of all ranks
  std::map<long long, std::string> failures;
  bool exhausted = false;       // no more work will come to this rank
  bool request_open = false;    // a worker rank's request awaiting its answer
  MPI_Request send_request = MPI_REQUEST_NULL, receive_request = MPI_REQUEST_NULL;
  std::array<long long, 8> request_payload{};
  std::array<long long, 2> assignment{};
  int finished_ranks = 0;
  auto last_progress = started;

  const auto report_progress = [&] {
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    const long long finished = everyone.done + everyone.failed;
    const double rate = static_cast<double>(finished) / std::max(elapsed, 1e-9);
    spdlog::info("points {}/{} ({:.1f}%), {}, {}, ETA {}", finished, points, 100.0 * static_cast<double>(finished) / static_cast<double>(points),
                 io::format_rate(rate, "points"), io::format_rate(rate * static_cast<double>(config.run.steps), "point-steps"),
                 rate > 0 ? io::format_duration(static_cast<double>(points - finished) / rate) : "?");
  };

  // The main loop: keep this rank's queue fed, write what is finished, and (master) serve requests.
  while (true) {
    // 1. Feed the local queue: two points per thread in reserve keeps every thread busy.
    if (!exhausted && queues.queued() < 2 * threads) {
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
        if (assignment[1] > 0) queues.push_points(assignment[0], assignment[1]);
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
    // 3. Write what the compute threads finished.
    for (PointResult& result : queues.take_results(std::chrono::milliseconds(2))) {
      file.write_point(result);
      Counts c;
      if (result.status == PointStatus::done) {
        c.done = 1;
        c.regimes[static_cast<std::size_t>(result.regime + 1)] = 1;
      } else {
        c.failed = 1;
        failures[result.index] = result.error;
        spdlog::warn("point {} failed: {}", result.index, result.error);
      }
      local_total.add(c);
      if (master) everyone.add(c);
      else unreported.add(c);
    }
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
  }
  queues.close();
  workers.clear();
  check(MPI_Barrier(comm.get()), "MPI_Barrier");
  file.close();

  SweepSummary summary;
  summary.points = points;
  summary.ranks = comm.size();
  summary.threads_per_rank = threads;
  summary.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (master) {
    summary.done = everyone.done;
    summary.failed = everyone.failed;
    summary.regimes = everyone.regimes;
    summary.point_steps_per_second = static_cast<double>(summary.done + summary.failed) * config.run.steps / summary.wall_seconds;
    io::write_failures(config.output.file, points, failures);
    h5::File f = h5::File::open(config.output.file, h5::Access::read_write);
    io::Provenance provenance{options.command_line, started_iso, summary.wall_seconds,
                              {{"point_steps_per_second", summary.point_steps_per_second},
                               {"ranks", static_cast<double>(summary.ranks)},
                               {"threads_per_rank", static_cast<double>(threads)}}};
    io::write_provenance(f, provenance);
    f.close();
  }
  return summary;
}

}  // namespace attnmf::sweep
