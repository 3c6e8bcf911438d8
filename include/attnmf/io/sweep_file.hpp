#pragma once
// The one HDF5 file of a sweep, shared by every rank (layout: docs/file-format.md).
// All ranks create it, its groups and datasets together (collective); each rank then writes the
// rows of the points it computed, independently, as soon as they are done.

#include <mpi.h>

#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attnmf/config/config.hpp"
#include "attnmf/io/hdf5.hpp"
#include "attnmf/io/monitor.hpp"
#include "attnmf/io/sample_chunks.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/config/grid.hpp"
#include "attnmf/records/point.hpp"

namespace attnmf::io {

// A dataset of /points that a sweep of output.sample_compression = deflate stores deflated, one
// point per chunk, written from the ranks' spools: /points/samples, and the padded Poincaré section
// and crossings (section_max rows each).
struct SpooledDataset {
  std::string path;    // in the file
  std::string suffix;  // of the spool files, in the journal directory
  SampleChunking chunking;
};
// Those of a sweep of `config`, in a fixed order (none with output.sample_compression = none).
std::vector<SpooledDataset> spooled_datasets(const config::Config& config);

class SweepFile {
 public:
  // exclusive: fails (h5::Error) if the file exists, a sweep never overwrites a file. replace: a
  // resumed sweep rebuilds its file from the journal.
  enum class Mode { exclusive, replace };
  // Collective; every collective step agreed through `monitor`, so that a failure on one rank
  // throws io::mpi::RankFault on all at the same step. `inputs` (key, checksum of an input file)
  // become root attributes.
  static SweepFile create(const std::filesystem::path& path, MPI_Comm comm, const config::Config& config,
                          const model::Weights& weights, const config::SweepGrid& grid, mpi::Monitor& monitor,
                          const std::vector<std::pair<std::string, std::string>>& inputs, Mode mode = Mode::exclusive);

  // Independent: the rows of one point. The status is written last. The rows of the spooled
  // datasets (spooled_datasets()) go to this rank's spools, which must have been started.
  void write_point(const records::PointResult& result);
  // Whether the file has deflated datasets, written from spools (io/sample_chunks.hpp) once the
  // parallel file is closed.
  bool spooled() const { return !spooled_.empty(); }
  // This rank's spools of this run, one per spooled dataset at `stem` + its suffix; then their
  // chunks once closed, by dataset path (std::runtime_error if writing one failed).
  void start_spools(const std::filesystem::path& stem);
  std::map<std::string, std::vector<SpooledChunk>> close_spools();
  // Independent: what a point's starts found (`runs[s]` is start s, `origins[s]` where it began):
  // /points/attractor_count, and /starts/* but /starts/attractor when the sweep has that layout
  // (has_starts()).
  void write_starts(std::span<const records::PointResult> runs, std::span<const records::StartOrigin> origins,
                    int attractor_count);
  // Collective, every rank past an agreement, and agreed through `monitor`: /attractors (ordered by point, then label) from every
  // rank's `attractors` of the points it wrote, and /starts/attractor from their `labels`.
  void write_attractors(MPI_Comm comm, mpi::Monitor& monitor, std::span<const records::Attractor> attractors,
                        const std::map<long long, std::vector<int>>& labels);
  // Whether the file has /starts and /attractors: a sweep of several starts per point, or a continuation.
  bool has_starts() const { return has_starts_; }
  // Collective, agreed through `monitor`.
  void close(mpi::Monitor& monitor);

  const std::filesystem::path& path() const { return file_.path(); }

 private:
  SweepFile(h5::File file, const config::Config& config);
  // A dataset of recorded samples, stored as output.sample_precision says; written from doubles,
  // which HDF5 rounds to nearest when the file holds float32.
  h5::Handle create_samples(std::string_view path, const std::vector<hsize_t>& dims) const;
  // Collective, once the datasets exist: the dimension scales of /points, /provenance, /network and
  // /starts, the per-point coordinates /points/{beta,gamma,epsilon,size}, and each dataset's
  // description, units and code tables. `index` states the point index.
  void describe(const config::SweepGrid& grid, std::string_view index);
  h5::File file_;
  std::map<std::string, h5::Handle> datasets_;
  int features_, context_;
  long long samples_, section_max_;
  bool float_samples_ = false;  // output.sample_precision = float32
  std::vector<SpooledDataset> spooled_;  // output.sample_compression = deflate
  std::map<std::string, SampleSpool> spools_;   // by dataset path
  int lyapunov_;
  long long points_ = 0;
  int starts_ = 1;
  bool has_starts_ = false;
  int replicas_ = 0;  // network.replicas of a finite-network sweep, 0 otherwise
};


// After the collective close: what only rank 0 adds, serially (failure reasons, provenance).
void write_failures(const std::filesystem::path& path, long long points, const std::map<long long, std::string>& errors);

}  // namespace attnmf::io
