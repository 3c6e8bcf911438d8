#include "attnmf/io/output_lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sstream>
#include <system_error>
#include <utility>

#include "attnmf/io/result_file.hpp"

namespace attnmf::io {
namespace {

bool lock_whole_file(int fd) {
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  return ::fcntl(fd, F_SETLK, &lock) == 0;
}

std::string read_text(int fd) {
  std::string text;
  char buffer[512];
  ssize_t n = 0;
  off_t at = 0;
  while ((n = ::pread(fd, buffer, sizeof buffer, at)) > 0) {
    text.append(buffer, static_cast<std::size_t>(n));
    at += n;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text;
}

// "host pid started" as written by acquire(); empty fields when the file holds something else.
struct Holder {
  std::string host, started;
  long pid = 0;
};
Holder parse_holder(const std::string& text) {
  Holder h;
  std::istringstream in(text);
  in >> h.host >> h.pid >> h.started;
  return h;
}

std::string describe(const Holder& h, const std::string& text) {
  if (h.pid <= 0) return text.empty() ? "another run that is starting this moment" : "'" + text + "'";
  return "attnmf pid " + std::to_string(h.pid) + " on host " + h.host + (h.started.empty() ? "" : " since " + h.started);
}

}  // namespace

std::filesystem::path lock_path(const std::filesystem::path& output) {
  std::filesystem::path p = output;
  p += ".lock";
  return p;
}

std::optional<OutputLock> OutputLock::acquire(const std::filesystem::path& output, std::string& holder, std::string& takeover) {
  const std::filesystem::path path = lock_path(output);
  // A few rounds: the holder may remove the file between our open and our lock (then we locked a
  // file nobody else sees, and must open the new one).
  for (int round = 0; round < 5; ++round) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot create the lock file '" + path.string() + "'");
    if (!lock_whole_file(fd)) {
      const int error = errno;
      const std::string text = read_text(fd);
      ::close(fd);
      if (error != EAGAIN && error != EACCES)
        throw std::system_error(error, std::generic_category(), "cannot lock '" + path.string() + "'");
      holder = describe(parse_holder(text), text);
      return std::nullopt;
    }
    struct stat opened {}, named {};
    if (::fstat(fd, &opened) != 0 || ::stat(path.c_str(), &named) != 0 || opened.st_ino != named.st_ino ||
        opened.st_dev != named.st_dev) {
      ::close(fd);
      continue;
    }
    // Ours. What an earlier holder left says who it was: a process that died without removing it.
    const std::string previous = read_text(fd);
    if (!previous.empty()) {
      const Holder h = parse_holder(previous);
      takeover = "took over the lock '" + path.string() + "' left by " + describe(h, previous) +
                 (h.host == host_name() && h.pid > 0 && ::kill(static_cast<pid_t>(h.pid), 0) != 0 && errno == ESRCH
                      ? ", which is no longer running"
                      : ", which no longer holds it");
    }
    const std::string mine = host_name() + " " + std::to_string(::getpid()) + " " + utc_now_iso8601() + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, mine.data(), mine.size(), 0) != static_cast<ssize_t>(mine.size())) {
      const int error = errno;
      ::unlink(path.c_str());
      ::close(fd);
      throw std::system_error(error, std::generic_category(), "cannot write the lock file '" + path.string() + "'");
    }
    return OutputLock(path, fd);
  }
  throw std::runtime_error("the lock file '" + path.string() + "' keeps being replaced; is another run starting on it?");
}

OutputLock::OutputLock(OutputLock&& other) noexcept : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

OutputLock& OutputLock::operator=(OutputLock&& other) noexcept {
  if (this != &other) {
    this->~OutputLock();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  // Unlink while still holding the lock: a process that opened the old file then finds, after
  // locking it, that the name points elsewhere, and starts over.
  ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
}

}  // namespace attnmf::io
