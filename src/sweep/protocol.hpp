#pragma once
// The sweep's messages between ranks, in one place: their tags, payloads and the calls that send
// and receive them. Only the driver (src/sweep/driver.cpp) uses them, from each rank's main thread.
//
// Rank 0, the master, hands out the work; every rank, the master included, computes. All messages
// travel on the driver's own communicator (a duplicate of the caller's, io/mpi.hpp):
//
//   tag       from -> to                 payload
//   request   worker -> master           3 + regimes long long, Counts::pack(): what the worker finished since
//                                        its previous report. Sent (MPI_Isend) when its queue runs
//                                        low, with an MPI_Irecv of the answer posted at once
//                                        (WorkRequest); a rank has at most one request open.
//   assign    master -> worker           2 long long {first, count}: the answer to every request,
//                                        the points first … first + count − 1; count 0: no more work.
//   finished  worker -> master           3 + regimes long long, Counts::pack(): the worker's last counts, once
//                                        no work will come to it and none is left on it.
//   failures  worker -> master           chars, encode_failures(): every failed point the worker
//                                        knows of; always right after its `finished`.
//   stop      worker -> master,          empty: a stop request (a signal). A worker that gets one
//             master -> every worker     tells the master; the master tells every worker (the one
//                                        that asked too). After the work every rank takes one stop
//                                        message still waiting, so none is left behind.
//   fault     any -> every other rank    chars: the failure's description. io::mpi::Monitor's own
//                                        (io/monitor.hpp): notify() sends it, poll() and agree()
//                                        receive it.
//
// The master sends nothing to itself: its own queue is fed straight from the Scheduler, and its
// own counts go straight into its view of everyone's.

#include <mpi.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "attnmf/analysis/regime.hpp"

namespace attnmf::sweep::protocol {

enum Tag : int { request_tag = 1, assign_tag = 2, finished_tag = 3, failures_tag = 4, stop_tag = 5, fault_tag = 6 };

// What a rank reports to the master with each request: counts since its previous report.
struct Counts {
  long long done = 0, failed = 0;
  long long coexisting = 0;  // done points whose starts reached more than one attractor
  std::array<long long, analysis::kRegimes.size()> regimes{};
  void add(const Counts& other) {
    done += other.done;
    failed += other.failed;
    coexisting += other.coexisting;
    for (std::size_t i = 0; i < regimes.size(); ++i) regimes[i] += other.regimes[i];
  }
  static constexpr int packed_size = 3 + static_cast<int>(analysis::kRegimes.size());
  using Packed = std::array<long long, packed_size>;
  Packed pack() const {
    Packed p{done, failed, coexisting};
    std::copy(regimes.begin(), regimes.end(), p.begin() + 3);
    return p;
  }
  static Counts unpack(const Packed& p) {
    Counts c;
    c.done = p[0];
    c.failed = p[1];
    c.coexisting = p[2];
    std::copy(p.begin() + 3, p.end(), c.regimes.begin());
    return c;
  }
};

// The `failures` payload: one "index\treason\n" line per failed point (tabs and newlines in the
// reason become spaces).
std::string encode_failures(const std::map<long long, std::string>& failures);
// Adds the failures of an encoded payload to `failures`.
void decode_failures(const std::string& text, std::map<long long, std::string>& failures);

// stop: to rank `to`.
void send_stop(MPI_Comm comm, int to);
// stop: takes one stop message from any rank, if one is waiting; whether one was.
bool take_stop(MPI_Comm comm);

// request and finished, at the master: takes one message with `tag` from any rank, if one is
// waiting; its sender and counts.
struct Report {
  int from = 0;
  Counts counts;
};
std::optional<Report> take_report(MPI_Comm comm, Tag tag);
// assign: the block {first, count} to rank `to`.
void send_assignment(MPI_Comm comm, int to, std::pair<long long, long long> block);
// failures, at the master: the payload that follows `from`'s finished (waits for it).
void receive_failures(MPI_Comm comm, int from, std::map<long long, std::string>& failures);

// finished and then failures, from a worker to the master.
void send_finished(MPI_Comm comm, const Counts& counts, const std::map<long long, std::string>& failures);

// request and its assign, at a worker: the request sent and the answer awaited, without blocking.
// MPI holds on to the buffers while the request is open, so a WorkRequest does not move.
class WorkRequest {
 public:
  WorkRequest() = default;
  WorkRequest(const WorkRequest&) = delete;
  WorkRequest& operator=(const WorkRequest&) = delete;

  bool open() const { return open_; }
  // Sends `counts` to the master and posts the receive of its answer.
  void post(MPI_Comm comm, const Counts& counts);
  // When the answer has come (the request is then closed): the block {first, count} assigned.
  std::optional<std::pair<long long, long long>> arrived();
  // Leaving while the request is open: cancels the receive and completes both calls (unchecked:
  // this runs on the way to the ranks' agreement on a fault).
  void cancel();

 private:
  Counts::Packed payload_{};
  std::array<long long, 2> assignment_{};
  MPI_Request send_ = MPI_REQUEST_NULL, receive_ = MPI_REQUEST_NULL;
  bool open_ = false;
};

}  // namespace attnmf::sweep::protocol
