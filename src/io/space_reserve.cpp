#include "attnmf/io/space_reserve.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>
#include <vector>

namespace attnmf::io {

SpaceReserve::SpaceReserve(std::filesystem::path path, std::size_t bytes) : path_(std::move(path)) {
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error = errno;
    path_.clear();
    throw std::system_error(error, std::generic_category(), "cannot create '" + path_.string() + "'");
  }
  // Written, not fallocated: every file system (and quota) counts written blocks.
  const std::vector<char> zeros(64 * 1024, 0);
  std::size_t done = 0;
  int error = 0;
  while (done < bytes && error == 0) {
    const ssize_t n = ::write(fd, zeros.data(), std::min(zeros.size(), bytes - done));
    if (n < 0 && errno != EINTR) error = errno;
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  ::close(fd);
  if (error != 0) {
    const std::filesystem::path failed = std::exchange(path_, {});
    ::unlink(failed.c_str());
    throw std::system_error(error, std::generic_category(), "cannot reserve space in '" + failed.string() + "'");
  }
}

SpaceReserve::SpaceReserve(SpaceReserve&& other) noexcept : path_(std::exchange(other.path_, {})) {}

SpaceReserve& SpaceReserve::operator=(SpaceReserve&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

void SpaceReserve::release() noexcept {
  if (path_.empty()) return;
  ::unlink(path_.c_str());
  path_.clear();
}

std::string disk_full_note(const std::filesystem::path& output) {
  std::error_code error;
  const std::filesystem::path directory = std::filesystem::absolute(output).parent_path();
  const auto space = std::filesystem::space(directory, error);
  if (error || space.available >= (std::uintmax_t{4} << 20)) return "";
  return "; the file system holding '" + directory.string() + "' is full (" + std::to_string(space.available / 1024) +
         " kB free)";
}

}  // namespace attnmf::io
