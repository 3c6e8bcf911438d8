#include "attnmf/io/trajectory_file.hpp"

#include <algorithm>
#include <system_error>

namespace attnmf::io {

TrajectoryWriter::TrajectoryWriter(std::filesystem::path file, const config::Config& config, const model::Weights& weights)
    : final_(std::move(file)),
      partial_(final_.string() + ".partial"),
      reserve_(final_.string() + ".reserve", SpaceReserve::default_bytes),
      file_(h5::File::create(partial_, h5::CreateMode::truncate)) {
  write_description(file_, "trajectory", config);
  write_model(file_, weights);
  const auto rows = static_cast<hsize_t>(config.run.steps - config.run.transient);
  const auto M = static_cast<hsize_t>(config.model.features);
  // Chunks of ~64k rows: large enough for fast sequential writes, small enough to read a window.
  const hsize_t chunk_rows = std::max<hsize_t>(1, std::min<hsize_t>(rows, 65536));
  for (int q = 0; q < 6; ++q)
    datasets_[q] = h5::create_dataset<double>(file_, std::string("trajectory/") + records::RecordedRows::names[q],
                                              {rows, M}, {chunk_rows, M});
  if (config.run.engine == config::RunConfig::Engine::network) {
    const auto R = static_cast<hsize_t>(config.network.replicas);
    const char* names[3] = {"mo_se", "mo", "att"};
    for (int q = 0; q < 3; ++q)
      network_[q] = h5::create_dataset<double>(file_, std::string("network/") + names[q], {R, rows, M}, {1, chunk_rows, M});
    h5::write_attribute(h5::open_group(file_, "network"), "size", static_cast<std::int64_t>(config.network.size));
  }
  h5::Handle group = h5::open_group(file_, "trajectory");
  h5::write_attribute(group, "first_step", static_cast<std::int64_t>(config.run.transient));
  h5::write_attribute(group, "description",
                      std::string_view("row r is step first_step + r: att = A_t produced by the step; mo, mo_se, mv, "
                                       "mq, mk = mean fields of the newest token (mo_se: the (1-epsilon) term of mo)"));
}

TrajectoryWriter::~TrajectoryWriter() {
  if (finished_) return;
  reserve_.release();
  for (auto& d : datasets_) d = h5::Handle();
  for (auto& d : network_) d = h5::Handle();
  try {
    file_.close();
  } catch (const std::exception&) {
    // The file is being discarded anyway; a destructor must not throw.
  }
  std::error_code ignored;
  std::filesystem::remove(partial_, ignored);
}

void TrajectoryWriter::write_rows(long long first_row, const records::RecordedRows& rows) {
  const std::size_t values = rows.rows * static_cast<std::size_t>(rows.features);
  for (int q = 0; q < 6; ++q)
    h5::write_rows<double>(datasets_[q], static_cast<hsize_t>(first_row), rows.rows,
                           std::span<const double>(rows.quantity(q).data(), values));
}

void TrajectoryWriter::write_network_rows(int replica, long long first_row, const records::RecordedRows& rows) {
  const std::size_t values = rows.rows * static_cast<std::size_t>(rows.features);
  // RecordedRows' order: att, mo, mo_se, …
  const int quantity[3] = {2, 1, 0};
  for (int q = 0; q < 3; ++q)
    h5::write_inner_rows<double>(network_[q], static_cast<hsize_t>(replica), static_cast<hsize_t>(first_row), rows.rows,
                                 std::span<const double>(rows.quantity(quantity[q]).data(), values));
}

void TrajectoryWriter::write_network(const records::NetworkSummary& x) {
  const auto R = static_cast<hsize_t>(x.distance.size());
  const auto M = R > 0 ? static_cast<hsize_t>(x.mean.size() / R) : 0;
  const auto put = [&]<class T>(const char* name, std::vector<hsize_t> dims, const std::vector<T>& values) {
    h5::Handle d = h5::create_dataset<T>(file_, std::string("network/") + name, dims);
    h5::write_all<T>(d, values);
  };
  put("algorithm", {1}, std::vector<std::uint8_t>{x.algorithm});
  put("distance_kind", {1}, std::vector<std::int8_t>{static_cast<std::int8_t>(x.kind)});
  put("distance", {R}, x.distance);
  put("tracking", {R}, x.tracking);
  put("recognised", {R}, x.recognised);
  put("mean", {R, M}, x.mean);
  put("deviation", {R, M}, x.deviation);
  put("bias", {R, M}, x.bias);
  put("reference/regime", {1}, std::vector<std::int8_t>{static_cast<std::int8_t>(analysis::code(x.reference_regime))});
  put("reference/period", {1}, std::vector<std::int32_t>{x.reference_period});
  put("reference/floor", {1}, std::vector<double>{x.floor});
  if (M > 0) put("reference/samples", {x.reference_samples.size() / M, M}, x.reference_samples);
}

void TrajectoryWriter::write_analysis(const records::PointResult& result, long long trace_every) {
  const analysis::PointAnalysis& a = result.analysis;
  const std::vector<double>& lyapunov = result.lyapunov;
  const std::vector<std::vector<double>>& lyapunov_trace = result.lyapunov_trace;
  const auto scalar = [&](const char* name, auto value) {
    using T = decltype(value);
    h5::Handle d = h5::create_dataset<T>(file_, std::string("analysis/") + name, {1});
    h5::write_all<T>(d, std::span<const T>(&value, 1));
  };
  scalar("regime", static_cast<std::int8_t>(analysis::code(result.regime)));
  scalar("period", static_cast<std::int32_t>(a.period));
  scalar("zero_one_k", result.zero_one);
  scalar("lyapunov_zero_band", result.zero_band);
  scalar("correlation_dimension", result.correlation_dimension);
  scalar("distinct_values", static_cast<std::int32_t>(a.distinct_values));
  scalar("paper_regime", static_cast<std::int8_t>(analysis::code(result.paper_regime)));
  if (!lyapunov.empty()) {
    h5::Handle d = h5::create_dataset<double>(file_, "analysis/lyapunov", {lyapunov.size()});
    h5::write_all<double>(d, lyapunov);
    h5::Handle e = h5::create_dataset<double>(file_, "analysis/lyapunov_estimate", {result.lyapunov_estimate.size()});
    h5::write_all<double>(e, result.lyapunov_estimate);
    scalar("lyapunov_source", static_cast<std::uint8_t>(result.lyapunov_source));
    write_code_names(h5::open_dataset(file_, "analysis/lyapunov_source"), records::kLyapunovSourceNames);
  }
  const auto M = static_cast<hsize_t>(std::max(a.features, 1));
  h5::Handle c = h5::create_dataset<double>(file_, "analysis/crossings", {a.crossings.size() / M, M});
  if (!a.crossings.empty()) h5::write_all<double>(c, a.crossings);
  if (!lyapunov_trace.empty()) {
    const auto k = static_cast<hsize_t>(lyapunov_trace.front().size());
    std::vector<double> flat;
    for (const auto& row : lyapunov_trace) flat.insert(flat.end(), row.begin(), row.end());
    h5::Handle t = h5::create_dataset<double>(file_, "analysis/lyapunov_trace", {lyapunov_trace.size(), k});
    h5::write_all<double>(t, flat);
    h5::write_attribute(t, "every", static_cast<std::int64_t>(trace_every));
    h5::write_attribute(t, "description", std::string_view("row i: the running estimates after (i+1)*every recorded steps"));
  }
  h5::Handle group = h5::open_group(file_, "analysis");
  h5::write_attribute(group, "regime", std::string_view(analysis::regime_legend() + " (rules as for sweep points)"));
  write_regime_names(h5::open_dataset(file_, "analysis/regime"));
  write_regime_names(h5::open_dataset(file_, "analysis/paper_regime"));
}

void TrajectoryWriter::finish(const model::Window& final_window, const Provenance& provenance) {
  reserve_.release();
  write_window(file_, "trajectory/final_window", final_window);
  write_provenance(file_, provenance);
  for (auto& d : datasets_) d = h5::Handle();
  for (auto& d : network_) d = h5::Handle();
  file_.close();
  std::filesystem::rename(partial_, final_);
  finished_ = true;
}

}  // namespace attnmf::io
