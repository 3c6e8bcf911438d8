#include "attnmf/io/trajectory_file.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <system_error>

namespace attnmf::io {
namespace {

// The step number of each recorded row, first_step + r, as the dimension scale of the series' rows:
// written in blocks of the series' chunks, since T rows of int64 may not fit in memory at once.
void write_step_scale(const h5::Handle& file, const std::string& path, hsize_t rows, hsize_t chunk_rows,
                      std::int64_t first_step) {
  h5::Handle scale = h5::create_dataset<std::int64_t>(file, path, {rows}, {chunk_rows});
  std::vector<std::int64_t> block;
  for (hsize_t first = 0; first < rows; first += chunk_rows) {
    const hsize_t count = std::min(chunk_rows, rows - first);
    block.resize(count);
    for (hsize_t r = 0; r < count; ++r) block[r] = first_step + static_cast<std::int64_t>(first + r);
    h5::write_rows<std::int64_t>(scale, first, count, block);
  }
  h5::make_dimension_scale(scale, "step");
  h5::write_attribute(scale, "description", std::string_view("the step of each recorded row (steps count from 0)"));
}

}  // namespace

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
  const auto first_step = static_cast<std::int64_t>(config.run.transient);
  write_step_scale(file_, "trajectory/step", rows, chunk_rows, first_step);
  write_index_scale(file_, "trajectory/feature", M, "feature a = 0 ... M-1 of the mean fields");
  // What each series is (docs/model.md section 3), by RecordedRows' names.
  const std::map<std::string_view, std::string_view> series{
      {"att", "A_t, the attention produced by step t"},
      {"mo", "m^o of the newest token, the one made from A_{t-1}"},
      {"mo_se", "the semantic part of m^o, its (1 - epsilon) term"},
      {"mv", "m^v of the newest token"},
      {"mq", "m^q of the newest token"},
      {"mk", "m^k of the newest token"}};
  for (int q = 0; q < 6; ++q) {
    const std::string_view name = records::RecordedRows::names[q];
    describe_dataset(file_, {"trajectory/" + std::string(name), {"step", "feature"}, series.at(name)});
  }
  if (config.run.engine == config::RunConfig::Engine::network) {
    const auto R = static_cast<hsize_t>(config.network.replicas);
    const char* names[3] = {"mo_se", "mo", "att"};
    for (int q = 0; q < 3; ++q)
      network_[q] = h5::create_dataset<double>(file_, std::string("network/") + names[q], {R, rows, M}, {1, chunk_rows, M});
    h5::write_attribute(h5::open_group(file_, "network"), "size", static_cast<std::int64_t>(config.network.size));
    write_step_scale(file_, "network/step", rows, chunk_rows, first_step);
    write_index_scale(file_, "network/replica", R, "replica r of the finite network; replica 0 is /trajectory's");
    write_index_scale(file_, "network/feature", M, "feature a = 0 ... M-1 of the mean fields");
    for (const char* name : names)
      describe_dataset(file_, {"network/" + std::string(name), {"replica", "step", "feature"},
                               "every replica's series, as /trajectory/" + std::string(name) + " is replica 0's"});
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
  write_index_scale(file_, "network/point", 1, "the trajectory's one point");
  if (M > 0) write_index_scale(file_, "network/sample", x.reference_samples.size() / M, "recorded sample, oldest first");
  const std::initializer_list<DatasetMetadata> datasets{
      {"network/algorithm", {"point"}, "the algorithm that drew the tokens"},
      {"network/distance_kind", {"point"}, "the kind of distance from the mean-field attractor (docs/network.md)"},
      {"network/distance", {"replica"}, "each replica's distance from the mean-field attractor, of distance_kind"},
      {"network/tracking", {"replica"}, "the fraction of steps that follow the orbit (fixed point and orbit; NaN otherwise)"},
      {"network/recognised", {"replica"}, "whether the replica is recognised on the mean-field attractor"},
      {"network/mean", {"replica", "feature"}, "mean of each replica's last analysis.samples values of m^o_se"},
      {"network/deviation", {"replica", "feature"}, "their standard deviation"},
      {"network/bias", {"replica", "feature"}, "the mean minus the mean-field reference's mean"},
      {"network/reference/regime", {"point"}, "the regime of the mean-field map at the same point, from the same window"},
      {"network/reference/period", {"point"}, "its period", "steps"},
      {"network/reference/floor", {"point"},
       "for a distribution, the Wasserstein-1 distance between the first and the second half of the reference's "
       "samples (what sampling alone makes); NaN for the other kinds"},
      {"network/reference/samples", {"sample", "feature"}, "the mean-field reference's last values of m^o_se"},
  };
  for (const DatasetMetadata& d : datasets) describe_dataset(file_, d);
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

  write_index_scale(file_, "analysis/point", 1, "the trajectory's one point (as a sweep's /points holds many)");
  write_index_scale(file_, "analysis/feature", M, "feature a = 0 ... M-1 of the mean fields");
  write_index_scale(file_, "analysis/crossing", a.crossings.size() / M,
                    "zero crossing of m^o_se[analysis.section_feature], in the order of the steps");
  if (!lyapunov.empty()) write_index_scale(file_, "analysis/exponent", lyapunov.size(), "Lyapunov exponent, largest first");
  if (!lyapunov_trace.empty()) {
    // The recorded steps after which each row's estimates stand.
    std::vector<std::int64_t> after(lyapunov_trace.size());
    for (std::size_t i = 0; i < after.size(); ++i) after[i] = static_cast<std::int64_t>(i + 1) * trace_every;
    write_scale(file_, "analysis/trace", after, "recorded steps after which the row's running estimates stand");
  }
  const std::initializer_list<DatasetMetadata> datasets{
      {"analysis/regime", {"point"}, "the regime (docs/regimes.md; the rules of a sweep point)"},
      {"analysis/period", {"point"}, "exact recurrence period of the window state, 0 if none", "steps"},
      {"analysis/zero_one_k", {"point"}, "K of the 0-1 test for chaos on m^o_se[0] over the last analysis.samples steps"},
      {"analysis/lyapunov_zero_band", {"point"}, "delta(T) = 50 ln(T)/T: exponents within it count as zero", "1/step"},
      {"analysis/correlation_dimension", {"point"}, "the correlation dimension of m^o_se over the last analysis.samples steps"},
      {"analysis/distinct_values", {"point"}, "the paper's count of distinct values of m^o_se[0] among the last samples"},
      {"analysis/paper_regime", {"point"}, "the paper's label from distinct_values"},
      {"analysis/lyapunov", {"exponent"},
       "the largest Lyapunov exponents, descending, natural log per step: the Floquet exponents of the orbit when it "
       "recurred, otherwise the running estimate (lyapunov_source says which)", "1/step"},
      {"analysis/lyapunov_estimate", {"exponent"}, "the running estimate over the recorded steps", "1/step"},
      {"analysis/lyapunov_source", {"point"}, "where lyapunov comes from"},
      {"analysis/crossings", {"crossing", "feature"},
       "m^o_se interpolated to the first zeros of m^o_se[analysis.section_feature]"},
      {"analysis/lyapunov_trace", {"trace", "exponent"},
       "row i: the running estimates after (i+1)*every recorded steps", "1/step"},
  };
  for (const DatasetMetadata& d : datasets) describe_dataset(file_, d);
}

void TrajectoryWriter::finish(const model::Window& final_window, const Provenance& provenance) {
  reserve_.release();
  write_window(file_, "trajectory/final_window", final_window);
  write_index_scale(file_, "trajectory/final_window/slot", static_cast<hsize_t>(final_window.context),
                    "slot d of the context window, newest (d = 0) first");
  describe_dataset(file_, {"trajectory/final_window/attention", {"slot", "feature"},
                           "the window after the last step: attention A_{t-1-d} of slot d, newest first"});
  describe_dataset(file_, {"trajectory/final_window/positions", {"slot"},
                           "the position (0 ... 2^P - 1) of each slot, newest first"});
  write_provenance(file_, provenance);
  for (auto& d : datasets_) d = h5::Handle();
  for (auto& d : network_) d = h5::Handle();
  file_.close();
  std::filesystem::rename(partial_, final_);
  finished_ = true;
}

}  // namespace attnmf::io
