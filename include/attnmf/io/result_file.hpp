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
// configuration key under its own name ("model.beta", …) as text.
void write_description(const h5::Handle& file, std::string_view kind, const config::Config& config);
// The configuration stored by write_description, as key → value text.
std::vector<std::pair<std::string, std::string>> read_configuration(const h5::Handle& file);

// /model/tables/{o,v,q,k} [2^(M−1)][M] and /model/positional_weights/{o,v,q,k} [M][P].
void write_model(const h5::Handle& file, const model::Weights& weights);

// A window under `path`: attention [L][M], positions int32 [L], and a `history` attribute.
void write_window(const h5::Handle& file, std::string_view path, const model::Window& window);
// On a dataset of regime codes: the attributes `codes` and `names` (analysis/regime.hpp), which
// tools read to label the codes.
void write_regime_names(const h5::Handle& dataset);
// The same for a table of codes 0, 1, … named `names` (status, lyapunov_source, starts/origin);
// returns the one-line legend "0 name, 1 name, …" for descriptions.
std::string write_code_names(const h5::Handle& dataset, std::span<const std::string_view> names);
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
