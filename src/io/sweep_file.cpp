#include "attnmf/io/sweep_file.hpp"

#include <cmath>
#include <limits>

#include "attnmf/analysis/regime.hpp"
#include "attnmf/io/fault.hpp"
#include "attnmf/io/mpi.hpp"
#include "attnmf/io/result_file.hpp"

namespace attnmf::io {
namespace {

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

constexpr std::string_view mean_field_index = "point p = (i_epsilon * n_gamma + i_gamma) * n_beta + i_beta (beta fastest)";
constexpr std::string_view network_index =
    "point p = ((i_size * n_epsilon + i_epsilon) * n_gamma + i_gamma) * n_beta + i_beta (beta fastest)";

// The per-point coordinates /points/{beta,gamma,epsilon,size} that the datasets of /points name in
// their CF `coordinates` attribute, so that xarray gives every point its beta, gamma and epsilon.
std::string_view point_coordinates(bool network) { return network ? "beta gamma epsilon size" : "beta gamma epsilon"; }
// A dataset of /points itself (not of /points/final_window) indexed by point, other than those
// coordinates.
bool is_point_variable(const DatasetMetadata& d) {
  constexpr std::string_view prefix = "points/";
  if (!d.path.starts_with(prefix) || d.path.find('/', prefix.size()) != std::string_view::npos) return false;
  const std::string_view name = d.path.substr(prefix.size());
  return !d.dimensions.empty() && d.dimensions.front() == "point" && name != "beta" && name != "gamma" &&
         name != "epsilon" && name != "size";
}

void describe_all(const h5::Handle& file, std::initializer_list<DatasetMetadata> datasets) {
  for (const DatasetMetadata& d : datasets) describe_dataset(file, d);
}

}  // namespace

SweepFile::SweepFile(h5::File file, const config::Config& config)
    : file_(std::move(file)),
      features_(config.model.features),
      context_(config.model.context),
      samples_(config.analysis.samples),
      section_max_(config.analysis.section_max),
      float_samples_(config.output.sample_precision == config::OutputConfig::SamplePrecision::float32),
      spooled_(spooled_datasets(config)),
      lyapunov_(config.analysis.lyapunov),
      points_(config::SweepGrid(config.sweep).size()),
      starts_(config.init.starts),
      has_starts_(config.init.starts > 1 || config.sweep.mode == config::SweepConfig::Mode::continuation),
      replicas_(config.run.engine == config::RunConfig::Engine::network ? config.network.replicas : 0) {}

namespace {

// A dataset of float64 or float32 that reads as NaN where never written: contiguous, or, given
// chunks, deflated through HDF5's filters.
h5::Handle create_real_dataset(const h5::Handle& file, std::string_view path, const std::vector<hsize_t>& dims,
                               bool float32, const std::vector<hsize_t>& deflated_chunks = {}) {
  const float nan32 = std::numeric_limits<float>::quiet_NaN();
  if (deflated_chunks.empty())
    return float32 ? h5::create_dataset<float>(file, path, dims, {}, nan32)
                   : h5::create_dataset<double>(file, path, dims, {}, not_a_number);
  return float32 ? h5::create_deflated_dataset<float>(file, path, dims, deflated_chunks, nan32)
                 : h5::create_deflated_dataset<double>(file, path, dims, deflated_chunks, not_a_number);
}

}  // namespace

h5::Handle SweepFile::create_samples(std::string_view path, const std::vector<hsize_t>& dims) const {
  return create_real_dataset(file_, path, dims, float_samples_);
}

std::vector<SpooledDataset> spooled_datasets(const config::Config& config) {
  if (config.output.sample_compression != config::OutputConfig::SampleCompression::deflate) return {};
  std::vector<SpooledDataset> spooled;
  const int M = config.model.features;
  if (config.analysis.samples > 0)
    spooled.push_back({"points/samples", ".samples",
                       {config.analysis.samples, M,
                        config.output.sample_precision == config::OutputConfig::SamplePrecision::float32}});
  if (config.analysis.section_max > 0) {
    spooled.push_back({"points/section", ".section", {config.analysis.section_max, M, false}});
    spooled.push_back({"points/crossings", ".crossings", {config.analysis.section_max, M, false}});
  }
  return spooled;
}

void SweepFile::start_spools(const std::filesystem::path& stem) {
  for (const SpooledDataset& s : spooled_)
    spools_.emplace(std::piecewise_construct, std::forward_as_tuple(s.path),
                    std::forward_as_tuple(std::filesystem::path(stem.string() + s.suffix), s.chunking));
}

std::map<std::string, std::vector<SpooledChunk>> SweepFile::close_spools() {
  std::map<std::string, std::vector<SpooledChunk>> chunks;
  for (auto& [path, spool] : spools_) {
    spool.close();
    chunks[path] = spool.chunks();
  }
  spools_.clear();
  return chunks;
}

SweepFile SweepFile::create(const std::filesystem::path& path, MPI_Comm comm, const config::Config& config,
                            const model::Weights& weights, const config::SweepGrid& grid, mpi::Monitor& monitor,
                            const std::vector<std::pair<std::string, std::string>>& inputs, Mode mode) {
  // Every collective HDF5 call is a step the ranks agree on before the next (io/monitor.hpp): a
  // rank whose dataset creation fails (a full disk) must not leave the others inside the next one.
  const auto step = [&](auto&& body) {
    monitor.collective([&] {
      body();
      fault::at("dataset_create");
    });
  };
  std::optional<h5::File> created;
  step([&] {
    created.emplace(h5::File::create(path, mode == Mode::exclusive ? h5::CreateMode::exclusive : h5::CreateMode::truncate, comm));
  });
  SweepFile f(std::move(*created), config);
  // Metadata is written by every rank with the same values: HDF5 requires it to be collective.
  step([&] {
    write_description(f.file_, "sweep", config);
    // The inputs' checksums, as the journal's manifest records them (--resume compares them).
    for (const auto& [key, value] : inputs) h5::write_attribute(f.file_, key, std::string_view(value));
  });
  step([&] { write_model(f.file_, weights); });
  const auto axis = [&](const char* name, const std::vector<double>& values) {
    step([&] {
      h5::Handle d = h5::create_dataset<double>(f.file_, std::string("grid/") + name, {values.size()});
      h5::write_all<double>(d, values);
    });
  };
  axis("beta", grid.beta());
  axis("gamma", grid.gamma());
  axis("epsilon", grid.epsilon());
  if (f.replicas_ > 0)
    step([&] {
      const std::vector<std::int64_t> sizes(grid.sizes().begin(), grid.sizes().end());
      h5::Handle d = h5::create_dataset<std::int64_t>(f.file_, "grid/size", {sizes.size()});
      h5::write_all<std::int64_t>(d, sizes);
    });
  const std::string_view index = f.replicas_ > 0 ? network_index : mean_field_index;
  step([&] {
    h5::write_attribute(h5::open_group(f.file_, "grid"), "index", index);
    // Each axis is its own dimension scale (a netCDF coordinate variable).
    for (const char* name : {"beta", "gamma", "epsilon", "size"})
      if (const std::string at = std::string("grid/") + name; h5::exists(f.file_, at))
        h5::make_dimension_scale(h5::open_dataset(f.file_, at), name);
    describe_all(f.file_, {{"grid/beta", {"beta"}, "the beta axis (output inverse temperature), as sweep.beta gives it"},
                           {"grid/gamma", {"gamma"}, "the gamma axis, before the 1/sqrt(M) normalisation"},
                           {"grid/epsilon", {"epsilon"}, "the epsilon axis, the weight of the positional part"},
                           {"grid/size", {"size"}, "the network sizes N (semantic bits) of a finite-network sweep"}});
  });

  const auto n = static_cast<hsize_t>(grid.size());
  const auto M = static_cast<hsize_t>(f.features_), L = static_cast<hsize_t>(f.context_);
  const auto S = static_cast<hsize_t>(f.samples_), K = static_cast<hsize_t>(f.section_max_);
  auto& d = f.datasets_;
  step([&] { d["status"] = h5::create_dataset<std::uint8_t>(f.file_, "points/status", {n}); });
  step([&] { d["regime"] = h5::create_dataset<std::int8_t>(f.file_, "points/regime", {n}, {}, std::int8_t{-1}); });
  step([&] { d["period"] = h5::create_dataset<std::int32_t>(f.file_, "points/period", {n}); });
  if (f.lyapunov_ > 0) {
    step([&] { d["lyapunov"] = h5::create_dataset<double>(f.file_, "points/lyapunov", {n, static_cast<hsize_t>(f.lyapunov_)}, {}, not_a_number); });
    step([&] { d["lyapunov_estimate"] = h5::create_dataset<double>(f.file_, "points/lyapunov_estimate", {n, static_cast<hsize_t>(f.lyapunov_)}, {}, not_a_number); });
    step([&] { d["lyapunov_source"] = h5::create_dataset<std::uint8_t>(f.file_, "points/lyapunov_source", {n}); });
  }
  // The spooled datasets: one point per chunk (or a few, for very long records), so that a reader
  // of one point inflates only its own.
  for (const SpooledDataset& spooled : f.spooled_)
    step([&] {
      const std::string name = spooled.path.substr(spooled.path.find('/') + 1);
      const std::vector<hsize_t> dims = {n, static_cast<hsize_t>(spooled.chunking.samples), M};
      d[name] = create_real_dataset(f.file_, spooled.path, dims, spooled.chunking.float32, spooled.chunking.chunk_dims());
    });
  if (S > 0 && !d.count("samples")) step([&] { d["samples"] = f.create_samples("points/samples", {n, S, M}); });
  step([&] { d["distinct_values"] = h5::create_dataset<std::int32_t>(f.file_, "points/distinct_values", {n}); });
  step([&] { d["paper_regime"] = h5::create_dataset<std::int8_t>(f.file_, "points/paper_regime", {n}, {}, std::int8_t{-1}); });
  step([&] { d["zero_one"] = h5::create_dataset<double>(f.file_, "points/zero_one_k", {n}, {}, not_a_number); });
  step([&] { d["zero_band"] = h5::create_dataset<double>(f.file_, "points/lyapunov_zero_band", {n}, {}, not_a_number); });
  step([&] { d["correlation_dimension"] = h5::create_dataset<double>(f.file_, "points/correlation_dimension", {n}, {}, not_a_number); });
  step([&] { d["section_total"] = h5::create_dataset<std::int64_t>(f.file_, "points/section_total", {n}); });
  step([&] { d["crossings_total"] = h5::create_dataset<std::int64_t>(f.file_, "points/crossings_total", {n}); });
  step([&] { d["section_count"] = h5::create_dataset<std::int32_t>(f.file_, "points/section_count", {n}); });
  step([&] { d["crossings_count"] = h5::create_dataset<std::int32_t>(f.file_, "points/crossings_count", {n}); });
  if (K > 0) {
    if (!d.count("section"))
      step([&] { d["section"] = h5::create_dataset<double>(f.file_, "points/section", {n, K, M}, {}, not_a_number); });
    if (!d.count("crossings"))
      step([&] { d["crossings"] = h5::create_dataset<double>(f.file_, "points/crossings", {n, K, M}, {}, not_a_number); });
    step([&] { d["crossing_direction"] = h5::create_dataset<std::int8_t>(f.file_, "points/crossing_direction", {n, K}); });
  }
  step([&] { d["final_attention"] = h5::create_dataset<double>(f.file_, "points/final_window/attention", {n, L, M}, {}, not_a_number); });
  step([&] { d["final_positions"] = h5::create_dataset<std::int32_t>(f.file_, "points/final_window/positions", {n, L}); });
  step([&] { d["final_history"] = h5::create_dataset<std::int32_t>(f.file_, "points/final_window/history", {n}); });
  step([&] { d["seconds"] = h5::create_dataset<double>(f.file_, "provenance/point_seconds", {n}, {}, not_a_number); });
  step([&] { d["attractor_count"] = h5::create_dataset<std::int32_t>(f.file_, "points/attractor_count", {n}); });
  if (f.replicas_ > 0) {
    const auto R = static_cast<hsize_t>(f.replicas_);
    step([&] { d["network_size"] = h5::create_dataset<std::int64_t>(f.file_, "network/size", {n}); });
    step([&] { d["network_algorithm"] = h5::create_dataset<std::uint8_t>(f.file_, "network/algorithm", {n}); });
    step([&] { d["network_kind"] = h5::create_dataset<std::int8_t>(f.file_, "network/distance_kind", {n}, {}, std::int8_t{-1}); });
    step([&] { d["network_distance"] = h5::create_dataset<double>(f.file_, "network/distance", {n, R}, {}, not_a_number); });
    step([&] { d["network_tracking"] = h5::create_dataset<double>(f.file_, "network/tracking", {n, R}, {}, not_a_number); });
    step([&] { d["network_recognised"] = h5::create_dataset<std::int8_t>(f.file_, "network/recognised", {n, R}, {}, std::int8_t{-1}); });
    step([&] { d["network_mean"] = h5::create_dataset<double>(f.file_, "network/mean", {n, R, M}, {}, not_a_number); });
    step([&] { d["network_deviation"] = h5::create_dataset<double>(f.file_, "network/deviation", {n, R, M}, {}, not_a_number); });
    step([&] { d["network_bias"] = h5::create_dataset<double>(f.file_, "network/bias", {n, R, M}, {}, not_a_number); });
    step([&] { d["reference_regime"] = h5::create_dataset<std::int8_t>(f.file_, "network/reference/regime", {n}, {}, std::int8_t{-1}); });
    step([&] { d["reference_period"] = h5::create_dataset<std::int32_t>(f.file_, "network/reference/period", {n}); });
    step([&] { d["reference_floor"] = h5::create_dataset<double>(f.file_, "network/reference/floor", {n}, {}, not_a_number); });
    if (S > 0)
      step([&] { d["reference_samples"] = f.create_samples("network/reference/samples", {n, S, M}); });
    step([&] { write_network_description(f.file_, config); });
  }
  if (f.has_starts_) {
    const auto starts = static_cast<hsize_t>(f.starts_);
    step([&] { d["start_origin"] = h5::create_dataset<std::int8_t>(f.file_, "starts/origin", {n, starts}, {}, std::int8_t{-1}); });
    step([&] { d["start_status"] = h5::create_dataset<std::uint8_t>(f.file_, "starts/status", {n, starts}); });
    step([&] { d["start_regime"] = h5::create_dataset<std::int8_t>(f.file_, "starts/regime", {n, starts}, {}, std::int8_t{-1}); });
    step([&] { d["start_period"] = h5::create_dataset<std::int32_t>(f.file_, "starts/period", {n, starts}); });
    if (f.lyapunov_ > 0)
      step([&] {
        d["start_lyapunov"] = h5::create_dataset<double>(f.file_, "starts/lyapunov", {n, starts, static_cast<hsize_t>(f.lyapunov_)},
                                                         {}, not_a_number);
      });
    step([&] {
      const h5::Handle group = h5::open_group(f.file_, "starts");
      h5::write_attribute(group, "starts", static_cast<std::int64_t>(f.starts_));
      h5::write_attribute(group, "description",
                          std::string_view("every start of every point [point][start] (docs/attractors.md); start 0 is "
                                           "what /points holds; attractor indexes /attractors, -1 for a failed or "
                                           "pending start"));
      write_regime_names(h5::open_dataset(f.file_, "starts/regime"));
      write_code_names(h5::open_dataset(f.file_, "starts/origin"), records::kStartOriginNames);
    });
  }

  step([&] { f.describe(grid, index); });
  return f;
}

void SweepFile::describe(const config::SweepGrid& grid, std::string_view index) {
  const auto n = static_cast<hsize_t>(grid.size());
  const auto M = static_cast<hsize_t>(features_), L = static_cast<hsize_t>(context_);
  const auto S = static_cast<hsize_t>(samples_), K = static_cast<hsize_t>(section_max_);
  const auto k = static_cast<hsize_t>(lyapunov_);
  const bool network = replicas_ > 0;

  // The dimension scales of each group, in that group (netCDF looks a dimension up in a dataset's
  // group and the groups above it, so /points/final_window sees /points' scales).
  for (const char* group : {"points", "provenance"})
    write_index_scale(file_, std::string(group) + "/point", n, std::string(index) + "; /grid holds the axes");
  write_index_scale(file_, "points/feature", M, "feature a = 0 ... M-1 of the mean fields");
  if (S > 0) write_index_scale(file_, "points/sample", S, "recorded sample, oldest first (the last analysis.samples steps)");
  if (k > 0) write_index_scale(file_, "points/exponent", k, "Lyapunov exponent, largest first");
  if (K > 0) {
    write_index_scale(file_, "points/section_row", K, "row of the Poincare section, in the order of the steps");
    write_index_scale(file_, "points/crossing", K, "zero crossing of m^o_se[analysis.section_feature], in the order of the steps");
  }
  write_index_scale(file_, "points/final_window/slot", L, "slot d of the context window, newest (d = 0) first");

  // Each point's parameters, as CF auxiliary coordinates of the point dimension: xarray shows them
  // beside every /points dataset that names them in its `coordinates` attribute.
  std::vector<double> beta(n), gamma(n), epsilon(n);
  std::vector<std::int64_t> size(n);
  for (hsize_t p = 0; p < n; ++p) {
    const config::GridPoint point = grid.point(static_cast<long long>(p));
    beta[p] = point.beta;
    gamma[p] = point.gamma;
    epsilon[p] = point.epsilon;
    size[p] = point.size;
  }
  const auto coordinate = [&]<class T>(const char* name, const std::vector<T>& values) {
    h5::Handle d = h5::create_dataset<T>(file_, std::string("points/") + name, {n});
    h5::write_all<T>(d, values);
  };
  coordinate("beta", beta);
  coordinate("gamma", gamma);
  coordinate("epsilon", epsilon);
  if (network) coordinate("size", size);

  const std::vector<DatasetMetadata> datasets{
      {"points/beta", {"point"}, "beta of the point: /grid/beta[i_beta]"},
      {"points/gamma", {"point"}, "gamma of the point, before 1/sqrt(M): /grid/gamma[i_gamma]"},
      {"points/epsilon", {"point"}, "epsilon of the point: /grid/epsilon[i_epsilon]"},
      {"points/size", {"point"}, "the network size N of the point: /grid/size[i_size]"},
      {"points/status", {"point"}, "0 pending, 1 done, 2 failed (points/error says why)"},
      {"points/regime", {"point"}, "the regime (docs/regimes.md); the /points attribute regime_rule states the rule"},
      {"points/period", {"point"}, "exact recurrence period of the window state, 0 if none", "steps"},
      {"points/lyapunov", {"point", "exponent"},
       "the analysis.lyapunov largest Lyapunov exponents of the attention-window map, natural log per step, "
       "descending: for a point with period > 0 the Floquet exponents of its orbit, otherwise the running estimate "
       "over the recorded steps (lyapunov_source says which)", "1/step"},
      {"points/lyapunov_estimate", {"point", "exponent"},
       "the running (Benettin) estimate of the exponents over the recorded steps, also where lyapunov holds "
       "Floquet exponents", "1/step"},
      {"points/lyapunov_source", {"point"}, "where lyapunov comes from"},
      {"points/lyapunov_zero_band", {"point"}, "delta(T) = 50 ln(T)/T for T recorded steps: exponents within it count as zero",
       "1/step"},
      {"points/zero_one_k", {"point"}, "K of the 0-1 test for chaos on m^o_se[0] over the samples (NaN below 100 samples)"},
      {"points/correlation_dimension", {"point"},
       "Grassberger-Procaccia dimension of the samples: every s-th row back from the newest (s the smallest multiple "
       "of model.context leaving at most 2000 rows), ln(C(0.2 D) / C(0.02 D)) / ln 10 with D the rms distance of "
       "those rows from their centroid; about 1 on an invariant circle, 2 on a 2-torus, 0 on a periodic orbit"},
      {"points/distinct_values", {"point"},
       "the paper's counting classifier: distinct values of m^o_se[0] among the samples at analysis.count_resolution"},
      {"points/paper_regime", {"point"},
       "the paper's label from distinct_values with the authors' thresholds: periodic below 80, quasi-periodic below "
       "2500, chaotic above"},
      {"points/samples", {"point", "sample", "feature"},
       "m^o_se of the last analysis.samples recorded steps of each point, consecutive, oldest first"},
      {"points/section", {"point", "section_row", "feature"},
       "m^o_se at the first recorded steps where |m^o_se[analysis.section_feature]| < analysis.section_tolerance (the "
       "paper's Poincare section); rows beyond section_count are NaN"},
      {"points/section_count", {"point"}, "rows of section filled"},
      {"points/section_total", {"point"}, "all recorded steps in the section"},
      {"points/crossings", {"point", "crossing", "feature"},
       "m^o_se interpolated linearly to the zeros of m^o_se[analysis.section_feature] between consecutive steps; rows "
       "beyond crossings_count are NaN"},
      {"points/crossing_direction", {"point", "crossing"}, "the direction of each crossing"},
      {"points/crossings_count", {"point"}, "rows of crossings filled"},
      {"points/crossings_total", {"point"}, "all crossings"},
      {"points/final_window/attention", {"point", "slot", "feature"},
       "each point's context window after its last step: attention A_{t-1-d} of slot d, newest first"},
      {"points/final_window/positions", {"point", "slot"}, "the position (0 ... 2^P - 1) of each slot, newest first"},
      {"points/final_window/history", {"point"}, "slots after the newest that hold a token (L - 1 once the window is full)"},
      {"points/attractor_count", {"point"}, "attractors the point's starts reached (docs/attractors.md)"},
      {"provenance/point_seconds", {"point"}, "compute time of each point (NaN while pending); differs between runs", "s"},
  };
  for (const DatasetMetadata& d : datasets) {
    describe_dataset(file_, d);
    if (is_point_variable(d) && h5::exists(file_, d.path))
      h5::write_attribute(h5::open_dataset(file_, d.path), "coordinates", point_coordinates(network));
  }
  const h5::Handle points = h5::open_group(file_, "points");

  const std::string status_legend = write_code_names(h5::open_dataset(file_, "points/status"), records::kPointStatusNames);
  write_regime_names(h5::open_dataset(file_, "points/regime"));
  write_regime_names(h5::open_dataset(file_, "points/paper_regime"));
  if (lyapunov_ > 0) write_code_names(h5::open_dataset(file_, "points/lyapunov_source"), records::kLyapunovSourceNames);
  if (K > 0) {
    const std::vector<std::string_view> directions{"downward", "unused", "upward"};
    write_code_names(h5::open_dataset(file_, "points/crossing_direction"), directions, -1);
  }
  // The one-line legend that readers of files older than the code attributes take the names from.
  h5::write_attribute(points, "regime", std::string_view(analysis::regime_legend()));
  h5::write_attribute(points, "status", std::string_view(status_legend + " (points/error says why)"));
  h5::write_attribute(points, "regime_rule",
                      std::string_view("exact recurrence decides (0 or 1); else lambda_1 > band: chaotic (hyperchaotic if "
                                       "lambda_2 > band too); lambda_1 < -band: periodic; |lambda_1| <= band: "
                                       "quasi-periodic unless the 0-1 test K > 0.5 (weak chaos), and 2-torus (5) when "
                                       "also |lambda_2| <= band, K is known and correlation_dimension >= 1.5. band = "
                                       "lyapunov_zero_band = 50 ln(T)/T for T recorded steps"));

  if (network) {
    write_index_scale(file_, "network/point", n, std::string(index) + "; /grid holds the axes");
    write_index_scale(file_, "network/replica", static_cast<hsize_t>(replicas_), "replica r of the finite network");
    write_index_scale(file_, "network/feature", M, "feature a = 0 ... M-1 of the mean fields");
    if (S > 0) write_index_scale(file_, "network/sample", S, "recorded sample, oldest first");
    describe_all(file_, {
        {"network/size", {"point"}, "the network size N of the point"},
        {"network/algorithm", {"point"}, "the algorithm that drew the tokens"},
        {"network/distance_kind", {"point"}, "the kind of distance from the mean-field attractor (docs/network.md)"},
        {"network/distance", {"point", "replica"}, "each replica's distance from the mean-field attractor, of distance_kind"},
        {"network/tracking", {"point", "replica"},
         "the fraction of steps that follow the orbit (fixed point and orbit; NaN otherwise)"},
        {"network/recognised", {"point", "replica"}, "whether the replica is recognised on the mean-field attractor"},
        {"network/mean", {"point", "replica", "feature"}, "mean of each replica's last analysis.samples values of m^o_se"},
        {"network/deviation", {"point", "replica", "feature"}, "their standard deviation"},
        {"network/bias", {"point", "replica", "feature"}, "the mean minus the mean-field reference's mean"},
        {"network/reference/regime", {"point"}, "the regime of the mean-field map at the same point, from the same window"},
        {"network/reference/period", {"point"}, "its period", "steps"},
        {"network/reference/floor", {"point"},
         "for a distribution, the Wasserstein-1 distance between the first and the second half of the reference's "
         "samples (what sampling alone makes); NaN for the other kinds"},
        {"network/reference/samples", {"point", "sample", "feature"}, "the mean-field reference's last values of m^o_se"},
    });
  }

  if (has_starts_) {
    write_index_scale(file_, "starts/point", n, std::string(index) + "; /grid holds the axes");
    write_index_scale(file_, "starts/start", static_cast<hsize_t>(starts_), "start s of the point; start 0 is what /points holds");
    if (k > 0) write_index_scale(file_, "starts/exponent", k, "Lyapunov exponent, largest first");
    describe_all(file_, {
        {"starts/origin", {"point", "start"}, "where the start's window came from"},
        {"starts/status", {"point", "start"}, "0 pending, 1 done, 2 failed"},
        {"starts/regime", {"point", "start"}, "the regime the start reached"},
        {"starts/period", {"point", "start"}, "its period, 0 if none", "steps"},
        {"starts/lyapunov", {"point", "start", "exponent"}, "its Lyapunov exponents, largest first", "1/step"},
    });
    write_code_names(h5::open_dataset(file_, "starts/status"), records::kPointStatusNames);
  }
}

void SweepFile::write_point(const records::PointResult& r) {
  fault::at("row_write");
  const auto row = static_cast<hsize_t>(r.index);
  auto& d = datasets_;
  const auto one = [&](const char* name, auto value) {
    using T = decltype(value);
    h5::write_rows<T>(d.at(name), row, 1, std::span<const T>(&value, 1));
  };
  if (r.status == records::PointStatus::done) {
    const analysis::PointAnalysis& a = r.analysis;
    const auto M = static_cast<std::size_t>(features_);
    one("regime", static_cast<std::int8_t>(analysis::code(r.regime)));
    one("period", static_cast<std::int32_t>(r.period));
    if (lyapunov_ > 0 && !r.lyapunov.empty()) h5::write_rows<double>(d.at("lyapunov"), row, 1, r.lyapunov);
    if (lyapunov_ > 0 && !r.lyapunov_estimate.empty())
      h5::write_rows<double>(d.at("lyapunov_estimate"), row, 1, r.lyapunov_estimate);
    if (lyapunov_ > 0) one("lyapunov_source", static_cast<std::uint8_t>(r.lyapunov_source));
    // A spooled dataset's row goes to this rank's spool, any other into the file.
    const auto rows_of = [&](const char* path, const char* name, const std::vector<double>& values) {
      if (const auto spool = spools_.find(path); spool != spools_.end()) spool->second.add(r.index, values);
      else if (spooled()) throw std::logic_error("SweepFile::write_point: spooled datasets without their spools");
      else h5::write_rows<double>(d.at(name), row, 1, values);
    };
    if (samples_ > 0) rows_of("points/samples", "samples", a.samples);
    one("distinct_values", static_cast<std::int32_t>(a.distinct_values));
    one("paper_regime", static_cast<std::int8_t>(analysis::code(r.paper_regime)));
    one("zero_one", r.zero_one);
    one("zero_band", r.zero_band);
    one("correlation_dimension", r.correlation_dimension);
    one("section_total", static_cast<std::int64_t>(a.section_total));
    one("crossings_total", static_cast<std::int64_t>(a.crossings_total));
    const auto kept_section = a.section.size() / M, kept_crossings = a.crossings.size() / M;
    one("section_count", static_cast<std::int32_t>(kept_section));
    one("crossings_count", static_cast<std::int32_t>(kept_crossings));
    if (section_max_ > 0) {
      // Pad to the dataset's fixed width with NaN, as the fill value would.
      std::vector<double> padded(static_cast<std::size_t>(section_max_) * M, std::numeric_limits<double>::quiet_NaN());
      std::copy(a.section.begin(), a.section.end(), padded.begin());
      rows_of("points/section", "section", padded);
      std::fill(padded.begin(), padded.end(), std::numeric_limits<double>::quiet_NaN());
      std::copy(a.crossings.begin(), a.crossings.end(), padded.begin());
      rows_of("points/crossings", "crossings", padded);
      std::vector<std::int8_t> direction(static_cast<std::size_t>(section_max_), 0);
      std::copy(a.crossing_direction.begin(), a.crossing_direction.end(), direction.begin());
      h5::write_rows<std::int8_t>(d.at("crossing_direction"), row, 1, direction);
    }
    if (replicas_ > 0 && r.network.size > 0) {
      const records::NetworkSummary& x = r.network;
      one("network_size", static_cast<std::int64_t>(x.size));
      one("network_algorithm", x.algorithm);
      one("network_kind", static_cast<std::int8_t>(x.kind));
      h5::write_rows<double>(d.at("network_distance"), row, 1, x.distance);
      h5::write_rows<double>(d.at("network_tracking"), row, 1, x.tracking);
      h5::write_rows<std::int8_t>(d.at("network_recognised"), row, 1, x.recognised);
      h5::write_rows<double>(d.at("network_mean"), row, 1, x.mean);
      h5::write_rows<double>(d.at("network_deviation"), row, 1, x.deviation);
      h5::write_rows<double>(d.at("network_bias"), row, 1, x.bias);
      one("reference_regime", static_cast<std::int8_t>(analysis::code(x.reference_regime)));
      one("reference_period", static_cast<std::int32_t>(x.reference_period));
      one("reference_floor", x.floor);
      if (samples_ > 0 && x.reference_samples.size() == static_cast<std::size_t>(samples_) * M)
        h5::write_rows<double>(d.at("reference_samples"), row, 1, x.reference_samples);
    }
    h5::write_rows<double>(d.at("final_attention"), row, 1, r.final_window.attention);
    const std::vector<std::int32_t> positions(r.final_window.positions.begin(), r.final_window.positions.end());
    h5::write_rows<std::int32_t>(d.at("final_positions"), row, 1, positions);
    one("final_history", static_cast<std::int32_t>(r.final_window.history));
  }
  one("seconds", r.seconds);
  one("status", static_cast<std::uint8_t>(r.status));
}

void SweepFile::write_starts(std::span<const records::PointResult> runs, std::span<const records::StartOrigin> origins,
                             int attractor_count) {
  fault::at("row_write");
  const auto row = static_cast<hsize_t>(runs.front().index);
  h5::write_rows<std::int32_t>(datasets_.at("attractor_count"), row, 1, std::vector<std::int32_t>{attractor_count});
  if (!has_starts_) return;
  const std::size_t K = runs.size();
  std::vector<std::int8_t> origin(K), regime(K, -1);
  std::vector<std::uint8_t> status(K);
  std::vector<std::int32_t> period(K, 0);
  std::vector<double> lyapunov(K * static_cast<std::size_t>(std::max(lyapunov_, 0)), not_a_number);
  for (std::size_t s = 0; s < K; ++s) {
    const records::PointResult& r = runs[s];
    origin[s] = static_cast<std::int8_t>(origins[s]);
    status[s] = static_cast<std::uint8_t>(r.status);
    if (r.status != records::PointStatus::done) continue;
    regime[s] = static_cast<std::int8_t>(analysis::code(r.regime));
    period[s] = r.period;
    for (std::size_t k = 0; k < r.lyapunov.size() && k < static_cast<std::size_t>(lyapunov_); ++k)
      lyapunov[s * static_cast<std::size_t>(lyapunov_) + k] = r.lyapunov[k];
  }
  auto& d = datasets_;
  h5::write_rows<std::int8_t>(d.at("start_origin"), row, 1, origin);
  h5::write_rows<std::int8_t>(d.at("start_regime"), row, 1, regime);
  h5::write_rows<std::int32_t>(d.at("start_period"), row, 1, period);
  if (lyapunov_ > 0) h5::write_rows<double>(d.at("start_lyapunov"), row, 1, lyapunov);
  h5::write_rows<std::uint8_t>(d.at("start_status"), row, 1, status);
}

void SweepFile::write_attractors(MPI_Comm comm, mpi::Monitor& monitor, std::span<const records::Attractor> attractors,
                                 const std::map<long long, std::vector<int>>& labels) {
  if (!has_starts_) return;
  // Where each point's attractors go: the flat list is ordered by point, so a point's first row is
  // the number of attractors of the points before it, whichever rank holds them.
  std::vector<std::int64_t> counts(static_cast<std::size_t>(points_), 0), everyone(counts.size(), 0);
  for (const records::Attractor& a : attractors) ++counts[static_cast<std::size_t>(a.point)];
  // Called where every rank is known to be here (after an agreement), so a plain collective is safe.
  mpi::check(MPI_Allreduce(counts.data(), everyone.data(), static_cast<int>(counts.size()), MPI_INT64_T, MPI_SUM, comm),
             "MPI_Allreduce");
  std::vector<std::int64_t> first(everyone.size() + 1, 0);
  for (std::size_t p = 0; p < everyone.size(); ++p) first[p + 1] = first[p] + everyone[p];
  const auto A = static_cast<hsize_t>(first.back());
  const auto M = static_cast<hsize_t>(features_), L = static_cast<hsize_t>(context_), S = static_cast<hsize_t>(samples_);
  std::map<std::string, h5::Handle> a;
  const auto step = [&](auto&& body) {
    monitor.collective([&] {
      body();
      fault::at("dataset_create");
    });
  };
  // Contiguous like /points (a list of no attractors, from a sweep stopped before any point was
  // done, is a dataset of 0 rows).
  const auto make = [&]<class T>(const char* key, const char* path, std::vector<hsize_t> dims, T fill) {
    step([&] { a[key] = h5::create_dataset<T>(file_, path, dims, {}, fill); });
  };
  make("point", "attractors/point", {A}, std::int64_t{-1});
  make("label", "attractors/label", {A}, std::int32_t{-1});
  make("representative", "attractors/representative", {A}, std::int32_t{-1});
  make("starts", "attractors/starts", {A}, std::int32_t{0});
  make("basin_fraction", "attractors/basin_fraction", {A}, not_a_number);
  make("regime", "attractors/regime", {A}, std::int8_t{-1});
  make("period", "attractors/period", {A}, std::int32_t{0});
  if (lyapunov_ > 0) make("lyapunov", "attractors/lyapunov", {A, static_cast<hsize_t>(lyapunov_)}, not_a_number);
  if (S > 0) step([&] { a["samples"] = create_samples("attractors/samples", {A, S, M}); });
  make("final_attention", "attractors/final_window/attention", {A, L, M}, not_a_number);
  make("final_positions", "attractors/final_window/positions", {A, L}, std::int32_t{0});
  make("final_history", "attractors/final_window/history", {A}, std::int32_t{0});
  make("start_attractor", "starts/attractor", {static_cast<hsize_t>(points_), static_cast<hsize_t>(starts_)}, std::int64_t{-1});
  step([&] {
    const h5::Handle group = h5::open_group(file_, "attractors");
    h5::write_attribute(group, "description",
                        std::string_view("the attractors the starts of each point reached, one row each, ordered by "
                                         "point then label (docs/attractors.md); the values are those of the "
                                         "representative, the first start on the attractor"));
    write_regime_names(a.at("regime"));
    write_index_scale(file_, "attractors/attractor", A, "row of the flat list of attractors, ordered by point then label");
    write_index_scale(file_, "attractors/feature", M, "feature a = 0 ... M-1 of the mean fields");
    if (lyapunov_ > 0) write_index_scale(file_, "attractors/exponent", static_cast<hsize_t>(lyapunov_), "Lyapunov exponent, largest first");
    if (S > 0) write_index_scale(file_, "attractors/sample", S, "recorded sample, oldest first");
    write_index_scale(file_, "attractors/final_window/slot", L, "slot d of the context window, newest (d = 0) first");
    describe_all(file_, {
        {"attractors/point", {"attractor"}, "the point p (/points index) whose starts reached the attractor"},
        {"attractors/label", {"attractor"}, "the attractor's label among its point's, 0, 1, ..."},
        {"attractors/representative", {"attractor"}, "the first start on the attractor, whose values the row holds"},
        {"attractors/starts", {"attractor"}, "how many of the point's starts reached it"},
        {"attractors/basin_fraction", {"attractor"}, "the fraction of the point's starts that reached it"},
        {"attractors/regime", {"attractor"}, "its regime"},
        {"attractors/period", {"attractor"}, "its period, 0 if none", "steps"},
        {"attractors/lyapunov", {"attractor", "exponent"}, "its Lyapunov exponents, largest first", "1/step"},
        {"attractors/samples", {"attractor", "sample", "feature"}, "m^o_se of the representative's last samples, oldest first"},
        {"attractors/final_window/attention", {"attractor", "slot", "feature"}, "the representative's final window, newest first"},
        {"attractors/final_window/positions", {"attractor", "slot"}, "the slots' positions, newest first"},
        {"attractors/final_window/history", {"attractor"}, "slots after the newest that hold a token"},
        {"starts/attractor", {"point", "start"}, "the row of /attractors the start reached, -1 for a failed or pending start"},
    });
  });
  // Each rank its own rows, independently.
  monitor.collective([&] {
    fault::at("row_write");
    const auto one = [&](const char* key, hsize_t row, auto value) {
      using T = decltype(value);
      h5::write_rows<T>(a.at(key), row, 1, std::span<const T>(&value, 1));
    };
    for (const records::Attractor& x : attractors) {
      const auto row = static_cast<hsize_t>(first[static_cast<std::size_t>(x.point)] + x.label);
      one("point", row, static_cast<std::int64_t>(x.point));
      one("label", row, static_cast<std::int32_t>(x.label));
      one("representative", row, static_cast<std::int32_t>(x.representative));
      one("starts", row, static_cast<std::int32_t>(x.starts));
      one("basin_fraction", row, x.basin_fraction);
      one("regime", row, static_cast<std::int8_t>(analysis::code(x.regime)));
      one("period", row, static_cast<std::int32_t>(x.period));
      if (lyapunov_ > 0 && static_cast<int>(x.lyapunov.size()) == lyapunov_) h5::write_rows<double>(a.at("lyapunov"), row, 1, x.lyapunov);
      if (S > 0 && x.samples.size() == S * M) h5::write_rows<double>(a.at("samples"), row, 1, x.samples);
      h5::write_rows<double>(a.at("final_attention"), row, 1, x.final_window.attention);
      const std::vector<std::int32_t> positions(x.final_window.positions.begin(), x.final_window.positions.end());
      h5::write_rows<std::int32_t>(a.at("final_positions"), row, 1, positions);
      one("final_history", row, static_cast<std::int32_t>(x.final_window.history));
    }
    for (const auto& [point, point_labels] : labels) {
      std::vector<std::int64_t> rows(static_cast<std::size_t>(starts_), -1);
      for (std::size_t s = 0; s < point_labels.size() && s < rows.size(); ++s)
        if (point_labels[s] >= 0) rows[s] = first[static_cast<std::size_t>(point)] + point_labels[s];
      h5::write_rows<std::int64_t>(a.at("start_attractor"), static_cast<hsize_t>(point), 1, rows);
    }
  });
}

void SweepFile::close(mpi::Monitor& monitor) {
  monitor.collective([&] {
    datasets_.clear();
    file_.close();
    // As a full disk would: the close ran on every rank, and failed on this one.
    fault::at("file_close");
  });
}

void write_failures(const std::filesystem::path& path, long long points, const std::map<long long, std::string>& errors) {
  h5::File file = h5::File::open(path, h5::Access::read_write);
  if (h5::exists(file, "points/error")) return;
  std::vector<std::string> text(static_cast<std::size_t>(points));
  for (const auto& [index, why] : errors) text[static_cast<std::size_t>(index)] = why;
  h5::write_string_dataset(file, "points/error", text);
  describe_dataset(file, {"points/error", {"point"}, "why the point failed, empty for the others"});
  const bool network = h5::exists(file, "points/size");
  h5::write_attribute(h5::open_dataset(file, "points/error"), "coordinates", point_coordinates(network));
  file.close();
}

}  // namespace attnmf::io
