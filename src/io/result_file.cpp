#include "attnmf/io/result_file.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>

#include "attnmf/analysis/finite_size.hpp"
#include "attnmf/analysis/regime.hpp"
#include "attnmf/model/network.hpp"
#include "attnmf/version.hpp"

namespace attnmf::io {

void write_description(const h5::Handle& file, std::string_view kind, const config::Config& config) {
  h5::write_attribute(file, "kind", kind);
  h5::write_attribute(file, "format_version", static_cast<std::int64_t>(file_format_version));
  h5::write_attribute(file, "software_version", std::string_view(software_version));
  h5::write_attribute(file, "paper", std::string_view("Poc-Lopez & Aguilera, Dynamical Mean-Field Theory of Self-Attention "
                                                      "Neural Networks (arXiv:2406.07247)"));
  for (const auto& [key, value] : config.key_values()) h5::write_attribute(file, key, std::string_view(value));
}

std::vector<std::pair<std::string, std::string>> read_configuration(const h5::Handle& file) {
  std::vector<std::pair<std::string, std::string>> result;
  for (const std::string& name : h5::attribute_names(file)) {
    if (name.find('.') == std::string::npos) continue;  // configuration keys are section.key
    result.emplace_back(name, h5::read_attribute<std::string>(file, name));
  }
  return result;
}

void write_model(const h5::Handle& file, const model::Weights& weights) {
  const auto M = static_cast<hsize_t>(weights.features);
  const auto J = static_cast<hsize_t>(1) << (weights.features - 1);
  const auto P = static_cast<hsize_t>(weights.positional_bits);
  for (int f = 0; f < 4; ++f) {
    const auto feature = static_cast<model::Feature>(f);
    const std::string name = model::feature_names[f];
    const auto table = weights.table(feature);
    h5::Handle t = h5::create_dataset<double>(file, "model/tables/" + name, {J, M});
    h5::write_all<double>(t, table);
    const auto pe = weights.positional_weights(feature);
    h5::Handle p = h5::create_dataset<double>(file, "model/positional_weights/" + name, {M, P});
    h5::write_all<double>(p, pe);
  }
  h5::Handle tables = h5::open_group(file, "model/tables");
  h5::write_attribute(tables, "description",
                      std::string_view("K^alpha[sigma_j][a] of the mean-field map; row j is the sign vector sigma_j "
                                       "with sigma_j[0]=+1 and sigma_j[1..M-1] the binary digits of j, most "
                                       "significant first, digit 0 -> +1"));
}

void write_window(const h5::Handle& file, std::string_view path, const model::Window& window) {
  const std::string base(path);
  h5::Handle attention = h5::create_dataset<double>(
      file, base + "/attention", {static_cast<hsize_t>(window.context), static_cast<hsize_t>(window.features)});
  h5::write_all<double>(attention, window.attention);
  std::vector<std::int32_t> positions(window.positions.begin(), window.positions.end());
  h5::Handle p = h5::create_dataset<std::int32_t>(file, base + "/positions", {static_cast<hsize_t>(window.context)});
  h5::write_all<std::int32_t>(p, positions);
  h5::Handle group = h5::open_group(file, base);
  h5::write_attribute(group, "history", static_cast<std::int64_t>(window.history));
  h5::write_attribute(group, "description",
                      std::string_view("context window, newest first: attention A_{t-1-d} and the position of "
                                       "slot d; history = slots after the newest that hold a token"));
}

model::Window read_window(const h5::Handle& file, std::string_view path) {
  const std::string base(path);
  h5::Handle attention = h5::open_dataset(file, base + "/attention");
  const auto shape = h5::dims(attention);
  model::Window w;
  w.context = static_cast<int>(shape.at(0));
  w.features = static_cast<int>(shape.at(1));
  w.attention = h5::read_all<double>(attention);
  const auto positions = h5::read_all<std::int32_t>(h5::open_dataset(file, base + "/positions"));
  w.positions.assign(positions.begin(), positions.end());
  w.history = static_cast<int>(h5::read_attribute<std::int64_t>(h5::open_group(file, base), "history"));
  return w;
}

std::string utc_now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

void write_provenance(const h5::Handle& file, const Provenance& provenance) {
  h5::Handle group = h5::exists(file, "provenance") ? h5::open_group(file, "provenance") : h5::create_group(file, "provenance");
  h5::write_attribute(group, "host", std::string_view(host_name()));
  h5::write_attribute(group, "command_line", std::string_view(provenance.command_line));
  h5::write_attribute(group, "started", std::string_view(provenance.started));
  h5::write_attribute(group, "finished", std::string_view(utc_now_iso8601()));
  h5::write_attribute(group, "wall_seconds", provenance.wall_seconds);
  h5::write_attribute(group, "hdf5_version", std::string_view(h5::hdf5_library_version()));
  for (const auto& [name, value] : provenance.figures) h5::write_attribute(group, name, value);
  for (const auto& [name, value] : provenance.labels) h5::write_attribute(group, name, std::string_view(value));
}

void write_regime_names(const h5::Handle& dataset) {
  std::vector<std::int64_t> codes;
  std::vector<std::string> names;
  for (const analysis::RegimeName& r : analysis::kRegimes) {
    codes.push_back(analysis::code(r.regime));
    names.emplace_back(r.name);
  }
  h5::write_attribute(dataset, "codes", std::span<const std::int64_t>(codes));
  h5::write_attribute(dataset, "names", std::span<const std::string>(names));
}

std::string write_code_names(const h5::Handle& dataset, std::span<const std::string_view> names) {
  std::string legend;
  std::vector<std::int64_t> codes;
  std::vector<std::string> texts;
  for (std::size_t code = 0; code < names.size(); ++code) {
    legend += (code ? ", " : "") + std::to_string(code) + " " + std::string(names[code]);
    codes.push_back(static_cast<std::int64_t>(code));
    texts.emplace_back(names[code]);
  }
  h5::write_attribute(dataset, "codes", std::span<const std::int64_t>(codes));
  h5::write_attribute(dataset, "names", std::span<const std::string>(texts));
  return legend;
}

void write_network_description(const h5::Handle& file, const config::Config& config) {
  const h5::Handle group = h5::open_group(file, "network");
  h5::write_attribute(group, "replicas", static_cast<std::int64_t>(config.network.replicas));
  h5::write_attribute(group, "algorithm", config::to_string(config.network.algorithm));
  h5::write_attribute(group, "seed", static_cast<std::int64_t>(config.network.seed));
  h5::write_attribute(group, "description",
                      std::string_view("the finite network of N semantic bits (docs/network.md), network.replicas noise "
                                       "realisations, each compared with the mean-field map at the same point "
                                       "(reference/): distance by distance_kind (fixed point: rms distance of m^o_se "
                                       "from it; orbit: rms distance of m^o_se to the nearest orbit point; "
                                       "distribution: Wasserstein-1 distance of the m^o_se,0 samples; -1: none), "
                                       "tracking = the fraction of steps that follow the orbit; recognised: an orbit "
                                       "when tracking >= 0.9, a fixed point when |bias| <= |deviation|, a "
                                       "distribution when its distance is <= 0.1 of the reference's standard "
                                       "deviation; mean, deviation, bias [replica][feature] of m^o_se (bias: mean "
                                       "minus the reference's mean)"));
  if (h5::exists(file, "network/algorithm"))
    write_code_names(h5::open_dataset(file, "network/algorithm"), model::kNetworkAlgorithmNames);
  write_code_names(h5::open_dataset(file, "network/distance_kind"), analysis::kDistanceKindNames);
  write_regime_names(h5::open_dataset(file, "network/reference/regime"));
}

}  // namespace attnmf::io
