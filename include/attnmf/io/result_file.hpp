#pragma once
// What every attnmf result file holds besides its results: the configuration and versions as root
// attributes, the model's tables under /model, and what legitimately varies between runs under
// /provenance.

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attnmf/config/config.hpp"
#include "attnmf/io/hdf5.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/model/window.hpp"

namespace attnmf::io {

// Root attributes: `kind` ("trajectory" or "sweep"), `format_version`, `software_version`, and every
// configuration key under its own name ("model.beta", …): integer keys as int64, real keys as
// float64, every other key (names, paths, sweep axes such as "0:3:4001") and an integer key's word
// (parallel.threads_per_rank = auto) as text. A sweep file records a key that an axis replaces only
// where the sweep used its value, its axis being that one value.
void write_description(const h5::Handle& file, std::string_view kind, const config::Config& config);
// The model keys a sweep axis replaces (model.beta for sweep.beta, …, network.size for sweep.size):
// in a sweep they only give their axis its default, which the axis key records. Beside a β axis of
// many values a root attribute model.beta = 1.27 would read as the β of every point, so a sweep file
// leaves such a key out unless its axis is its one value (a β sweep keeps model.gamma = 220).
bool replaced_by_sweep_axis(std::string_view key);
// The configuration stored by write_description, as key → value text: the text Config::key_values()
// gives for the same values, numbers included, so that the two compare equal (and the same for
// files of format 1, whose values are all text).
std::vector<std::pair<std::string, std::string>> read_configuration(const h5::Handle& file);

// /model/tables/{o,v,q,k} [2^(M−1)][M] and /model/positional_weights/{o,v,q,k} [M][P].
void write_model(const h5::Handle& file, const model::Weights& weights);

// A window under `path`: attention [L][M], positions int32 [L], and a `history` attribute.
void write_window(const h5::Handle& file, std::string_view path, const model::Window& window);
// On a dataset of codes: the attributes `codes` (i64) and `names` (strings), which attnmf-plot reads
// to label them, and the same table as CF's `flag_values` (in the dataset's own type) and
// `flag_meanings` (the names joined by spaces, with spaces and hyphens inside a name made
// underscores: "fixed_point quasi_periodic 2_torus"), which netCDF tools know.
void write_codes(const h5::Handle& dataset, std::span<const std::int64_t> codes, std::span<const std::string_view> names);
// write_codes with the regimes of analysis/regime.hpp.
void write_regime_names(const h5::Handle& dataset);
// write_codes with codes `first`, `first` + 1, … named `names` (status, lyapunov_source,
// starts/origin); returns the one-line legend "0 name, 1 name, …" for descriptions.
std::string write_code_names(const h5::Handle& dataset, std::span<const std::string_view> names, std::int64_t first = 0);

// What netCDF readers need to open a group in one line (xarray.open_dataset(path, group=...,
// engine="h5netcdf")): every axis of every dataset labelled by a dimension scale, and what each
// dataset holds. In a sweep file, opened by every rank, every rank makes these calls alike.
//
// Creates the dataset `path` as a dimension scale of the given int64 values (an axis without values
// of its own gets its indexes 0, 1, …), named after the dataset and described by `description`.
void write_scale(const h5::Handle& file, std::string_view path, std::span<const std::int64_t> values,
                 std::string_view description);
// The indexes 0 … size − 1.
void write_index_scale(const h5::Handle& file, std::string_view path, hsize_t size, std::string_view description);
// A dataset's dimensions, by the names of their scales, and what it holds.
struct DatasetMetadata {
  std::string_view path;
  std::vector<std::string_view> dimensions;
  std::string_view description;
  std::string_view units = {};
};
// Attaches to each axis of the dataset the scale of that name, looked up as netCDF does: in the
// dataset's group, then in each group above it. Writes `description` and, unless empty, `units`.
// A dataset that does not exist is skipped (an optional one, as lyapunov with k = 0); a scale that
// cannot be found, or a list of dimensions of another length than the dataset's rank, throws
// std::logic_error. A dataset that is a scale itself is its own dimension.
void describe_dataset(const h5::Handle& file, const DatasetMetadata& metadata);
model::Window read_window(const h5::Handle& file, std::string_view path);
// A finite-network file's /network (docs/network.md), once its datasets exist: the group's
// attributes (replicas, algorithm, seed, what the datasets mean) and the code tables of
// /network/algorithm, /network/distance_kind and /network/reference/regime.
void write_network_description(const h5::Handle& file, const config::Config& config);

// /provenance attributes: host, user-visible command line, start and end time, library versions.
struct Provenance {
  std::string command_line;
  std::string started;  // ISO 8601, UTC
  double wall_seconds = 0.0;
  std::vector<std::pair<std::string, double>> figures;  // e.g. steps_per_second
  std::vector<std::pair<std::string, std::string>> labels;  // e.g. the engine and its instruction set
};
void write_provenance(const h5::Handle& file, const Provenance& provenance);

std::string utc_now_iso8601();
std::string host_name();

}  // namespace attnmf::io
