#include "attnmf/io/trajectory_file.hpp"

#include <algorithm>
#include <system_error>

namespace attnmf::io {

TrajectoryWriter::TrajectoryWriter(std::filesystem::path file, const config::Config& config, const model::Weights& weights)
    : final_(std::move(file)),
      partial_(final_.string() + ".partial"),
      file_(h5::File::create(partial_, h5::CreateMode::truncate)) {
  write_description(file_, "trajectory", config);
  write_model(file_, weights);
  const auto rows = static_cast<hsize_t>(config.run.steps - config.run.transient);
  const auto M = static_cast<hsize_t>(config.model.features);
  // Chunks of ~64k rows: large enough for fast sequential writes, small enough to read a window.
  const hsize_t chunk_rows = std::max<hsize_t>(1, std::min<hsize_t>(rows, 65536));
  for (int q = 0; q < 6; ++q)
    datasets_[q] = h5::create_dataset<double>(file_, std::string("trajectory/") + dynamics::RecordedRows::names[q],
                                              {rows, M}, {chunk_rows, M});
  h5::Handle group = h5::open_group(file_, "trajectory");
  h5::write_attribute(group, "first_step", static_cast<std::int64_t>(config.run.transient));
  h5::write_attribute(group, "description",
                      std::string_view("row r is step first_step + r: att = A_t produced by the step; mo, mo_se, mv, "
                                       "mq, mk = mean fields of the newest token (mo_se: the (1-epsilon) term of mo)"));
}

TrajectoryWriter::~TrajectoryWriter() {
  if (finished_) return;
  for (auto& d : datasets_) d = h5::Handle();
  try {
    file_.close();
  } catch (const std::exception&) {
    // The file is being discarded anyway; a destructor must not throw.
  }
  std::error_code ignored;
  std::filesystem::remove(partial_, ignored);
}

void TrajectoryWriter::write_rows(long long first_row, const dynamics::RecordedRows& rows) {
  const std::size_t values = rows.rows * static_cast<std::size_t>(rows.features);
  for (int q = 0; q < 6; ++q)
    h5::write_rows<double>(datasets_[q], static_cast<hsize_t>(first_row), rows.rows,
                           std::span<const double>(rows.quantity(q).data(), values));
}

void TrajectoryWriter::finish(const model::Window& final_window, const Provenance& provenance) {
  write_window(file_, "trajectory/final_window", final_window);
  write_provenance(file_, provenance);
  for (auto& d : datasets_) d = h5::Handle();
  file_.close();
  std::filesystem::rename(partial_, final_);
  finished_ = true;
}

}  // namespace attnmf::io
