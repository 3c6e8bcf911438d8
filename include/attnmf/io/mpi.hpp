#pragma once
// Checked MPI: every call goes through check(), which throws mpi::Error with MPI's own error string
// and the rank; communicators are duplicated and freed by RAII so that attnmf's traffic never
// mixes with anyone else's on MPI_COMM_WORLD.

#include <mpi.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace attnmf::io::mpi {

class Error : public std::runtime_error {
 public:
  Error(std::string_view function, int code);
  int code() const { return code_; }

 private:
  int code_;
};

inline void check(int code, const char* function) {
  if (code != MPI_SUCCESS) throw Error(function, code);
}

// MPI_Init_thread / MPI_Finalize. Compute threads never call MPI: the main thread of each rank owns
// all communication and the file, so MPI_THREAD_FUNNELED is all attnmf needs.
class Environment {
 public:
  Environment(int& argc, char**& argv);
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;
  ~Environment();
};

// A duplicate of a communicator, with errors returned (and so turned into exceptions by check())
// instead of aborting inside MPI.
class Communicator {
 public:
  explicit Communicator(MPI_Comm parent);
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;
  ~Communicator();

  MPI_Comm get() const { return comm_; }
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
};

std::string processor_name();

}  // namespace attnmf::io::mpi
