#pragma once
// The configuration of every attnmf command: the keys of docs/configuration.md, read from an INI file and the
// command line, type-checked and checked for consistency before any work starts.
//
// The members' initialisers are the keys' defaults: the table of keys (keys.hpp, src/config/keys.cpp)
// binds every key to its member here and takes its default from a default-constructed Config.

#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attnmf/model/parameters.hpp"

namespace attnmf::config {

// One axis of a sweep. `spec` is kept so that messages and result files can show what the user wrote.
struct Grid {
  std::vector<double> values;
  std::string spec;
};

// A grid holding `value` alone, its spec the round-trip text of the value.
Grid single_value_grid(double value);

struct InitConfig {
  enum class Mode { checkpoint, token } mode = Mode::checkpoint;
  std::filesystem::path checkpoint;  // already resolved against the config file's directory
  int token = 0;
  // Trajectories per grid point (docs/attractors.md): start 0 is the configured one (or a
  // continuation chain's), the others start from model::random_window.
  int starts = 1;
};
std::string_view to_string(InitConfig::Mode mode);

struct RunConfig {
  long long steps = 1'200'000;
  long long transient = 1'000'000;
  // How a sweep integrates its points: simd, kLanes points at a time in vector lanes (the default:
  // several times faster), or scalar, one point at a time with the arithmetic of the authors'
  // implementation. attnmf trajectory always uses the scalar engine.
  // network: not the mean-field map but the finite network it describes, N semantic bits drawn
  // token by token (NetworkConfig, docs/network.md).
  enum class Engine { simd, scalar, network } engine = Engine::simd;
  // The simd engine's instruction set: "auto" (attnmf sweep resolves it for all its ranks together),
  // "avx512", "avx2" or "sse2".
  std::string simd_kernel = "auto";
};
std::string_view to_string(RunConfig::Engine engine);

// parse() makes an axis that the user did not give follow the model key of the same name; a Config
// built in code starts with the single default value and does not follow later changes of `model`.
struct SweepConfig {
  Grid beta = single_value_grid(model::ModelParameters{}.beta);
  Grid gamma = single_value_grid(model::ModelParameters{}.gamma);
  Grid epsilon = single_value_grid(model::ModelParameters{}.epsilon);
  // grid: every point on its own; continuation: along β, each point starts from its neighbour's
  // final window (ContinuationConfig).
  enum class Mode { grid, continuation } mode = Mode::grid;
  // The network sizes N (run.engine = network): a fourth axis, slowest of all. parse() makes an
  // unset axis the single value of network.size.
  Grid size = single_value_grid(99'000);
};
std::string_view to_string(SweepConfig::Mode mode);

// sweep.mode = continuation (docs/attractors.md): the chains along the β axis of every (γ, ε) row.
struct ContinuationConfig {
  double from = 0.0;  // parse() sets an unset value to the lowest β
  enum class Direction { up, down, both } direction = Direction::up;
  long long transient = 100'000;  // steps before the recording of a continued point
};
std::string_view to_string(ContinuationConfig::Direction direction);

// How the starts of a point are grouped into attractors (analysis/attractors.hpp).
struct AttractorConfig {
  double periodic_tolerance = 1e-6;
  double tolerance = 1e-2;
  double cover_fraction = 0.9;
};

struct AnalysisConfig {
  long long samples = 20'000;       // parse() lowers an unset value to run.steps - run.transient when fewer
  int lyapunov = 3;                 // parse() lowers an unset value to M·L when the window has fewer dimensions
  long long lyapunov_trace = 0;     // trajectory: running estimates every this many steps (0: none)
  int section_feature = 1;          // lowered to 0 when M = 1 and the user did not set it
  double section_tolerance = 1e-3;  // the paper's Poincaré section
  long long section_max = 1000;
  int period_max = 4096;
  double period_tolerance = 1e-9;
  double count_resolution = 2.0 / 5001.0;  // see analysis/point_analysis.hpp
};

struct OutputConfig {
  std::filesystem::path file;
  // How the sweep file stores the recorded samples of m^o_se (/points/samples, /attractors/samples,
  // /network/reference/samples). Every analysis runs on the doubles the engine produced, and the
  // journal keeps them, whichever is chosen: float32 rounds only what the file holds (a relative
  // 6e-8, against the counting classifier's resolution of 1e-3), for half the bytes.
  enum class SamplePrecision { float64, float32 } sample_precision = SamplePrecision::float64;
  // /points/samples chunked one point per chunk through HDF5's shuffle and deflate filters
  // (io/sample_chunks.hpp), or contiguous as files were before.
  enum class SampleCompression { deflate, none } sample_compression = SampleCompression::deflate;
};
std::string_view to_string(OutputConfig::SampleCompression compression);
std::string_view to_string(OutputConfig::SamplePrecision precision);

struct ParallelConfig {
  // The key's `auto`: each rank computes with as many threads as its CPU affinity holds (at most
  // max_threads_per_rank), which it resolves for itself when the sweep starts (sweep/driver.cpp), so
  // that ranks given different CPUs may differ. Outside the key's range, so that no number means it.
  static constexpr int threads_auto = 0;
  static constexpr int max_threads_per_rank = 256;
  int threads_per_rank = 2;  // 1 … max_threads_per_rank, or threads_auto
  int block_points = 16;
};

// run.engine = network (docs/network.md): the finite network of N semantic bits, R independent noise
// realisations per point.
struct NetworkConfig {
  long long size = 99'000;  // N, a multiple of model.semantic_bits
  int replicas = 1;         // R
  // How a token is drawn: bit by bit (direct), one binomial per class of bits sharing their weights
  // (reduced), or whichever is estimated faster at the point's N (auto).
  enum class Algorithm { automatic, direct, reduced } algorithm = Algorithm::automatic;
  long long seed = 1;  // the noise: (seed, point, replica) alone
};
std::string_view to_string(NetworkConfig::Algorithm algorithm);
struct Config {
  model::ModelParameters model;
  InitConfig init;
  RunConfig run;
  SweepConfig sweep;
  ContinuationConfig continuation;
  AttractorConfig attractors;
  AnalysisConfig analysis;
  OutputConfig output;
  ParallelConfig parallel;
  NetworkConfig network;

