// The table of configuration keys: the one place where a key is named, typed, bounded and described.
// Its default is its member's initialiser in config.hpp (or model/parameters.hpp), so that a Config
// built in code and a parsed one start from the same values; docs/configuration.md describes the
// same keys, and tests/config/test_keys.cpp checks that it does.
#include "attnmf/config/keys.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <stdexcept>
#include <type_traits>

#include "attnmf/dynamics/engine.hpp"

namespace attnmf::config {

namespace {

using model::CorrelationMode;
using model::ModelParameters;
using model::WeightParameters;

// ---------------------------------------------------------------------------------------------
// What an entry is made of.

// The member at the end of a path of pointers to members (&Config::model, &ModelParameters::beta),
// in a Config or a const one.
template <class... Members>
auto at(Members... path) {
  return [=](auto& config) -> auto& { return (config .* ... .* path); };
}

template <class Access>
using member_type = std::remove_cvref_t<std::invoke_result_t<Access, Config&>>;

// No upper limit but that of the member's type, which integer() puts in.
constexpr long long unbounded = std::numeric_limits<long long>::max();
constexpr IntegerRange at_least(long long min) { return {min, unbounded}; }

template <class Access>
IntegerKey integer(Access member, IntegerRange range) {
  using T = member_type<Access>;
  constexpr long long type_max = static_cast<long long>(std::numeric_limits<T>::max());
  if (range.max == unbounded) range.max = type_max;
  // A range the member cannot hold would let a checked value wrap around when it is stored.
  if (range.min < static_cast<long long>(std::numeric_limits<T>::min()) || range.max > type_max)
    throw std::logic_error("attnmf::config: a key's range exceeds its member's type");
  return {range, [member](const Config& c) { return static_cast<long long>(member(c)); },
          [member](Config& c, long long value) { member(c) = static_cast<T>(value); }};
}

// An integer member that also takes one word, which it holds as a value outside the range, so that
// no integer the user writes can mean the word.
template <class Access>
IntegerKey integer_or_word(Access member, IntegerRange range, IntegerKey::Word word) {
  IntegerKey key = integer(member, range);
  if (key.range.contains(word.value))
    throw std::logic_error("attnmf::config: a key's word stands for a value within its range");
  key.word = std::move(word);
  return key;
}

const RealRange unit_interval{0.0, false, 1.0};
const RealRange non_negative{0.0, false, std::nullopt};
const RealRange positive{0.0, true, std::nullopt};

template <class Access>
RealKey real(Access member, RealRange range) {
  return {range, [member](const Config& c) { return member(c); }, [member](Config& c, double value) { member(c) = value; }};
}

// An enum member: its names are those of to_string(), in the order given here.
template <class Access, class Enum>
ChoiceKey choice(Access member, std::initializer_list<Enum> values) {
  std::vector<std::string> names;
  for (const Enum value : values) names.emplace_back(to_string(value));
  return {names, [member](const Config& c) { return std::string(to_string(member(c))); },
          [member, all = std::vector<Enum>(values)](Config& c, const std::string& name) {
            for (const Enum value : all)
              if (to_string(value) == name) member(c) = value;
          }};
}

// A string member holding one of `names`.
template <class Access>
ChoiceKey choice(Access member, std::vector<std::string> names) {
  return {std::move(names), [member](const Config& c) { return member(c); },
          [member](Config& c, const std::string& name) { member(c) = name; }};
}

template <class Access>
PathKey path(Access member, bool relative_to_config_file) {
  return {relative_to_config_file, [member](const Config& c) { return member(c); },
          [member](Config& c, std::filesystem::path value) { member(c) = std::move(value); }};
}

template <class Access>
GridKey grid(Access member, std::string follows) {
  return {std::move(follows), [member](const Config& c) { return member(c); },
          [member](Config& c, Grid value) { member(c) = std::move(value); }};
}

// ---------------------------------------------------------------------------------------------
// Allowed values that depend on other code.

constexpr std::initializer_list<CorrelationMode> correlation_modes = {
    CorrelationMode::segments, CorrelationMode::weights, CorrelationMode::gaussian, CorrelationMode::uniform};

// Grouped by limit and read from model::max_features, so that the help follows the model's limits.
std::string features_allowed() {
  std::map<int, std::vector<std::string_view>, std::greater<>> modes_by_limit;
  for (const CorrelationMode mode : correlation_modes)
    modes_by_limit[model::max_features(mode)].push_back(model::to_string(mode));
  std::string text = "an integer >= 1; at most";
  bool first = true;
  for (const auto& [limit, modes] : modes_by_limit) {
    text += first ? " " : ", ";
    text += std::to_string(limit) + (first ? " with weights.correlations = " : " with ");
    for (std::size_t i = 0; i < modes.size(); ++i) {
      if (i > 0) text += " or ";
      text += modes[i];
    }
    first = false;
  }
  return text;
}

// run.simd_kernel's values: auto, then the instruction sets the simd engines are built for.
std::vector<std::string> simd_kernels() {
  std::vector<std::string> kernels{"auto"};
  for (const std::string& set : dynamics::known_instruction_sets()) kernels.push_back(set);
  return kernels;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The sections and keys, in the order of key_values() and of the help text. That order is part of
// every result file (and --resume compares it): append new keys to their section, never reorder.

const std::vector<Section>& sections() {
  static const std::vector<Section> table = {
      {"model", "the network and its mean-field map"},
      {"weights", "the seeded draw of the weight matrices"},
      {"init", "how every trajectory starts"},
      {"run", "the length of every trajectory"},
      {"sweep", "the grid of parameter points"},
      {"continuation", "chains along beta (sweep.mode = continuation)"},
      {"attractors", "how the starts of a point are grouped into attractors"},
      {"analysis", "what is recorded and computed at every point"},
      {"output", "the result file"},
      {"parallel", "compute resources"},
      {"network", "the finite network (run.engine = network)"},
  };
  return table;
}

// Limits that are other keys (model.context <= 2^model.positional_bits, ...) are written in
// `allowed` and checked with the other combinations, in config.cpp's check_combinations().
const std::vector<Key>& keys() {
  static const std::vector<Key> table = {
      {.name = "model.features",
       .binds = integer(at(&Config::model, &ModelParameters::features), at_least(1)),
       .meaning = "M, the number of features (columns of every weight matrix).",
       .allowed = features_allowed()},
      {.name = "model.context",
       .binds = integer(at(&Config::model, &ModelParameters::context), at_least(1)),
       .meaning = "L, the context window: how many past attention vectors the head attends to.",
       .allowed = "an integer from 1 to 2^model.positional_bits"},
      {.name = "model.positional_bits",
       .binds = integer(at(&Config::model, &ModelParameters::positional_bits), {1, 20}),
       .meaning = "P, the positional bits of every token; positions count 0..L-1 cyclically."},
      {.name = "model.semantic_bits",
       .binds = integer(at(&Config::model, &ModelParameters::semantic_bits), at_least(1)),
       .meaning = "N_se, the semantic bits used to draw the weights."},
      {.name = "model.epsilon",
       .binds = real(at(&Config::model, &ModelParameters::epsilon), unit_interval),
       .meaning = "epsilon, the weight of the positional part of every mean field."},
      {.name = "model.beta",
       .binds = real(at(&Config::model, &ModelParameters::beta), non_negative),
       .meaning = "beta, the output inverse temperature (the paper's bifurcation parameter)."},
      {.name = "model.gamma",
       .binds = real(at(&Config::model, &ModelParameters::gamma), non_negative),
       .meaning = "gamma, the attention gain before the 1/sqrt(M) normalisation: the scores use gamma/sqrt(M)."},

      {.name = "weights.seed",
       .binds = integer(at(&Config::model, &ModelParameters::weights, &WeightParameters::seed),
                        {0, std::numeric_limits<std::uint32_t>::max()}),
       .meaning = "Seed of the MT19937 stream the weights are drawn from (numpy RandomState compatible)."},
      {.name = "weights.correlations",
       .binds = choice(at(&Config::model, &ModelParameters::weights, &WeightParameters::correlations),
                       correlation_modes),
       .meaning = "How the weight statistics are made. segments: every feature row is made of constant +-1 "
                  "segments (the paper's setting); weights: the correlations of the random weights themselves; "
                  "gaussian: pair correlations drawn from a clipped normal distribution; uniform: pair "
                  "correlations as products of uniform means."},
      {.name = "weights.segments",
       .binds = integer(at(&Config::model, &ModelParameters::weights, &WeightParameters::segments), at_least(1)),
       .meaning = "Constant segments per feature row (weights.correlations = segments).",
       .allowed = "an integer from 1 to model.semantic_bits"},
      {.name = "weights.gaussian_scale",
       .binds = real(at(&Config::model, &ModelParameters::weights, &WeightParameters::gaussian_scale), positive),
       .meaning = "Scale of the drawn pair correlations (weights.correlations = gaussian)."},

      {.name = "init.mode",
       .binds = choice(at(&Config::init, &InitConfig::mode), {InitConfig::Mode::checkpoint, InitConfig::Mode::token}),
       .meaning = "checkpoint: start from the attention window stored in init.checkpoint; token: start from row "
                  "init.token of W^o, the window growing by one slot per step until it holds L."},
      {.name = "init.checkpoint",
       .binds = path(at(&Config::init, &InitConfig::checkpoint), /*relative_to_config_file=*/true),
       .meaning = "The window file (format of jobs/paper_checkpoint_window.txt, described in docs/file-format.md), "
                  "needed when init.mode = checkpoint. A relative path is relative to the config file's directory "
                  "when it is given in a config file, to the current directory when it is given on the command "
                  "line.",
       .allowed = "the path of a readable file",
       .default_note = "(none)"},
      {.name = "init.token",
       .binds = integer(at(&Config::init, &InitConfig::token), at_least(0)),
       .meaning = "Which row of W^o is the initial token (init.mode = token).",
       .allowed = "an integer from 0 to model.features - 1"},
      {.name = "init.starts",
       .binds = integer(at(&Config::init, &InitConfig::starts), {1, 4096}),
       .meaning = "attnmf sweep: trajectories per grid point, grouped into the attractors they reach "
                  "(docs/attractors.md). Start 0 is the configured initial condition (in a continuation, the "
                  "chain's); the others start from windows drawn uniformly from [-1, 1) by a generator of "
                  "(weights.seed, point, start) alone. /points holds start 0; /starts and /attractors all of them.",
       .allowed = "an integer from 1 to 4096; at least 2 with continuation.direction = both",
       .default_note = "1, or 2 with continuation.direction = both",
       .only_for = Command::sweep},

      {.name = "run.steps",
       .binds = integer(at(&Config::run, &RunConfig::steps), at_least(1)),
       .meaning = "Steps of the map per point, the transient included."},
      {.name = "run.transient",
       .binds = integer(at(&Config::run, &RunConfig::transient), at_least(0)),
       .meaning = "Steps discarded before anything is recorded.",
       .allowed = "an integer from 0 to run.steps - 1"},
      {.name = "run.engine",
       .binds = choice(at(&Config::run, &RunConfig::engine),
                       {RunConfig::Engine::simd, RunConfig::Engine::scalar, RunConfig::Engine::network}),
       .meaning = "What integrates the points. simd (attnmf sweep): 16 points at a time in the CPU's vector lanes "
                  "(the instruction set of run.simd_kernel), several times faster; scalar: one point at a time with "
                  "the arithmetic of the authors' implementation operation by operation. The two differ by rounding "
                  "(under 1e-13 per step); a point's numbers never depend on the rank, thread or lane that computed "
                  "it. network: not the mean-field map but the finite network of network.size semantic bits, each "
                  "token drawn bit by bit, network.replicas noise realisations per point, compared with the "
                  "mean-field map at the same point (docs/network.md). attnmf trajectory uses the scalar engine "
                  "unless run.engine = network.",
       .allowed = "simd, scalar or network; with network, init.starts = 1, sweep.mode = grid and no Lyapunov "
                  "exponents of the network (analysis.lyapunov applies to its mean-field reference)"},
      // Not compared on --resume: what it resolves to (auto: the CPUs') is what matters, and the sweep
      // records that itself (sweep::kernel_manifest_key).
      {.name = "run.simd_kernel",
       .binds = choice(at(&Config::run, &RunConfig::simd_kernel), simd_kernels()),
       .meaning = "The instruction set of the simd engine's kernel. auto: the best that every rank's CPU runs "
                  "(AVX-512, then AVX2, then SSE2), or, with --resume, the kernel that started the sweep. The "
                  "kernels round differently, so one sweep is computed by one kernel throughout: its journal and "
                  "/provenance/engine name it, and --resume with another is refused. ATTNMF_SIMD_LIMIT=avx2 (or "
                  "sse2) in a rank's environment makes it act as a CPU without the better sets.",
       .affects_results = false,
       .only_for = Command::sweep},

      {.name = "sweep.beta",
       .binds = grid(at(&Config::sweep, &SweepConfig::beta), "model.beta"),
       .meaning = "The beta values of the grid.",
       .allowed = "a value (1.27), a comma-separated list (1.255,1.26405,1.27) or start:stop:count, count values "
                  "from start to stop with both ends included (0:3:4001); every value >= 0",
       .default_note = "the value of model.beta",
       .only_for = Command::sweep},
      {.name = "sweep.gamma",
       .binds = grid(at(&Config::sweep, &SweepConfig::gamma), "model.gamma"),
       .meaning = "The gamma values of the grid.",
       .allowed = "a value, a list or start:stop:count, as for sweep.beta; every value >= 0",
       .default_note = "the value of model.gamma",
       .only_for = Command::sweep},
      {.name = "sweep.epsilon",
       .binds = grid(at(&Config::sweep, &SweepConfig::epsilon), "model.epsilon"),
       .meaning = "The epsilon values of the grid.",
       .allowed = "a value, a list or start:stop:count, as for sweep.beta; every value in [0, 1]",
       .default_note = "the value of model.epsilon",
       .only_for = Command::sweep},
      {.name = "sweep.mode",
       .binds = choice(at(&Config::sweep, &SweepConfig::mode), {SweepConfig::Mode::grid, SweepConfig::Mode::continuation}),
       .meaning = "grid: every point computed on its own; continuation: along the beta axis of every (gamma, "
                  "epsilon) row, each point starts from the final window of its neighbour in the chain "
                  "(continuation.*; docs/attractors.md).",
       .only_for = Command::sweep},
      {.name = "sweep.size",
       .binds = grid(at(&Config::sweep, &SweepConfig::size), "network.size"),
       .meaning = "The network sizes N of the grid (run.engine = network): a fourth axis, the slowest, so that a "
                  "finite-size study of many N and beta is one sweep into one file.",
       .allowed = "a value, a list or start:stop:count, as for sweep.beta; every value a multiple of "
                  "model.semantic_bits, as network.size; more than one only with run.engine = network",
       .default_note = "the value of network.size",
       .only_for = Command::sweep},

      {.name = "continuation.from",
       .binds = real(at(&Config::continuation, &ContinuationConfig::from), non_negative),
       .meaning = "Where the chains start on the beta axis: the grid beta nearest this value starts from the "
                  "configured initial condition with run.transient steps, and so does the row's end that a chain "
                  "reaches first from the other side (docs/attractors.md).",
       .allowed = "a beta within the range of sweep.beta",
       .default_note = "0, which a continuation reads as the lowest beta of sweep.beta",
       .only_for = Command::sweep},
      {.name = "continuation.direction",
       .binds = choice(at(&Config::continuation, &ContinuationConfig::direction),
                       {ContinuationConfig::Direction::up, ContinuationConfig::Direction::down,
                        ContinuationConfig::Direction::both}),
       .meaning = "up: every point starts from its lower neighbour's final window; down: from its upper "
                  "neighbour's; both: start 0 as up and start 1 as down, so that hysteresis shows as the two "
                  "starts of a point on different attractors.",
       .only_for = Command::sweep},
      {.name = "continuation.transient",
       .binds = integer(at(&Config::continuation, &ContinuationConfig::transient), at_least(0)),
       .meaning = "Steps before the recording of a point continued from its neighbour (the chain's first points "
                  "use run.transient); the recording is run.steps - run.transient steps as everywhere.",
       .only_for = Command::sweep},

      {.name = "attractors.periodic_tolerance",
       .binds = real(at(&Config::attractors, &AttractorConfig::periodic_tolerance), positive),
       .meaning = "Two periodic starts are on one attractor when their periods agree and, at the best phase, "
                  "their last period of m^o_se agrees within this max-norm distance.",
       .only_for = Command::sweep},
      {.name = "attractors.tolerance",
       .binds = real(at(&Config::attractors, &AttractorConfig::tolerance), positive),
       .meaning = "Two aperiodic starts of the same regime are on one attractor when attractors.cover_fraction of "
                  "each one's samples lie within this max-norm distance of a sample of the other.",
       .only_for = Command::sweep},
      {.name = "attractors.cover_fraction",
       .binds = real(at(&Config::attractors, &AttractorConfig::cover_fraction), RealRange{0.0, true, 1.0}),
       .meaning = "See attractors.tolerance.",
       .only_for = Command::sweep},

      {.name = "analysis.samples",
       .binds = integer(at(&Config::analysis, &AnalysisConfig::samples), at_least(0)),
       .meaning = "Values of m^o_se recorded per point after the transient.",
       .allowed = "an integer from 0 to run.steps - run.transient"},
      {.name = "analysis.lyapunov",
       .binds = integer(at(&Config::analysis, &AnalysisConfig::lyapunov), at_least(0)),
       .meaning = "How many of the largest Lyapunov exponents to compute; 0 computes none.",
       .allowed = "an integer from 0 to model.features * model.context (the dimension of the attention window)",
       .default_note = "3, or M*L when that is smaller"},
      {.name = "analysis.lyapunov_trace",
       .binds = integer(at(&Config::analysis, &AnalysisConfig::lyapunov_trace), at_least(0)),
       .meaning = "attnmf trajectory: record the running Lyapunov estimates every this many recorded steps "
                  "(/analysis/lyapunov_trace), to judge their convergence; 0 records none.",
       .only_for = Command::trajectory},
      {.name = "analysis.section_feature",
       .binds = integer(at(&Config::analysis, &AnalysisConfig::section_feature), at_least(0)),
       .meaning = "The Poincare section is m^o_se[section_feature] = 0 (the paper's section: feature 1 near 0).",
       .allowed = "an integer from 0 to model.features - 1",
       .default_note = "1, or 0 when model.features = 1"},
      {.name = "analysis.section_tolerance",
       .binds = real(at(&Config::analysis, &AnalysisConfig::section_tolerance), positive),
       .meaning = "Steps with |m^o_se[section_feature]| below this belong to the paper's section."},
      {.name = "analysis.section_max",
       .binds = integer(at(&Config::analysis, &AnalysisConfig::section_max), {0, 1'000'000}),
       .meaning = "Section points and interpolated crossings kept per point (all are counted)."},
      {.name = "analysis.period_max",
       .binds = integer(at(&Config::analysis, &AnalysisConfig::period_max), {1, 1'000'000}),
       .meaning = "Longest period looked for by exact recurrence of the window state."},
      {.name = "analysis.period_tolerance",
       .binds = real(at(&Config::analysis, &AnalysisConfig::period_tolerance), positive),
       .meaning = "Max-norm distance under which two window states count as the same."},
      {.name = "analysis.count_resolution",
       .binds = real(at(&Config::analysis, &AnalysisConfig::count_resolution), positive),
       .meaning = "Resolution of the paper's counting classifier: distinct values of m^o_se at this resolution."},

      // Where the result goes and how many threads compute it change no number in it: a resumed sweep
      // may change them.
      {.name = "output.file",
       .binds = path(at(&Config::output, &OutputConfig::file), /*relative_to_config_file=*/false),
       .meaning = "The HDF5 file written. A relative path is relative to the current directory.",
       .allowed = "a path",
       .default_note = "(required)",
       .affects_results = false},
      {.name = "output.sample_precision",
       .binds = choice(at(&Config::output, &OutputConfig::sample_precision),
                       {OutputConfig::SamplePrecision::float64, OutputConfig::SamplePrecision::float32}),
       .meaning = "How the sweep file stores the recorded samples (/points/samples, /attractors/samples, "
                  "/network/reference/samples): float64, or float32 for half the bytes (each value rounded by at "
                  "most a relative 6e-8). The analysis always runs on the engine's doubles; only the stored copy "
                  "is rounded. The file records the choice in its output.sample_precision attribute.",
       .only_for = Command::sweep},
      {.name = "output.sample_compression",
       .binds = choice(at(&Config::output, &OutputConfig::sample_compression),
                       {OutputConfig::SampleCompression::deflate, OutputConfig::SampleCompression::none}),
       .meaning = "How the sweep file stores /points/samples, /points/section and /points/crossings: deflate, one "
                  "chunk per point through HDF5's shuffle and deflate filters (every HDF5 reader decodes them; Fig. "
                  "3a's 2.1 GB file takes 0.55 GB), or none, contiguous and uncompressed. The values read back are "
                  "the same.",
       .affects_results = false,
       .only_for = Command::sweep},

      {.name = "parallel.threads_per_rank",
       .binds = integer_or_word(at(&Config::parallel, &ParallelConfig::threads_per_rank),
                                {1, ParallelConfig::max_threads_per_rank}, {"auto", ParallelConfig::threads_auto}),
       .meaning = "Compute threads per MPI rank. auto: as many as the rank's CPU affinity holds (what mpirun's "
                  "binding, srun --cpus-per-task or taskset give it), each rank its own count, at most 256; the "
                  "start line says how many threads that made.",
       .affects_results = false,
       .only_for = Command::sweep},
      {.name = "parallel.block_points",
       .binds = integer(at(&Config::parallel, &ParallelConfig::block_points), {1, 4096}),
       .meaning = "Points in one work unit: the master rank hands out blocks of this many consecutive grid points.",
       .affects_results = false,
       .only_for = Command::sweep},

      {.name = "network.size",
       .binds = integer(at(&Config::network, &NetworkConfig::size), {1, 1LL << 53}),
       .meaning = "N, the semantic bits of the finite network. Its weights are the model.semantic_bits drawn "
                  "columns each repeated N / model.semantic_bits times, so that the weight statistics K^alpha, "
                  "and so the mean-field map it is compared with, are the same at every N (docs/network.md).",
       .allowed = "a multiple of model.semantic_bits, at most 2^53"},
      {.name = "network.replicas",
       .binds = integer(at(&Config::network, &NetworkConfig::replicas), {1, 4096}),
       .meaning = "Independent noise realisations per point: R trajectories of the network from the same start. "
                  "Replica 0 is what /points (a sweep) and /trajectory (attnmf trajectory) hold; /network holds "
                  "every replica's statistics."},
      {.name = "network.algorithm",
       .binds = choice(at(&Config::network, &NetworkConfig::algorithm),
                       {NetworkConfig::Algorithm::automatic, NetworkConfig::Algorithm::direct,
                        NetworkConfig::Algorithm::reduced}),
       .meaning = "How a token is drawn. direct: N bits, one uniform number each, packed 64 to a word, the mean "
                  "fields by popcount; reduced: bits that share their weights in W^o, W^v, W^q and W^k enter only "
                  "through how many of them are +1, one binomial draw per class of them, at a cost independent "
                  "of N. The two agree in distribution, not draw by draw. auto: whichever is estimated faster at "
                  "the point's N (the file records which ran)."},
      {.name = "network.seed",
       .binds = integer(at(&Config::network, &NetworkConfig::seed), at_least(0)),
       .meaning = "The noise: replica r of grid point p draws from a generator seeded by (network.seed, p, r) "
                  "alone, whatever rank, thread or run computes it."},
  };
  return table;
}

const Key* find_key(std::string_view name) {
  const auto& table = keys();
  const auto it = std::find_if(table.begin(), table.end(), [&](const Key& key) { return key.name == name; });
  return it == table.end() ? nullptr : &*it;
}

}  // namespace attnmf::config
