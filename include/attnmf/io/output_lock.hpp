#pragma once
// One run at a time on a result file: an advisory lock on `<output.file>.lock`, held for the whole
// run by the process that owns the file (a sweep's rank 0, or attnmf trajectory).
//
// The lock is a POSIX record lock (fcntl), which the kernel releases when its process dies however
// it dies, and which NFS and parallel file systems honour across hosts. The lock file says who
// holds it ("host pid started-at"), so that a refused run can name the holder. A lock file left by
// a dead process of this host is taken over, and that is said; the file is removed when the run
// that holds it ends.

#include <filesystem>
#include <optional>
#include <string>

namespace attnmf::io {

class OutputLock {
 public:
  // Takes the lock of `output`, or returns nullopt and fills `holder` with who has it
  // ("attnmf pid 123 on host node7 since 2026-12-01T10:00:00Z"). `takeover` receives a note when a
  // stale lock was taken over. Throws std::system_error when the lock file cannot be made at all.
  static std::optional<OutputLock> acquire(const std::filesystem::path& output, std::string& holder, std::string& takeover);

  OutputLock(OutputLock&& other) noexcept;
  OutputLock& operator=(OutputLock&& other) noexcept;
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;
  // Removes the lock file and releases the lock.
  ~OutputLock();

  const std::filesystem::path& path() const { return path_; }

 private:
  OutputLock(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::filesystem::path path_;
  int fd_ = -1;
};

std::filesystem::path lock_path(const std::filesystem::path& output);

}  // namespace attnmf::io