  // Every key with its resolved value as text, always in the same order ("model.beta" -> "1.27"):
  // what result files store and what two runs compare. Doubles carry 17 significant digits, so
  // parsing the text gives the same double; a grid given as start:stop:count stays in that form.
  // Feeding these pairs back to parse() as --key value gives the same configuration.
  std::vector<std::pair<std::string, std::string>> key_values() const;
};

// False for the keys that cannot change a single number of a result (where the file goes, how many
// threads compute it), which a resumed run may therefore change freely.
bool affects_results(std::string_view key);

// Every problem of a configuration at once, each naming the key, the value and what is allowed.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

enum class Command { trajectory, sweep };
std::string_view to_string(Command command);

struct ParseResult {
  Config config;
  std::set<std::string> flags;  // the extra_flags the user gave, by their long names
};

// Reads the arguments that follow the subcommand name (argv[0] is the first of them, not a program
// name): --config FILE, at most once, an INI file; --section.key VALUE or --section.key=VALUE, which
// win over the file. `extra_flags` are the subcommand's own on/off switches, by name without dashes
// ("resume", "overwrite"); "verbose,v" also accepts "-v", and is reported as "verbose".
// If the user asked for "help" (when that is one of extra_flags), the default configuration is
// returned without reading the config file or checking anything, so that help is reachable from any
// command line. Reads no more than the config file and whether init.checkpoint can be opened; writes
// nothing. Throws ConfigError listing every problem found; std::invalid_argument if an extra flag
// clashes with a key.
ParseResult parse(Command command, int argc, const char* const argv[], const std::set<std::string>& extra_flags = {});

// Every key grouped by section, with its default, meaning and allowed values, and the rules for
// config files and the command line. The caller adds its own switches (extra_flags) to it.
std::string help_text(Command command);

// "1.27", "0.5,1,1.5", or "start:stop:count": count values from start to stop, both included
// (count = 1 gives start). Throws ConfigError naming `key` when the text is none of these.
Grid parse_grid(std::string_view key, std::string_view text);

}  // namespace attnmf::config
