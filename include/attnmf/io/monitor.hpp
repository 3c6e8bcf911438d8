#pragma once
// How the ranks of a sweep fail together, in the manner of TRIQS's mpi::monitor.
//
// A failure on one rank must never leave the others waiting. Two rules make that so:
//  * Every collective step (creating the file and its datasets, the final close, …) runs through
//    Monitor::collective(): each rank runs the step, then all learn whether it failed anywhere, and
//    if it did, every rank throws the same RankFault at the same place. Unwinding is then symmetric,
//    so the collective closes that destructors make match on every rank.
//  * Between collective steps (the work loop), a rank that fails tells every other rank at once
//    with a message (notify()), and each rank that learns of a fault leaves the loop for the next
//    collective step, where they all agree.
// What no rule can cover — a rank that dies, or hangs inside MPI or HDF5 — is bounded by a watchdog:
// once a rank knows of a fault it gives the job `deadline` to end, then calls MPI_Abort.

#include <mpi.h>

#include <chrono>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>

namespace attnmf::io::mpi {

// A failure some rank of the communicator had; the same on every rank. what(): the failing rank's
// own message, prefixed with its rank and host.
class RankFault : public std::runtime_error {
 public:
  RankFault(const std::string& message, int rank) : std::runtime_error(message), rank_(rank) {}
  int rank() const { return rank_; }

 private:
  int rank_;
};

class Monitor {
 public:
  // `comm` must outlive the monitor; `abort_code` is what MPI_Abort is given when the watchdog fires.
  Monitor(MPI_Comm comm, int tag, int abort_code, std::chrono::seconds deadline = std::chrono::seconds(20));
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Runs `step` on this rank; then (collective) throws RankFault on every rank if it threw on any.
  template <class Step>
  void collective(Step&& step) {
    std::exception_ptr failure;
    try {
      step();
    } catch (...) {
      failure = std::current_exception();
    }
    agree(failure);
  }
  // Collective: throws RankFault on every rank when `local` (this rank's failure, may be null) or
  // any other rank's is set, or when a fault was notified earlier.
  void agree(std::exception_ptr local);

  // Between collective steps: this rank failed. Logs the message, tells every other rank and arms
  // the watchdog; the caller then goes on to the next collective step.
  void notify(const std::exception_ptr& failure);
  // Non-blocking: whether a fault was notified here or by another rank.
  bool poll();
  bool faulted() const { return faulted_; }

  // Called on every rank once the ranks agree on a fault, before RankFault is thrown (so before any
  // destructor runs): e.g. to give back reserved disk space.
  void on_fault(std::function<void()> action) { on_fault_ = std::move(action); }
  // Appended to this rank's description of its own failures (e.g. what the disk has left).
  void set_context(std::function<std::string()> context) { context_ = std::move(context); }

  // "rank 1 on host node7: …": how this rank names its own failure.
  std::string describe(const std::exception_ptr& failure) const;

 private:
  void arm_watchdog();
  MPI_Comm comm_;
  int tag_, abort_code_, rank_ = 0, size_ = 1;
  std::chrono::seconds deadline_;
  bool faulted_ = false;
  int fault_rank_ = -1;
  std::string fault_message_;
  std::string notified_message_;  // the buffer of the sends notify() does not wait for
  std::function<void()> on_fault_;
  std::function<std::string()> context_;
};

}  // namespace attnmf::io::mpi
