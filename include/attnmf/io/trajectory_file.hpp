#pragma once
// The file of `attnmf trajectory` (layout: docs/file-format.md).

#include <filesystem>

#include "attnmf/analysis/classification.hpp"
#include "attnmf/analysis/point_analysis.hpp"
#include "attnmf/config/config.hpp"
#include "attnmf/records/point.hpp"
#include "attnmf/records/recorded_rows.hpp"
#include "attnmf/io/hdf5.hpp"
#include "attnmf/io/result_file.hpp"
#include "attnmf/io/space_reserve.hpp"

namespace attnmf::io {

// Writes into `<file>.partial` and renames it to `<file>` only when finished, so that a crash or an
// interruption never leaves a file that looks complete. Destroyed unfinished, it removes the
// partial file.
class TrajectoryWriter {
 public:
  TrajectoryWriter(std::filesystem::path file, const config::Config& config, const model::Weights& weights);
  TrajectoryWriter(const TrajectoryWriter&) = delete;
  TrajectoryWriter& operator=(const TrajectoryWriter&) = delete;
  ~TrajectoryWriter();

  void write_rows(long long first_row, const records::RecordedRows& rows);
  // run.engine = network: replica r's rows of /network/{mo_se,mo,att} [R][T][M].
  void write_network_rows(int replica, long long first_row, const records::RecordedRows& rows);
  // /network's statistics of every replica against the mean-field reference (docs/network.md).
  void write_network(const records::NetworkSummary& summary);
  // /analysis: what a sweep point records of `result` (regime, period, exponents and their source,
  // indicators, crossings) and, when asked for, the running Lyapunov estimates [rows][k] of
  // result.lyapunov_trace, one every `trace_every` recorded steps.
  void write_analysis(const records::PointResult& result, long long trace_every);
  // Writes the final window and provenance, closes and renames into place.
  void finish(const model::Window& final_window, const Provenance& provenance);

  h5::Handle& file() { return file_; }
  const std::filesystem::path& partial_path() const { return partial_; }

 private:
  std::filesystem::path final_, partial_;
  // Claimed before the file and given back before it is closed, so that the close can flush on a
  // disk that filled up (io/space_reserve.hpp).
  SpaceReserve reserve_;
  h5::File file_;
  h5::Handle datasets_[6];
  h5::Handle network_[3];  // mo_se, mo, att [R][T][M] (run.engine = network)
  bool finished_ = false;
};

}  // namespace attnmf::io
