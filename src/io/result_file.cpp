#include "attnmf/io/result_file.hpp"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <variant>

#include "attnmf/analysis/finite_size.hpp"
#include "attnmf/analysis/regime.hpp"
#include "attnmf/config/keys.hpp"
#include "attnmf/model/network.hpp"
#include "attnmf/version.hpp"

namespace attnmf::io {
namespace {

// One configuration key as a root attribute, in the type of its value.
struct WriteKey {
  const h5::Handle& file;
  const config::Key& key;
  const config::Config& config;
  void operator()(const config::IntegerKey& b) const {
    const long long value = b.get(config);
    if (b.word && value == b.word->value) h5::write_attribute(file, key.name, std::string_view(b.word->name));
    else h5::write_attribute(file, key.name, static_cast<std::int64_t>(value));
  }
  void operator()(const config::RealKey& b) const { h5::write_attribute(file, key.name, b.get(config)); }
  // Names, paths and sweep axes: an axis keeps its start:stop:count form, which says more than its
  // 4001 numbers (those are /grid's).
  void operator()(const auto&) const { h5::write_attribute(file, key.name, std::string_view(config::value_text(key, config))); }
};

// The shortest text that reads back as the same double, which is how Config::key_values() writes
// a real key (std::to_chars without a format is exactly that).
std::string shortest_text(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace

namespace {

// The sweep axis that replaces `key` (sweep.beta's binding for model.beta, …), or null.
const config::GridKey* replacing_axis(std::string_view key) {
  for (const config::Key& k : config::keys())
    if (const auto* axis = std::get_if<config::GridKey>(&k.binds); axis && axis->follows == key) return axis;
  return nullptr;
}

// Whether a sweep file records `key`: every key no axis replaces, and a replaced one where the sweep
// used its value, its axis being that one value.
bool sweep_file_records(const config::Key& key, const config::Config& config) {
  const config::GridKey* axis = replacing_axis(key.name);
  if (!axis) return true;
  const std::vector<double> values = axis->get(config).values;
  if (values.size() != 1) return false;
  if (const auto* real = std::get_if<config::RealKey>(&key.binds)) return real->get(config) == values.front();
  if (const auto* integer = std::get_if<config::IntegerKey>(&key.binds))
    return static_cast<double>(integer->get(config)) == values.front();
  return false;
}

}  // namespace

bool replaced_by_sweep_axis(std::string_view key) { return replacing_axis(key) != nullptr; }

void write_description(const h5::Handle& file, std::string_view kind, const config::Config& config) {
  h5::write_attribute(file, "kind", kind);
  h5::write_attribute(file, "format_version", static_cast<std::int64_t>(file_format_version));
  h5::write_attribute(file, "software_version", std::string_view(software_version));
  h5::write_attribute(file, "paper", std::string_view("Poc-Lopez & Aguilera, Dynamical Mean-Field Theory of Self-Attention "
                                                      "Neural Networks (arXiv:2406.07247)"));
  for (const config::Key& key : config::keys()) {
    if (kind == "sweep" && !sweep_file_records(key, config)) continue;
    std::visit(WriteKey{file, key, config}, key.binds);
  }
}

std::vector<std::pair<std::string, std::string>> read_configuration(const h5::Handle& file) {
  std::vector<std::pair<std::string, std::string>> result;
  for (const std::string& name : h5::attribute_names(file)) {
    if (name.find('.') == std::string::npos) continue;  // configuration keys are section.key
    switch (h5::attribute_type(file, name)) {
      case h5::AttributeType::integer:
        result.emplace_back(name, std::to_string(h5::read_attribute<std::int64_t>(file, name)));
        break;
      case h5::AttributeType::real: result.emplace_back(name, shortest_text(h5::read_attribute<double>(file, name))); break;
      default: result.emplace_back(name, h5::read_attribute<std::string>(file, name));
    }
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
  constexpr std::string_view sign_order = "row j is the sign vector sigma_j with sigma_j[0]=+1 and sigma_j[1..M-1] the "
                                          "binary digits of j, most significant first, digit 0 -> +1";
  h5::Handle tables = h5::open_group(file, "model/tables");
  h5::write_attribute(tables, "description", "K^alpha[sigma_j][a] of the mean-field map; " + std::string(sign_order));
  write_index_scale(file, "model/feature", M, "feature a = 0 ... M-1");
  write_index_scale(file, "model/tables/sign_vector", J, "j of the sign vector sigma_j: " + std::string(sign_order));
  write_index_scale(file, "model/positional_weights/positional_bit", P, "positional bit i = 0 ... P-1");
  for (const std::string name : {"o", "v", "q", "k"}) {
    const std::string table = "K^" + name + "[sigma_j][a], the table of feature " + name + " of the mean-field map ("
                              "docs/model.md section 2)";
    const std::string weight = "W^" + name + "_pe[a][i]: the weight (+1 or -1) of positional bit i on feature a";
    describe_dataset(file, {"model/tables/" + name, {"sign_vector", "feature"}, table});
    describe_dataset(file, {"model/positional_weights/" + name, {"feature", "positional_bit"}, weight});
  }
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

void write_codes(const h5::Handle& dataset, std::span<const std::int64_t> codes, std::span<const std::string_view> names) {
  if (codes.size() != names.size()) throw std::logic_error("write_codes: as many names as codes are needed");
  const std::vector<std::string> texts(names.begin(), names.end());
  std::string meanings;
  for (const std::string& name : texts) {
    std::string word = name;
    for (char& c : word)
      if (c == ' ' || c == '-') c = '_';
    meanings += (meanings.empty() ? "" : " ") + word;
  }
  h5::write_attribute(dataset, "codes", codes);
  h5::write_attribute(dataset, "names", std::span<const std::string>(texts));
  h5::write_attribute_typed_as(dataset, "flag_values", codes, dataset);
  h5::write_attribute(dataset, "flag_meanings", std::string_view(meanings));
}

void write_regime_names(const h5::Handle& dataset) {
  std::vector<std::int64_t> codes;
  std::vector<std::string_view> names;
  for (const analysis::RegimeName& r : analysis::kRegimes) {
    codes.push_back(analysis::code(r.regime));
    names.push_back(r.name);
  }
  write_codes(dataset, codes, names);
}

std::string write_code_names(const h5::Handle& dataset, std::span<const std::string_view> names, std::int64_t first) {
  std::string legend;
  std::vector<std::int64_t> codes;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::int64_t code = first + static_cast<std::int64_t>(i);
    legend += (i ? ", " : "") + std::to_string(code) + " " + std::string(names[i]);
    codes.push_back(code);
  }
  write_codes(dataset, codes, names);
  return legend;
}

void write_scale(const h5::Handle& file, std::string_view path, std::span<const std::int64_t> values,
                 std::string_view description) {
  const h5::Handle scale = h5::create_dataset<std::int64_t>(file, path, {values.size()});
  h5::write_all<std::int64_t>(scale, values);
  const std::string_view name = path.substr(path.rfind('/') + 1);
  h5::make_dimension_scale(scale, name);
  h5::write_attribute(scale, "description", description);
}

void write_index_scale(const h5::Handle& file, std::string_view path, hsize_t size, std::string_view description) {
  std::vector<std::int64_t> indexes(size);
  for (hsize_t i = 0; i < size; ++i) indexes[i] = static_cast<std::int64_t>(i);
  write_scale(file, path, indexes, description);
}

void describe_dataset(const h5::Handle& file, const DatasetMetadata& metadata) {
  const std::string path(metadata.path);
  if (!h5::exists(file, path)) return;
  const h5::Handle dataset = h5::open_dataset(file, path);
  const std::size_t rank = h5::dims(dataset).size();
  if (metadata.dimensions.size() != rank)
    throw std::logic_error("describe_dataset: " + path + " has " + std::to_string(rank) + " dimensions, not the " +
                           std::to_string(metadata.dimensions.size()) + " named");
  if (!h5::is_dimension_scale(dataset)) {
    for (std::size_t axis = 0; axis < rank; ++axis) {
      // netCDF's scoping: a group sees the dimensions of its own and of every group above it.
      const std::string name(metadata.dimensions[axis]);
      std::string group = path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/'));
      std::optional<h5::Handle> scale;
      while (!scale) {
        const std::string candidate = group.empty() ? name : group + "/" + name;
        if (h5::exists(file, candidate)) {
          h5::Handle found = h5::open_dataset(file, candidate);
          if (h5::is_dimension_scale(found)) scale = std::move(found);
        }
        if (scale || group.empty()) break;
        group = group.substr(0, group.rfind('/') == std::string::npos ? 0 : group.rfind('/'));
      }
      if (!scale) throw std::logic_error("describe_dataset: no dimension scale '" + name + "' for " + path);
      h5::attach_dimension_scale(dataset, *scale, static_cast<unsigned>(axis));
    }
  }
  h5::write_attribute(dataset, "description", metadata.description);
  if (!metadata.units.empty()) h5::write_attribute(dataset, "units", metadata.units);
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
  // distance_kind is -1 where no distance applies (and for a pending point).
  std::vector<std::string_view> kinds{"none"};
  kinds.insert(kinds.end(), analysis::kDistanceKindNames.begin(), analysis::kDistanceKindNames.end());
  write_code_names(h5::open_dataset(file, "network/distance_kind"), kinds, -1);
  const std::vector<std::string_view> recognition{"unknown", "not recognised", "recognised"};
  write_code_names(h5::open_dataset(file, "network/recognised"), recognition, -1);
  write_regime_names(h5::open_dataset(file, "network/reference/regime"));
}

}  // namespace attnmf::io
