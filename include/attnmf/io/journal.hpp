#pragma once
// What makes a sweep survive SIGKILL, node loss and time limits.
//
// Next to `output.file` lives a directory `<output.file>.journal/` holding
//   manifest          the configuration keys that change results (written once, atomically);
//   *.journal         one append-only journal per rank and run: every finished point, synced to
//                     disk before it is written to the HDF5 file;
//   *.inflight        per rank, the state of points stopped mid-trajectory by a signal.
// The HDF5 file is a view of the journal: on --resume it is rebuilt from the journal, so a file
// killed in the middle of a metadata write costs nothing. The directory is removed when the sweep
// is complete.
//
// Journals and in-flight files are sequences of frames: magic, format version, payload length,
// CRC-32 of the payload, then the payload (a Boost.Serialization binary archive).

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "attnmf/records/point.hpp"

namespace attnmf::io {

// 2: every record carries its start (init.starts), and the exponents their source; 3: and the
// samples' correlation dimension; 4: and a finite-network point's replicas (records::NetworkSummary).
inline constexpr std::uint32_t journal_format_version = 4;

// A journal or checkpoint that cannot be used: corrupt, truncated where it must not be, of another
// format version or written by an incompatible build.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::filesystem::path journal_directory(const std::filesystem::path& output);

// Appends frames and syncs each one to disk before returning.
class JournalWriter {
 public:
  explicit JournalWriter(const std::filesystem::path& file);
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;
  ~JournalWriter();
  void append(const records::PointResult& result);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::string buffer_;  // the frame being written
};

// A start of a grid point: {grid index, start} (records::PointResult::start).
using RunKey = std::pair<long long, int>;

struct JournalContents {
  std::map<RunKey, records::PointResult> points;       // by grid index and start
  std::map<RunKey, records::PartialPoint> in_flight;   // starts stopped mid-trajectory, not finished
  std::vector<std::filesystem::path> in_flight_files;
  std::vector<std::string> notes;                       // e.g. a torn last frame, ignored
};

// Reads every journal and in-flight file of the directory. A torn last frame of a journal (a kill
// in the middle of an append) is ignored and noted; anything else wrong throws CheckpointError
// naming the file.
JournalContents read_journal_directory(const std::filesystem::path& directory);

// Atomically (temporary file, fsync, rename, fsync of the directory).
void write_in_flight(const std::filesystem::path& file, const std::vector<records::PartialPoint>& points);
void write_manifest(const std::filesystem::path& directory, const std::vector<std::pair<std::string, std::string>>& keys);
// "crc32 1a2b3c4d, 448 bytes": what the manifest and the sweep file record of an input file, so that
// --resume notices a changed input. Throws std::runtime_error when it cannot be read.
std::string file_checksum(const std::filesystem::path& file);
// Empty when there is no manifest.
std::vector<std::pair<std::string, std::string>> read_manifest(const std::filesystem::path& directory);

}  // namespace attnmf::io
