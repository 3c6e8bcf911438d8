#pragma once
// Room to fail in. A full disk (or a quota) makes HDF5's metadata flush fail on close, and HDF5
// 1.10 then leaves the file half closed: the library crashes when it terminates (at MPI_Finalize or
// exit). A run therefore claims a little space first, in a file of its own, and gives it back just
// before it closes its result file after a failure, so that the close can flush.

#include <cstddef>
#include <filesystem>
#include <string>

namespace attnmf::io {

class SpaceReserve {
 public:
  SpaceReserve() = default;
  // Writes `bytes` to `path` (really written, not a sparse hole). Throws std::system_error, naming
  // the path and the system's error, when there is no room even for that.
  SpaceReserve(std::filesystem::path path, std::size_t bytes);
  SpaceReserve(SpaceReserve&& other) noexcept;
  SpaceReserve& operator=(SpaceReserve&& other) noexcept;
  SpaceReserve(const SpaceReserve&) = delete;
  SpaceReserve& operator=(const SpaceReserve&) = delete;
  ~SpaceReserve() { release(); }

  // Removes the file (nothing when there is none).
  void release() noexcept;

  static constexpr std::size_t default_bytes = std::size_t{1} << 20;

 private:
  std::filesystem::path path_;
};

// "; the file system holding '/scratch/x.h5' is full (12 kB free)" where it has under 4 MiB left,
// else "": HDF5's and MPI-IO's messages seldom say that the disk is full.
std::string disk_full_note(const std::filesystem::path& output);

}  // namespace attnmf::io
