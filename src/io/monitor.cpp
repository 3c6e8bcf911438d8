#include "attnmf/io/monitor.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <climits>
#include <thread>
#include <utility>

#include "attnmf/io/mpi.hpp"

namespace attnmf::io::mpi {
namespace {

std::string message_of(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an unknown exception";
  }
}

}  // namespace

Monitor::Monitor(MPI_Comm comm, int tag, int abort_code, std::chrono::seconds deadline)
    : comm_(comm), tag_(tag), abort_code_(abort_code), deadline_(deadline) {
  check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
}

std::string Monitor::describe(const std::exception_ptr& failure) const {
  std::string host;
  try {
    host = processor_name();
  } catch (const std::exception&) {
    host = "?";
  }
  return "rank " + std::to_string(rank_) + " on host " + host + ": " + message_of(failure) + (context_ ? context_() : "");
}

void Monitor::arm_watchdog() {
  static std::atomic<bool> armed{false};
  if (armed.exchange(true) || size_ == 1) return;  // one process cannot wait for another
  // Detached: the process normally ends long before it wakes. MPI_Abort from this thread is the
  // last resort the watchdog exists for (the main thread is stuck in a call it cannot leave, most
  // likely a collective HDF5 or MPI-IO call that another rank left on an error).
  std::thread([code = abort_code_, deadline = deadline_, rank = rank_, message = fault_message_] {
    std::this_thread::sleep_for(deadline);
    spdlog::error("attnmf sweep: {}; the ranks did not end together within {} s of it (one is inside a collective "
                  "call it cannot leave), so rank {} aborts them all. Finished points are in the journal: fix the "
                  "cause and continue with --resume (exit code {})",
                  message, deadline.count(), rank, code);
    spdlog::default_logger()->flush();
    MPI_Abort(MPI_COMM_WORLD, code);  // the driver's communicator may be gone by now
  }).detach();
}

void Monitor::notify(const std::exception_ptr& failure) {
  if (faulted_) return;
  faulted_ = true;
  fault_rank_ = rank_;
  fault_message_ = describe(failure);
  arm_watchdog();
  // Not waited for: a rank that is itself stuck must not keep this one from the agreement. The
  // buffer is a member that nothing changes afterwards, so it outlives the sends; the other ranks
  // receive the messages when they next poll, at the latest in the agreement.
  notified_message_ = fault_message_;
  for (int r = 0; r < size_; ++r) {
    if (r == rank_) continue;
    MPI_Request request = MPI_REQUEST_NULL;
    if (MPI_Isend(notified_message_.data(), static_cast<int>(notified_message_.size()), MPI_CHAR, r, tag_, comm_,
                  &request) == MPI_SUCCESS)
      MPI_Request_free(&request);
  }
}

bool Monitor::poll() {
  while (true) {
    int waiting = 0;
    MPI_Status status;
    check(MPI_Iprobe(MPI_ANY_SOURCE, tag_, comm_, &waiting, &status), "MPI_Iprobe");
    if (!waiting) break;
    int length = 0;
    check(MPI_Get_count(&status, MPI_CHAR, &length), "MPI_Get_count");
    std::string text(static_cast<std::size_t>(length), '\0');
    check(MPI_Recv(text.data(), length, MPI_CHAR, status.MPI_SOURCE, tag_, comm_, MPI_STATUS_IGNORE), "MPI_Recv");
    if (!faulted_) {
      faulted_ = true;
      fault_rank_ = status.MPI_SOURCE;
      fault_message_ = text;
      arm_watchdog();
    }
  }
  return faulted_;
}

void Monitor::agree(std::exception_ptr local) {
  // Fault messages notified to this rank before the agreement are taken first.
  poll();
  if (local && !faulted_) {
    faulted_ = true;
    fault_rank_ = rank_;
    fault_message_ = describe(local);
    try {
      std::rethrow_exception(local);
    } catch (const RankFault& agreed) {  // an inner collective step's verdict: keep its origin
      fault_rank_ = agreed.rank();
      fault_message_ = agreed.what();
    } catch (...) {
    }
    arm_watchdog();
  }
  // Every rank that knows of a fault knows the rank it came from; the lowest such rank, which has
  // its own message, tells it to all.
  const int mine = faulted_ ? fault_rank_ : INT_MAX;
  int origin = INT_MAX;
  check(MPI_Allreduce(&mine, &origin, 1, MPI_INT, MPI_MIN, comm_), "MPI_Allreduce");
  if (origin == INT_MAX) return;
  int length = rank_ == origin ? static_cast<int>(fault_message_.size()) : 0;
  check(MPI_Bcast(&length, 1, MPI_INT, origin, comm_), "MPI_Bcast");
  std::string text = rank_ == origin ? fault_message_ : std::string(static_cast<std::size_t>(length), '\0');
  check(MPI_Bcast(text.data(), length, MPI_CHAR, origin, comm_), "MPI_Bcast");
  faulted_ = true;
  fault_rank_ = origin;
  fault_message_ = text;
  arm_watchdog();
  if (on_fault_) std::exchange(on_fault_, nullptr)();
  throw RankFault(text, origin);
}

}  // namespace attnmf::io::mpi
