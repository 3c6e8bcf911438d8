#include "protocol.hpp"

#include "attnmf/io/mpi.hpp"

namespace attnmf::sweep::protocol {

using io::mpi::check;

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

void send_stop(MPI_Comm comm, int to) { check(MPI_Send(nullptr, 0, MPI_BYTE, to, stop_tag, comm), "MPI_Send"); }

bool take_stop(MPI_Comm comm) {
  int waiting = 0;
  MPI_Status status;
  check(MPI_Iprobe(MPI_ANY_SOURCE, stop_tag, comm, &waiting, &status), "MPI_Iprobe");
  if (waiting) check(MPI_Recv(nullptr, 0, MPI_BYTE, status.MPI_SOURCE, stop_tag, comm, MPI_STATUS_IGNORE), "MPI_Recv");
  return waiting != 0;
}

std::optional<Report> take_report(MPI_Comm comm, Tag tag) {
  int waiting = 0;
  MPI_Status status;
  check(MPI_Iprobe(MPI_ANY_SOURCE, tag, comm, &waiting, &status), "MPI_Iprobe");
  if (!waiting) return std::nullopt;
  Counts::Packed payload{};
  check(MPI_Recv(payload.data(), Counts::packed_size, MPI_LONG_LONG, status.MPI_SOURCE, tag, comm, MPI_STATUS_IGNORE), "MPI_Recv");
  return Report{status.MPI_SOURCE, Counts::unpack(payload)};
}

void send_assignment(MPI_Comm comm, int to, std::pair<long long, long long> block) {
  const std::array<long long, 2> answer{block.first, block.second};
  check(MPI_Send(answer.data(), 2, MPI_LONG_LONG, to, assign_tag, comm), "MPI_Send");
}

void receive_failures(MPI_Comm comm, int from, std::map<long long, std::string>& failures) {
  MPI_Status text_status;
  check(MPI_Probe(from, failures_tag, comm, &text_status), "MPI_Probe");
  int length = 0;
  check(MPI_Get_count(&text_status, MPI_CHAR, &length), "MPI_Get_count");
  std::string text(static_cast<std::size_t>(length), '\0');
  check(MPI_Recv(text.data(), length, MPI_CHAR, from, failures_tag, comm, MPI_STATUS_IGNORE), "MPI_Recv");
  decode_failures(text, failures);
}

void send_finished(MPI_Comm comm, const Counts& counts, const std::map<long long, std::string>& failures) {
  const auto payload = counts.pack();
  check(MPI_Send(payload.data(), Counts::packed_size, MPI_LONG_LONG, 0, finished_tag, comm), "MPI_Send");
  const std::string text = encode_failures(failures);
  check(MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, 0, failures_tag, comm), "MPI_Send");
}

void WorkRequest::post(MPI_Comm comm, const Counts& counts) {
  payload_ = counts.pack();
  check(MPI_Isend(payload_.data(), Counts::packed_size, MPI_LONG_LONG, 0, request_tag, comm, &send_), "MPI_Isend");
  check(MPI_Irecv(assignment_.data(), 2, MPI_LONG_LONG, 0, assign_tag, comm, &receive_), "MPI_Irecv");
  open_ = true;
}

std::optional<std::pair<long long, long long>> WorkRequest::arrived() {
  if (!open_) return std::nullopt;
  int arrived = 0;
  check(MPI_Test(&receive_, &arrived, MPI_STATUS_IGNORE), "MPI_Test");
  if (!arrived) return std::nullopt;
  check(MPI_Wait(&send_, MPI_STATUS_IGNORE), "MPI_Wait");
  open_ = false;
  return std::pair{assignment_[0], assignment_[1]};
}

void WorkRequest::cancel() {
  if (!open_) return;
  MPI_Cancel(&receive_);
  MPI_Wait(&receive_, MPI_STATUS_IGNORE);
  MPI_Wait(&send_, MPI_STATUS_IGNORE);
  open_ = false;
}

}  // namespace attnmf::sweep::protocol
