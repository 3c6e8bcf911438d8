#include "attnmf/io/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <libdeflate.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "attnmf/io/fault.hpp"
#include "attnmf/records/serialization.hpp"

namespace attnmf::io {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t journal_magic = 0x4a4e5441;   // "ATNJ": a finished point
constexpr std::uint32_t in_flight_magic = 0x464e5441; // "ATNF": points stopped mid-trajectory
constexpr std::size_t header_size = 4 + 4 + 8 + 4;

// CRC-32 (the polynomial, reflection and final xor of boost::crc_32_type, which earlier builds used,
// and of zlib's crc32, which later ones did: the same values, so their journals still read) by
// libdeflate, with carry-less multiplication where the CPU has it: the half megabyte of samples a
// Fig. 3 point journals in 0.016 ms rather than zlib's 0.09 ms, on the rank's main thread, which
// shares the cores with the compute threads.
std::uint32_t checksum(const char* bytes, std::size_t size) { return libdeflate_crc32(0, bytes, size); }
std::uint32_t checksum(const std::string& bytes) { return checksum(bytes.data(), bytes.size()); }

// A frame of `value` appended to `out`: the header, then the archive serialised straight after it
// (no copy of the payload), then the header's length and checksum filled in.
template <class T>
void append_frame(std::string& out, std::uint32_t magic, const T& value) {
  const std::size_t at = out.size();
  out.resize(at + header_size);
  records::append_bytes(value, out);
  const std::uint64_t length = out.size() - at - header_size;
  const std::uint32_t sum = checksum(out.data() + at + header_size, length);
  char* header = out.data() + at;
  std::memcpy(header, &magic, 4);
  std::memcpy(header + 4, &journal_format_version, 4);
  std::memcpy(header + 8, &length, 8);
  std::memcpy(header + 16, &sum, 4);
}

template <class T>
T unarchive(const std::string& payload, const fs::path& file) {
  try {
    T value;
    from_bytes(payload, value);
    return value;
  } catch (const std::exception& e) {
    throw CheckpointError("'" + file.string() + "': a record cannot be read (" + e.what() +
                          "); it was written by an incompatible build of attnmf or is damaged");
  }
}

void write_all(int fd, const std::string& bytes, const fs::path& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("writing '" + path.string() + "': " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}

void sync_directory(const fs::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void write_atomically(const fs::path& file, const std::string& bytes) {
  const fs::path temporary = file.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create '" + temporary.string() + "': " + std::strerror(errno));
  try {
    write_all(fd, bytes, temporary);
    if (::fsync(fd) != 0) throw std::runtime_error("fsync '" + temporary.string() + "': " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  fs::rename(temporary, file);
  sync_directory(file.parent_path());
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw CheckpointError("cannot read '" + file.string() + "'");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Splits a file into frame payloads. `torn_tail_allowed`: an incomplete last frame is the mark of
// a kill during an append, not damage.
std::vector<std::string> frames(const fs::path& file, std::uint32_t magic, bool torn_tail_allowed,
                                std::vector<std::string>& notes) {
  const std::string bytes = read_file(file);
  std::vector<std::string> payloads;
  std::size_t at = 0;
  while (at < bytes.size()) {
    const auto torn = [&](const std::string& what) {
      if (!torn_tail_allowed)
        throw CheckpointError("'" + file.string() + "' is damaged at byte " + std::to_string(at) + ": " + what);
      notes.push_back("ignored an incomplete last record of '" + file.string() + "' (" + what + ")");
    };
    if (bytes.size() - at < header_size) {
      torn("truncated header");
      break;
    }
    std::uint32_t found_magic = 0, version = 0, stored_checksum = 0;
    std::uint64_t length = 0;
    std::memcpy(&found_magic, bytes.data() + at, 4);
    std::memcpy(&version, bytes.data() + at + 4, 4);
    std::memcpy(&length, bytes.data() + at + 8, 8);
    std::memcpy(&stored_checksum, bytes.data() + at + 16, 4);
    if (found_magic != magic)
      throw CheckpointError("'" + file.string() + "' is not an attnmf " + (magic == journal_magic ? "journal" : "checkpoint") +
                            " (bad magic number at byte " + std::to_string(at) + ")");
    if (version != journal_format_version)
      throw CheckpointError("'" + file.string() + "' has format version " + std::to_string(version) + "; this attnmf reads version " +
                            std::to_string(journal_format_version));
    if (length > bytes.size() - at - header_size) {
      torn("truncated record");
      break;
    }
    std::string payload = bytes.substr(at + header_size, length);
    if (checksum(payload) != stored_checksum) {
      if (at + header_size + length == bytes.size()) {
        torn("checksum mismatch in the last record");
        break;
      }
      throw CheckpointError("'" + file.string() + "' is damaged: checksum mismatch in the record at byte " + std::to_string(at));
    }
    payloads.push_back(std::move(payload));
    at += header_size + length;
  }
  return payloads;
}

}  // namespace

fs::path journal_directory(const fs::path& output) { return fs::path(output.string() + ".journal"); }

JournalWriter::JournalWriter(const fs::path& file) : path_(file) {
  fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot open journal '" + file.string() + "': " + std::strerror(errno));
  sync_directory(file.parent_path());
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void JournalWriter::append(const records::PointResult& result) {
  // The buffer keeps its capacity from point to point: no allocation, and one copy of the samples
  // (into it) before the write.
  buffer_.clear();
  append_frame(buffer_, journal_magic, result);
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  try {
    fault::at("journal_append");
    write_all(fd_, buffer_, path_);
    if (::fdatasync(fd_) != 0) throw std::runtime_error("fdatasync '" + path_.string() + "': " + std::strerror(errno));
  } catch (...) {
    // A full disk may have taken part of the frame: cut it off, so that the journal ends with its
    // last whole record (a reader would skip a torn last frame anyway, but not one followed by more).
    if (before >= 0 && ::ftruncate(fd_, before) == 0) ::fdatasync(fd_);
    throw;
  }
}

std::string file_checksum(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read '" + file.string() + "' to checksum it");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  char text[32];
  std::snprintf(text, sizeof text, "%08x", checksum(bytes.str()));
  return std::string("crc32 ") + text + ", " + std::to_string(bytes.str().size()) + " bytes";
}

JournalContents read_journal_directory(const fs::path& directory) {
  JournalContents contents;
  if (!fs::is_directory(directory)) return contents;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    if (file.extension() == ".journal") {
      for (const std::string& payload : frames(file, journal_magic, true, contents.notes)) {
        records::PointResult r = unarchive<records::PointResult>(payload, file);
        contents.points.emplace(RunKey{r.index, r.start}, std::move(r));
      }
    } else if (file.extension() == ".inflight") {
      contents.in_flight_files.push_back(file);
      for (const std::string& payload : frames(file, in_flight_magic, false, contents.notes)) {
        auto partial = unarchive<records::PartialPoint>(payload, file);
        auto [it, inserted] = contents.in_flight.emplace(RunKey{partial.index, partial.start}, partial);
        if (!inserted && partial.steps_done > it->second.steps_done) it->second = std::move(partial);
      }
    }
  }
  for (const auto& [key, result] : contents.points) contents.in_flight.erase(key);
  return contents;
}

void write_in_flight(const fs::path& file, const std::vector<records::PartialPoint>& points) {
  std::string bytes;
  for (const auto& p : points) append_frame(bytes, in_flight_magic, p);
  write_atomically(file, bytes);
}

void write_manifest(const fs::path& directory, const std::vector<std::pair<std::string, std::string>>& keys) {
  std::string text = "# attnmf sweep journal: the configuration keys that change results\n";
  for (const auto& [key, value] : keys) text += key + " = " + value + "\n";
  write_atomically(directory / "manifest", text);
}

std::vector<std::pair<std::string, std::string>> read_manifest(const fs::path& directory) {
  std::vector<std::pair<std::string, std::string>> keys;
  if (!fs::exists(directory / "manifest")) return keys;
  std::istringstream in(read_file(directory / "manifest"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find(" = ");
    if (eq == std::string::npos) throw CheckpointError("'" + (directory / "manifest").string() + "' is damaged: '" + line + "'");
    keys.emplace_back(line.substr(0, eq), line.substr(eq + 3));
  }
  return keys;
}

}  // namespace attnmf::io
