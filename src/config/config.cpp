#include "attnmf/config/config.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>

#include "attnmf/dynamics/engine.hpp"

namespace attnmf::config {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr long long int_max = std::numeric_limits<int>::max();
constexpr long long long_long_max = std::numeric_limits<long long>::max();
constexpr long long seed_max = std::numeric_limits<std::uint32_t>::max();
// No sweep axis can usefully be longer: each point is a trajectory of run.steps steps. The limit
// turns a typo like 0:3:40010000000 into a message instead of an allocation failure.
constexpr long long max_grid_count = 10'000'000;

// run.simd_kernel's values: auto, then the instruction sets the lane kernels are built for.
std::vector<std::string> simd_kernels() {
  std::vector<std::string> kernels{"auto"};
  for (const std::string& set : dynamics::known_instruction_sets()) kernels.push_back(set);
  return kernels;
}
std::string simd_kernels_allowed() {
  std::string text;
  for (const std::string& kernel : simd_kernels()) text += (text.empty() ? "" : ", ") + kernel;
  return text;
}

// ---------------------------------------------------------------------------------------------
// The keys, in the order of key_values() and of the help text.

struct Section {
  std::string_view name;
  std::string_view meaning;
};

const std::vector<Section>& sections() {
  static const std::vector<Section> table = {
      {"model", "the network and its mean-field map"},
      {"weights", "the seeded draw of the weight matrices"},
      {"init", "how every trajectory starts"},
      {"run", "the length of every trajectory"},
      {"sweep", "the grid of parameter points"},
      {"analysis", "what is recorded and computed at every point"},
      {"output", "the result file"},
      {"parallel", "compute resources"},
  };
  return table;
}

struct KeySpec {
  std::string name;
  std::string meaning;
  std::string allowed;
  std::string default_text;  // empty: the value of a default-constructed Config
};

// Grouped by limit and read from model::max_features, so that the help follows the model's limits.
std::string features_allowed() {
  using model::CorrelationMode;
  std::map<int, std::vector<std::string_view>, std::greater<>> modes_by_limit;
  for (const CorrelationMode mode :
       {CorrelationMode::segments, CorrelationMode::weights, CorrelationMode::gaussian, CorrelationMode::uniform})
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

const std::vector<KeySpec>& keys() {
  static const std::vector<KeySpec> table = {
      {"model.features", "M, the number of features (columns of every weight matrix).", features_allowed(), ""},
      {"model.context", "L, the context window: how many past attention vectors the head attends to.",
       "an integer from 1 to 2^model.positional_bits", ""},
      {"model.positional_bits", "P, the positional bits of every token; positions count 0..L-1 cyclically.",
       "an integer from 1 to 20", ""},
      {"model.semantic_bits", "N_se, the semantic bits used to draw the weights.", "an integer >= 1", ""},
      {"model.epsilon", "epsilon, the weight of the positional part of every mean field.", "a real number in [0, 1]",
       ""},
      {"model.beta", "beta, the output inverse temperature (the paper's bifurcation parameter).",
       "a real number >= 0", ""},
      {"model.gamma", "gamma, the attention gain before the 1/sqrt(M) normalisation: the scores use gamma/sqrt(M).",
       "a real number >= 0", ""},
      {"weights.seed", "Seed of the MT19937 stream the weights are drawn from (numpy RandomState compatible).",
       "an integer from 0 to 4294967295", ""},
      {"weights.correlations",
       "How the weight statistics are made. segments: every feature row is made of constant +-1 segments "
       "(the paper's setting); weights: the correlations of the random weights themselves; gaussian: pair "
       "correlations drawn from a clipped normal distribution; uniform: pair correlations as products of "
       "uniform means.",
       "segments, weights, gaussian, uniform", ""},
      {"weights.segments", "Constant segments per feature row (weights.correlations = segments).",
       "an integer from 1 to model.semantic_bits", ""},
      {"weights.gaussian_scale", "Scale of the drawn pair correlations (weights.correlations = gaussian).",
       "a real number > 0", ""},
      {"init.mode",
       "checkpoint: start from the attention window stored in init.checkpoint; token: start from row init.token "
       "of W^o, the window growing by one slot per step until it holds L.",
       "checkpoint, token", ""},
      {"init.checkpoint",
       "The window file (format of jobs/paper_checkpoint_window.txt, described in docs/file-format.md), needed when init.mode = checkpoint. A "
       "relative path is relative to the config file's directory when it is given in a config file, to the "
       "current directory when it is given on the command line.",
       "the path of a readable file", "(none)"},
      {"init.token", "Which row of W^o is the initial token (init.mode = token).",
       "an integer from 0 to model.features - 1", ""},
      {"run.steps", "Steps of the map per point, the transient included.", "an integer >= 1", ""},
      {"run.transient", "Steps discarded before anything is recorded.", "an integer from 0 to run.steps - 1", ""},
      {"run.engine",
       "How attnmf sweep integrates its points. simd: 16 points at a time in the CPU's vector lanes (the "
       "instruction set of run.simd_kernel), several times faster; scalar: one point at a "
       "time with the arithmetic of the authors' implementation operation by operation. The two differ by "
       "rounding (under 1e-13 per step); a point's numbers never depend on the rank, thread or lane that computed "
       "it. attnmf trajectory always uses the scalar engine.",
       "simd, scalar", ""},
      {"run.simd_kernel",
       "The instruction set of the simd engine's kernel. auto: the best that every rank's CPU runs (AVX-512, "
       "then AVX2, then SSE2), or, with --resume, the kernel that started the sweep. The kernels round "
       "differently, so one sweep is computed by one kernel throughout: its journal and /provenance/engine name "
       "it, and --resume with another is refused. ATTNMF_SIMD_LIMIT=avx2 (or sse2) in a rank's environment makes "
       "it act as a CPU without the better sets.",
       simd_kernels_allowed(), ""},
      {"sweep.beta", "The beta values of the grid.",
       "a value (1.27), a comma-separated list (1.255,1.26405,1.27) or start:stop:count, count values from start "
       "to stop with both ends included (0:3:4001); every value >= 0",
       "the value of model.beta"},
      {"sweep.gamma", "The gamma values of the grid.", "a value, a list or start:stop:count, as for sweep.beta; every value >= 0",
       "the value of model.gamma"},
      {"sweep.epsilon", "The epsilon values of the grid.",
       "a value, a list or start:stop:count, as for sweep.beta; every value in [0, 1]", "the value of model.epsilon"},
      {"analysis.samples", "Values of m^o_se recorded per point after the transient.",
       "an integer from 0 to run.steps - run.transient", ""},
      {"analysis.lyapunov", "How many of the largest Lyapunov exponents to compute; 0 computes none.",
       "an integer from 0 to model.features * model.context (the dimension of the attention window)",
       "3, or M*L when that is smaller"},
      {"analysis.lyapunov_trace",
       "attnmf trajectory: record the running Lyapunov estimates every this many recorded steps (/analysis/"
       "lyapunov_trace), to judge their convergence; 0 records none.",
       "an integer >= 0", ""},
      {"analysis.section_feature",
       "The Poincare section is m^o_se[section_feature] = 0 (the paper's section: feature 1 near 0).",
       "an integer from 0 to model.features - 1", "1, or 0 when model.features = 1"},
      {"analysis.section_tolerance", "Steps with |m^o_se[section_feature]| below this belong to the paper's section.",
       "a real number > 0", ""},
      {"analysis.section_max", "Section points and interpolated crossings kept per point (all are counted).",
       "an integer from 0 to 1000000", ""},
      {"analysis.period_max", "Longest period looked for by exact recurrence of the window state.",
       "an integer from 1 to 1000000", ""},
      {"analysis.period_tolerance", "Max-norm distance under which two window states count as the same.",
       "a real number > 0", ""},
      {"analysis.count_resolution",
       "Resolution of the paper's counting classifier: distinct values of m^o_se at this resolution.",
       "a real number > 0", ""},
      {"output.file", "The HDF5 file written. A relative path is relative to the current directory.", "a path",
       "(required)"},
      {"parallel.threads_per_rank", "Compute threads per MPI rank.", "an integer from 1 to 256", ""},
      {"parallel.block_points",
       "Points in one work unit: the master rank hands out blocks of this many consecutive grid points.",
       "an integer from 1 to 4096", ""},
  };
  return table;
}

bool is_key(std::string_view name) {
  return std::any_of(keys().begin(), keys().end(), [&](const KeySpec& k) { return k.name == name; });
}

// ---------------------------------------------------------------------------------------------
// Numbers. std::from_chars rather than streams: it is locale-independent and says exactly how much
// of the text it used, so "1.5x" cannot pass as 1.5.

std::string_view trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

// An explicit '+' is accepted because users write "+0.5"; from_chars alone would refuse it.
std::string_view drop_plus(std::string_view text) {
  if (text.size() > 1 && text.front() == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  return text;
}

// On failure, `why` says what is wrong with the text, in words fit for a message.
std::optional<long long> read_integer(std::string_view text, std::string& why) {
  text = drop_plus(trim(text));
  long long value = 0;
  const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (status == std::errc::result_out_of_range) {
    why = "too large for an integer";
    return std::nullopt;
  }
  if (text.empty() || status != std::errc{} || end != text.data() + text.size()) {
    why = "not an integer";
    return std::nullopt;
  }
  return value;
}

std::optional<double> read_real(std::string_view text, std::string& why) {
  text = drop_plus(trim(text));
  double value = 0;
  const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (status == std::errc::result_out_of_range) {
    why = "not representable as a double";
    return std::nullopt;
  }
  if (text.empty() || status != std::errc{} || end != text.data() + text.size()) {
    why = "not a real number";
    return std::nullopt;
  }
  if (!std::isfinite(value)) {
    why = "not a finite real number";
    return std::nullopt;
  }
  return value;
}

std::string format_real(double value) {
  char buffer[32];
  // The shortest text that reads back as the same double: exact, and what a person would write.
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

struct IntegerRange {
  long long min;
  long long max;
  std::string text() const {
    return max == long_long_max || max == int_max ? ">= " + std::to_string(min)
                                                 : "from " + std::to_string(min) + " to " + std::to_string(max);
  }
};

struct RealRange {
  double min;
  bool min_excluded;
  std::optional<double> max;
  bool contains(double x) const { return (min_excluded ? x > min : x >= min) && (!max || x <= *max); }
  std::string text() const {
    if (max) return "in [" + format_real(min) + ", " + format_real(*max) + "]";
    return (min_excluded ? "> " : ">= ") + format_real(min);
  }
};

const RealRange epsilon_range{0.0, false, 1.0};
const RealRange beta_range{0.0, false, std::nullopt};
const RealRange gamma_range{0.0, false, std::nullopt};
const RealRange gaussian_scale_range{0.0, true, std::nullopt};
const RealRange positive_range{0.0, true, std::nullopt};

// ---------------------------------------------------------------------------------------------
// Grids.

struct Range {
  double start;
  double stop;
  long long count;
};

// numpy.linspace's arithmetic, so that a grid written 0:3:4001 holds the very doubles of the
// paper's np.linspace(0, 3, 4001): i*step + start, the last value set to stop.
std::vector<double> linspace(const Range& range) {
  std::vector<double> values(static_cast<std::size_t>(range.count));
  if (range.count == 1) {
    values[0] = range.start;
    return values;
  }
  const double div = static_cast<double>(range.count - 1);
  const double delta = range.stop - range.start;
  const double step = delta / div;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double index = static_cast<double>(i);
    values[i] = step == 0.0 ? index / div * delta + range.start : index * step + range.start;
  }
  values.back() = range.stop;
  return values;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t begin = 0;;) {
    const std::size_t end = text.find(separator, begin);
    parts.push_back(text.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
    if (end == std::string_view::npos) return parts;
    begin = end + 1;
  }
}

constexpr std::string_view grid_forms = "a value, a comma-separated list of values, or start:stop:count";

// The error text, or empty when `spec` is a well-formed start:stop:count.
std::string read_range(std::string_view spec, Range& range) {
  const auto fields = split(spec, ':');
  if (fields.size() != 3)
    return "a range is start:stop:count, three fields, not " + std::to_string(fields.size()) + " (expected " +
           std::string(grid_forms) + ")";
  std::string why;
  const auto start = read_real(fields[0], why);
  if (!start) return "start '" + std::string(trim(fields[0])) + "' is " + why;
  const auto stop = read_real(fields[1], why);
  if (!stop) return "stop '" + std::string(trim(fields[1])) + "' is " + why;
  const auto count = read_integer(fields[2], why);
  if (!count) return "count '" + std::string(trim(fields[2])) + "' is " + why + " (expected an integer >= 1)";
  if (*count < 1 || *count > max_grid_count)
    return "count " + std::to_string(*count) + " must be from 1 to " + std::to_string(max_grid_count);
  range = {*start, *stop, *count};
  return {};
}

// ---------------------------------------------------------------------------------------------
// Messages.

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "; did you mean 'model.beta'?" for a near miss; for a key written without its section, as
// happens in a config file without a [section] header, every key that ends in it.
std::string suggestion(std::string_view name, const std::vector<std::string>& candidates, std::string_view prefix) {
  std::vector<std::string> matches;
  if (name.find('.') == std::string_view::npos) {
    for (const auto& candidate : candidates) {
      const auto dot = candidate.find('.');
      if (dot != std::string::npos && std::string_view(candidate).substr(dot + 1) == name) matches.push_back(candidate);
    }
  }
  if (matches.empty()) {
    std::size_t best = 3;
    for (const auto& candidate : candidates) {
      const std::size_t distance = edit_distance(name, candidate);
      if (distance > 0 && distance < best) {
        best = distance;
        matches = {candidate};
      }
    }
  }
  if (matches.empty()) return {};
  std::string text = "; did you mean ";
  for (std::size_t i = 0; i < matches.size(); ++i) {
    if (i > 0) text += i + 1 == matches.size() ? " or " : ", ";
    text.append("'").append(prefix).append(matches[i]).append("'");
  }
  return text + "?";
}

std::vector<std::string> key_names() {
  std::vector<std::string> names;
  for (const auto& key : keys()) names.push_back(key.name);
  return names;
}

// ---------------------------------------------------------------------------------------------
// Turning the collected text into a Config.

struct Setting {
  std::string text;
  std::string origin;  // "" for the command line, else the config file as the user named it
  fs::path directory;  // the config file's directory, against which a relative path is resolved
};

class Resolver {
 public:
  Resolver(const std::map<std::string, Setting>& settings, Command command) : settings_(settings), command_(command) {}

  Config resolve() {
    Config c;
    integer("model.features", c.model.features, {1, int_max});
    integer("model.context", c.model.context, {1, int_max});
    integer("model.positional_bits", c.model.positional_bits, {1, 20});
    integer("model.semantic_bits", c.model.semantic_bits, {1, int_max});
    real("model.epsilon", c.model.epsilon, epsilon_range);
    real("model.beta", c.model.beta, beta_range);
    real("model.gamma", c.model.gamma, gamma_range);
    integer("weights.seed", c.model.weights.seed, {0, seed_max});
    if (const Setting* s = given("weights.correlations")) {
      try {
        c.model.weights.correlations = model::correlation_mode_from_string(trim(s->text));
      } catch (const std::invalid_argument&) {
        not_one_of("weights.correlations", *s, "segments, weights, gaussian, uniform");
      }
    }
    integer("weights.segments", c.model.weights.segments, {1, int_max});
    real("weights.gaussian_scale", c.model.weights.gaussian_scale, gaussian_scale_range);
    if (const Setting* s = given("init.mode")) {
      const std::string_view mode = trim(s->text);
      if (mode == "checkpoint") c.init.mode = InitConfig::Mode::checkpoint;
      else if (mode == "token") c.init.mode = InitConfig::Mode::token;
      else not_one_of("init.mode", *s, "checkpoint, token");
    }
    if (const Setting* s = given("init.checkpoint")) c.init.checkpoint = resolved_path(*s);
    integer("init.token", c.init.token, {0, int_max});
    integer("run.steps", c.run.steps, {1, long_long_max});
    integer("run.transient", c.run.transient, {0, long_long_max});
    if (const Setting* s = given("run.engine")) {
      const std::string_view engine = trim(s->text);
      if (engine == "simd") c.run.engine = RunConfig::Engine::simd;
      else if (engine == "scalar") c.run.engine = RunConfig::Engine::scalar;
      else not_one_of("run.engine", *s, "simd, scalar");
    }
    if (const Setting* s = given("run.simd_kernel")) {
      const std::string kernel(trim(s->text));
      const std::vector<std::string> kernels = simd_kernels();
      if (std::find(kernels.begin(), kernels.end(), kernel) != kernels.end()) c.run.simd_kernel = kernel;
      else not_one_of("run.simd_kernel", *s, simd_kernels_allowed());
    }
    grid("sweep.beta", c.sweep.beta, c.model.beta, beta_range);
    grid("sweep.gamma", c.sweep.gamma, c.model.gamma, gamma_range);
    grid("sweep.epsilon", c.sweep.epsilon, c.model.epsilon, epsilon_range);
    integer("analysis.samples", c.analysis.samples, {0, long_long_max});
    integer("analysis.lyapunov", c.analysis.lyapunov, {0, int_max});
    integer("analysis.lyapunov_trace", c.analysis.lyapunov_trace, {0, long_long_max});
    integer("analysis.section_feature", c.analysis.section_feature, {0, int_max});
    real("analysis.section_tolerance", c.analysis.section_tolerance, positive_range);
    integer("analysis.section_max", c.analysis.section_max, {0, 1'000'000});
    integer("analysis.period_max", c.analysis.period_max, {1, 1'000'000});
    real("analysis.period_tolerance", c.analysis.period_tolerance, positive_range);
    real("analysis.count_resolution", c.analysis.count_resolution, positive_range);
    integer("parallel.block_points", c.parallel.block_points, {1, 4096});
    if (const Setting* s = given("output.file")) c.output.file = s->text;
    integer("parallel.threads_per_rank", c.parallel.threads_per_rank, {1, 256});

    check_combinations(c);
    return c;
  }

  std::vector<std::string> problems;

 private:
  const Setting* given(std::string_view key) const {
    const auto it = settings_.find(std::string(key));
    return it == settings_.end() ? nullptr : &it->second;
  }
  bool usable(std::string_view key) const { return !unusable_.contains(std::string(key)); }

  static std::string where(const Setting& s) {
    return s.origin.empty() ? std::string() : " (in config file " + s.origin + ")";
  }
  // A value that cannot be read: quoted, since it may be empty or hold spaces.
  void unreadable(std::string_view key, const Setting& s, const std::string& why, const std::string& expected) {
    problems.push_back(std::string(key) + " = '" + s.text + "': " + why + " (expected " + expected + ")" + where(s));
    unusable_.insert(std::string(key));
  }
  void not_one_of(std::string_view key, const Setting& s, const std::string& choices) {
    problems.push_back(std::string(key) + " = '" + s.text + "': must be one of " + choices + where(s));
    unusable_.insert(std::string(key));
  }
  void invalid(std::string_view key, const Setting& s, const std::string& why) {
    problems.push_back(std::string(key) + " = " + std::string(trim(s.text)) + ": " + why + where(s));
    unusable_.insert(std::string(key));
  }

  template <class Integer>
  void integer(std::string_view key, Integer& target, IntegerRange range) {
    const Setting* s = given(key);
    if (!s) return;
    std::string why;
    const auto value = read_integer(s->text, why);
    if (!value) return unreadable(key, *s, why, "an integer " + range.text());
    if (*value < range.min || *value > range.max) return invalid(key, *s, "must be " + range.text());
    target = static_cast<Integer>(*value);
  }

  void real(std::string_view key, double& target, const RealRange& range) {
    const Setting* s = given(key);
    if (!s) return;
    std::string why;
    const auto value = read_real(s->text, why);
    if (!value) return unreadable(key, *s, why, "a real number " + range.text());
    if (!range.contains(*value)) return invalid(key, *s, "must be " + range.text());
    target = *value;
  }

  // An axis the user did not give is the single value of the model key, so that a sweep without
  // any sweep key computes exactly the point the model section describes.
  void grid(std::string_view key, Grid& target, double model_value, const RealRange& range) {
    const Setting* s = given(key);
    if (!s) {
      target = single_value_grid(model_value);
      return;
    }
    try {
      target = parse_grid(key, s->text);
    } catch (const ConfigError& error) {
      for (const auto& problem : error.problems()) problems.push_back(problem + where(*s));
      unusable_.insert(std::string(key));
      return;
    }
    const auto outside = std::count_if(target.values.begin(), target.values.end(),
                                       [&](double x) { return !range.contains(x); });
    if (outside == 0) return;
    const auto first = *std::find_if(target.values.begin(), target.values.end(),
                                     [&](double x) { return !range.contains(x); });
    const std::string model_key = "model." + std::string(key.substr(key.find('.') + 1));
    problems.push_back(std::string(key) + " = '" + s->text + "': every value must be " + range.text() + ", as for " +
                       model_key + "; " + std::to_string(outside) + " of its " + std::to_string(target.values.size()) +
                       " values lie outside, the first " + format_real(first) + where(*s));
    unusable_.insert(std::string(key));
  }

  static fs::path resolved_path(const Setting& s) {
    const fs::path path(s.text);
    return path.is_relative() && !s.origin.empty() ? s.directory / path : path;
  }

  void check_combinations(Config& c) {
    const auto& m = c.model;
    const bool features_ok = usable("model.features");
    if (features_ok && usable("weights.correlations") && m.features > model::max_features(m.weights.correlations)) {
      const int most = model::max_features(m.weights.correlations);
      problems.push_back("model.features = " + std::to_string(m.features) + ": weights.correlations = " +
                         std::string(model::to_string(m.weights.correlations)) +
                         " defines the weight statistics for at most " + std::to_string(most) +
                         " features, so model.features must be from 1 to " + std::to_string(most));
    }
    if (usable("model.context") && usable("model.positional_bits") && m.context > m.positions())
      problems.push_back("model.context = " + std::to_string(m.context) + ": must be at most 2^model.positional_bits = " +
                         std::to_string(m.positions()));
    if (usable("weights.segments") && usable("model.semantic_bits") && m.weights.segments > m.semantic_bits)
      problems.push_back("weights.segments = " + std::to_string(m.weights.segments) +
                         ": must be at most model.semantic_bits = " + std::to_string(m.semantic_bits));
    if (features_ok && usable("init.token") && c.init.token >= m.features)
      problems.push_back("init.token = " + std::to_string(c.init.token) +
                         ": must be at most model.features - 1 = " + std::to_string(m.features - 1) +
                         " (it is a row of W^o)");

    const bool run_ok = usable("run.steps") && usable("run.transient");
    if (run_ok && c.run.transient >= c.run.steps)
      problems.push_back("run.transient = " + std::to_string(c.run.transient) + ": must be less than run.steps = " +
                         std::to_string(c.run.steps));
    else if (run_ok && !given("analysis.samples"))
      // Like analysis.lyapunov: an unset default adapts to a short run instead of failing it.
      c.analysis.samples = std::min(c.analysis.samples, c.run.steps - c.run.transient);
    else if (run_ok && usable("analysis.samples") && c.analysis.samples > c.run.steps - c.run.transient)
      problems.push_back("analysis.samples = " + std::to_string(c.analysis.samples) +
                         ": must be at most run.steps - run.transient = " +
                         std::to_string(c.run.steps - c.run.transient));

    if (features_ok && usable("model.context")) {
      const long long dimension = static_cast<long long>(m.features) * m.context;
      if (!given("analysis.lyapunov"))
        c.analysis.lyapunov = static_cast<int>(std::min<long long>(c.analysis.lyapunov, dimension));
      else if (usable("analysis.lyapunov") && c.analysis.lyapunov > dimension)
        problems.push_back("analysis.lyapunov = " + std::to_string(c.analysis.lyapunov) +
                           ": must be at most model.features * model.context = " + std::to_string(dimension) +
                           ", the dimension of the attention window");
    }

    if (features_ok && usable("analysis.section_feature")) {
      if (!given("analysis.section_feature"))
        c.analysis.section_feature = std::min(c.analysis.section_feature, m.features - 1);
      else if (c.analysis.section_feature >= m.features)
        problems.push_back("analysis.section_feature = " + std::to_string(c.analysis.section_feature) +
                           ": must be at most model.features - 1 = " + std::to_string(m.features - 1));
    }

    if (usable("init.mode") && c.init.mode == InitConfig::Mode::checkpoint) check_checkpoint(c.init.checkpoint);

    if (c.output.file.empty())
      problems.push_back("output.file = '': required, the HDF5 file attnmf " + std::string(to_string(command_)) +
                         " writes (give --output.file FILE or set output.file in the config file)");
  }

  // Only that the file is there and can be read: its shape is checked by the code that reads it.
  void check_checkpoint(const fs::path& path) {
    const Setting* s = given("init.checkpoint");
    if (path.empty()) {
      problems.push_back(
          "init.checkpoint = '': init.mode = checkpoint starts from a window file (set init.checkpoint to one, or set "
          "init.mode = token)" +
          (s ? where(*s) : std::string()));
      return;
    }
    std::string shown = "init.checkpoint = '" + path.string() + "'";
    if (s && path.string() != s->text) shown += " (given as '" + s->text + "' in config file " + s->origin + ")";
    else if (s) shown += where(*s);
    std::error_code error;
    const auto status = fs::status(path, error);
    if (!fs::exists(status)) {
      problems.push_back(shown + ": no such file (init.mode = checkpoint needs a readable window file)");
    } else if (fs::is_directory(status)) {
      problems.push_back(shown + ": is a directory, not a window file");
    } else if (!std::ifstream(path)) {
      problems.push_back(shown + ": cannot be opened for reading");
    }
  }

  const std::map<std::string, Setting>& settings_;
  Command command_;
  std::set<std::string> unusable_;  // keys whose value was rejected: checks that need them are skipped
};

// ---------------------------------------------------------------------------------------------
// Reading the sources.

po::options_description key_options() {
  po::options_description description;
  // Strings, not typed values: Boost would stop at the first value it cannot convert, and its
  // conversions accept text such as "1.5x" for an integer option.
  for (const auto& key : keys()) description.add_options()(key.name.c_str(), po::value<std::string>());
  return description;
}

std::string long_name(const std::string& flag) { return flag.substr(0, flag.find(',')); }

// One `key = value` line of a config file: the key with its section's prefix, and where it was.
struct FileEntry {
  std::string key;
  std::string value;
  int line = 0;
};

// A line of a config file as a message shows it: trimmed, and cut short if it is long (a binary
// file given by mistake has long lines of junk).
std::string shown_line(std::string_view text) {
  text = trim(text);
  constexpr std::size_t longest = 80;
  return text.size() <= longest ? std::string(text) : std::string(text.substr(0, longest)) + "...";
}

// The INI dialect of docs/configuration.md, read line by line. It is the one Boost's
// parse_config_file reads (which attnmf used before): '#' starts a comment anywhere on a line,
// blanks around names and values are dropped, "[section]" prefixes "section." to the keys that
// follow, and "key = value" sets a key (the first '=' separates them). Beyond Boost, a UTF-8
// byte-order mark at the start of the file is skipped, a line whose first non-blank character is
// ';' is a comment too, and a line that is none of these is a problem naming the file, the line
// number and the text, while the other lines are still read (so that every other problem is
// reported as well). Boost rejected the whole file on such a line without saying where it was.
std::vector<FileEntry> read_ini(const std::string& file, std::istream& in, std::vector<std::string>& problems) {
  std::vector<FileEntry> entries;
  std::string prefix;
  std::string raw;
  int number = 0;
  int bad_lines = 0;
  constexpr int bad_lines_shown = 10;
  const auto bad_line = [&](std::string_view text, const std::string& why) {
    if (++bad_lines <= bad_lines_shown)
      problems.push_back("config file " + file + ", line " + std::to_string(number) + ": '" + shown_line(text) + "' " + why);
  };
  while (std::getline(in, raw)) {
    ++number;
    std::string_view line = raw;
    if (number == 1) {
      if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
      if (line.starts_with("\xFF\xFE") || line.starts_with("\xFE\xFF")) {
        problems.push_back("config file " + file + ": is UTF-16 text; save it as UTF-8 (or ASCII)");
        return {};
      }
    }
    const std::string_view full = line;
    line = trim(line.substr(0, line.find('#')));
    if (line.empty() || line.front() == ';') continue;
    if (line.front() == '[') {
      const auto close = line.find(']');
      const std::string_view name = trim(line.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
      if (close != line.size() - 1)
        bad_line(full, close == std::string_view::npos ? "is a section header without its closing ']'"
                                                       : "has text after its section header");
      else if (name.empty())
        bad_line(full, "is a section header without a name");
      // Even a malformed header opens its section, so that the keys below it are named as meant.
      if (!name.empty()) prefix = std::string(name) + (name.back() == '.' ? "" : ".");
      continue;
    }
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) {
      bad_line(full, "is not a 'key = value' line, a '[section]' header or a comment");
      continue;
    }
    const std::string_view key = trim(line.substr(0, equals));
    if (key.empty()) {
      bad_line(full, "has no key before its '='");
      continue;
    }
    entries.push_back({prefix + std::string(key), std::string(trim(line.substr(equals + 1))), number});
  }
  if (in.bad()) problems.push_back("config file " + file + ": reading failed after line " + std::to_string(number));
  if (bad_lines > bad_lines_shown)
    problems.push_back("config file " + file + ": " + std::to_string(bad_lines - bad_lines_shown) +
                       " more lines that cannot be read");
  return entries;
}

void read_config_file(const std::string& file, std::map<std::string, Setting>& settings,
                      std::vector<std::string>& problems) {
  std::error_code error;
  const auto status = fs::status(file, error);
  if (!fs::exists(status)) {
    problems.push_back("--config " + file + ": no such config file");
    return;
  }
  if (fs::is_directory(status)) {
    problems.push_back("--config " + file + ": is a directory, not a config file");
    return;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    problems.push_back("--config " + file + ": the config file cannot be opened for reading");
    return;
  }
  const std::vector<FileEntry> entries = read_ini(file, in, problems);
  const std::vector<std::string> names = key_names();
  const fs::path directory = fs::path(file).parent_path();
  std::map<std::string, const FileEntry*> seen;
  for (const FileEntry& entry : entries) {
    if (std::find(names.begin(), names.end(), entry.key) == names.end()) {
      problems.push_back("unknown key '" + entry.key + "' (in config file " + file + ")" + suggestion(entry.key, names, ""));
      continue;
    }
    if (const auto first = seen.find(entry.key); first != seen.end()) {
      problems.push_back(entry.key + " is given twice in config file " + file + " ('" + first->second->value + "' on line " +
                         std::to_string(first->second->line) + " and '" + entry.value + "' on line " +
                         std::to_string(entry.line) + "); give it once");
      continue;
    }
    seen.emplace(entry.key, &entry);
    // The command line has been read already and wins.
    settings.try_emplace(entry.key, Setting{entry.value, file, directory});
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Grid single_value_grid(double value) { return Grid{{value}, format_real(value)}; }

std::string_view to_string(InitConfig::Mode mode) {
  return mode == InitConfig::Mode::checkpoint ? "checkpoint" : "token";
}

std::string_view to_string(RunConfig::Engine engine) { return engine == RunConfig::Engine::simd ? "simd" : "scalar"; }

std::string_view to_string(Command command) { return command == Command::trajectory ? "trajectory" : "sweep"; }

namespace {

// A grid given as start:stop:count keeps that form, since 4001 numbers say less than the three that
// make them; any other grid is the list of its values.
std::string grid_text(const Grid& grid) {
  Range range{};
  if (grid.spec.find(':') != std::string::npos && read_range(grid.spec, range).empty() &&
      linspace(range) == grid.values)
    return format_real(range.start) + ":" + format_real(range.stop) + ":" + std::to_string(range.count);
  std::string text;
  for (std::size_t i = 0; i < grid.values.size(); ++i) {
    if (i > 0) text += ',';
    text += format_real(grid.values[i]);
  }
  return text;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> Config::key_values() const {
  const auto integer = [](long long value) { return std::to_string(value); };
  return {
      {"model.features", integer(model.features)},
      {"model.context", integer(model.context)},
      {"model.positional_bits", integer(model.positional_bits)},
      {"model.semantic_bits", integer(model.semantic_bits)},
      {"model.epsilon", format_real(model.epsilon)},
      {"model.beta", format_real(model.beta)},
      {"model.gamma", format_real(model.gamma)},
      {"weights.seed", integer(model.weights.seed)},
      {"weights.correlations", std::string(model::to_string(model.weights.correlations))},
      {"weights.segments", integer(model.weights.segments)},
      {"weights.gaussian_scale", format_real(model.weights.gaussian_scale)},
      {"init.mode", std::string(to_string(init.mode))},
      {"init.checkpoint", init.checkpoint.string()},
      {"init.token", integer(init.token)},
      {"run.steps", integer(run.steps)},
      {"run.transient", integer(run.transient)},
      {"run.engine", std::string(to_string(run.engine))},
      {"run.simd_kernel", run.simd_kernel},
      {"sweep.beta", grid_text(sweep.beta)},
      {"sweep.gamma", grid_text(sweep.gamma)},
      {"sweep.epsilon", grid_text(sweep.epsilon)},
      {"analysis.samples", integer(analysis.samples)},
      {"analysis.lyapunov", integer(analysis.lyapunov)},
      {"analysis.lyapunov_trace", integer(analysis.lyapunov_trace)},
      {"analysis.section_feature", integer(analysis.section_feature)},
      {"analysis.section_tolerance", format_real(analysis.section_tolerance)},
      {"analysis.section_max", integer(analysis.section_max)},
      {"analysis.period_max", integer(analysis.period_max)},
      {"analysis.period_tolerance", format_real(analysis.period_tolerance)},
      {"analysis.count_resolution", format_real(analysis.count_resolution)},
      {"output.file", output.file.string()},
      {"parallel.threads_per_rank", integer(parallel.threads_per_rank)},
      {"parallel.block_points", integer(parallel.block_points)},
  };
}

bool affects_results(std::string_view key) {
  // run.simd_kernel is left out: what it resolves to (auto: the CPUs') is what matters, and the sweep
  // records that itself (sweep::kernel_manifest_key).
  return key != "output.file" && key != "parallel.threads_per_rank" && key != "parallel.block_points" &&
         key != "run.simd_kernel";
}

namespace {

std::string summary(const std::vector<std::string>& problems) {
  if (problems.size() == 1) return "invalid configuration: " + problems.front();
  std::string text = "invalid configuration, " + std::to_string(problems.size()) + " problems:";
  for (const auto& problem : problems) text += "\n  " + problem;
  return text;
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(summary(problems)), problems_(std::move(problems)) {}

Grid parse_grid(std::string_view key, std::string_view text) {
  const std::string_view spec = trim(text);
  const auto fail = [&](const std::string& why) {
    throw ConfigError({std::string(key) + " = '" + std::string(text) + "': " + why});
  };
  if (spec.empty()) fail("empty (expected " + std::string(grid_forms) + ")");
  Grid grid;
  grid.spec = std::string(spec);
  if (spec.find(':') != std::string_view::npos) {
    Range range{};
    if (const std::string why = read_range(spec, range); !why.empty()) fail(why);
    grid.values = linspace(range);
    if (!std::all_of(grid.values.begin(), grid.values.end(), [](double x) { return std::isfinite(x); }))
      fail("the range from start to stop is too wide for a double");
    return grid;
  }
  for (const std::string_view entry : split(spec, ',')) {
    if (trim(entry).empty()) fail("a list with an empty entry (expected " + std::string(grid_forms) + ")");
    std::string why;
    const auto value = read_real(entry, why);
    if (!value) fail("'" + std::string(trim(entry)) + "' is " + why + " (expected " + std::string(grid_forms) + ")");
    grid.values.push_back(*value);
  }
  return grid;
}

ParseResult parse(Command command, int argc, const char* const argv[], const std::set<std::string>& extra_flags) {
  po::options_description description = key_options();
  description.add_options()("config", po::value<std::string>());
  std::set<std::string> flag_names;
  for (const auto& flag : extra_flags) {
    const std::string name = long_name(flag);
    if (name.empty() || name == "config" || is_key(name))
      throw std::invalid_argument("attnmf::config::parse: extra flag '" + flag + "' clashes with a configuration key");
    flag_names.insert(name);
    // A value is accepted here only to be refused with a message below instead of by Boost.
    description.add_options()(flag.c_str(), po::value<std::string>()->implicit_value(""));
  }

  // Boost refuses "--key=" with nothing after the '='; for a key that is an empty value, which
  // key_values() produces for an unset path.
  std::vector<std::string> arguments;
  for (int i = 0; i < argc; ++i) {
    const std::string_view argument = argv[i];
    const std::string_view name = argument.size() > 3 ? argument.substr(2, argument.size() - 3) : std::string_view();
    if (argument.starts_with("--") && argument.ends_with('=') && (is_key(name) || name == "config")) {
      arguments.emplace_back(argument.substr(0, argument.size() - 1));
      arguments.emplace_back();
    } else {
      arguments.emplace_back(argument);
    }
  }

  std::vector<po::option> options;
  try {
    // Without guessing, "--model.b" is an unknown option rather than a silent abbreviation of model.beta.
    const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    options = po::command_line_parser(arguments).options(description).style(style).allow_unregistered().run().options;
  } catch (const po::error& e) {
    throw ConfigError({std::string("command line: ") + e.what()});
  }

  std::vector<std::string> candidates = key_names();
  candidates.push_back("config");
  candidates.insert(candidates.end(), flag_names.begin(), flag_names.end());

  std::vector<std::string> problems;
  std::map<std::string, Setting> settings;
  std::optional<std::string> config_file;
  ParseResult result;
  for (std::size_t i = 0; i < options.size(); ++i) {
    const po::option& option = options[i];
    const std::string value = option.value.empty() ? std::string() : option.value.front();
    if (option.position_key >= 0) {
      problems.push_back("unexpected argument '" + value + "' on the command line (options are --section.key VALUE)");
      continue;
    }
    if (option.unregistered) {
      const std::string token = option.original_tokens.empty() ? option.string_key : option.original_tokens.front();
      const std::string shown = token.substr(0, token.find('='));
      std::string given = value;
      // Boost cannot know that an unknown option takes a value, and leaves it as a stray argument.
      if (given.empty() && token.find('=') == std::string::npos && i + 1 < options.size() &&
          options[i + 1].position_key >= 0 && !options[i + 1].value.empty())
        given = options[++i].value.front();
      const std::string name = shown.substr(std::min(shown.find_first_not_of('-'), shown.size()));
      problems.push_back("unknown option '" + shown + "'" + (given.empty() ? "" : " = '" + given + "'") +
                         " (on the command line)" + suggestion(name, candidates, "--"));
      continue;
    }
    if (option.string_key == "config") {
      if (config_file)
        problems.push_back("--config is given twice ('" + *config_file + "' and '" + value + "'); give one config file");
      else
        config_file = value;
    } else if (flag_names.contains(option.string_key)) {
      if (!value.empty())
        problems.push_back("--" + option.string_key + " = '" + value + "': a switch, it takes no value");
      result.flags.insert(option.string_key);
    } else if (const auto first = settings.find(option.string_key); first != settings.end()) {
      problems.push_back(option.string_key + " is given twice on the command line ('" + first->second.text + "' and '" +
                         value + "'); give it once");
    } else {
      settings.emplace(option.string_key, Setting{value, "", {}});
    }
  }

  if (flag_names.contains("help") && result.flags.contains("help")) return result;

  if (config_file) read_config_file(*config_file, settings, problems);

  Resolver resolver(settings, command);
  result.config = resolver.resolve();
  problems.insert(problems.end(), resolver.problems.begin(), resolver.problems.end());
  if (!problems.empty()) throw ConfigError(std::move(problems));
  return result;
}

// ---------------------------------------------------------------------------------------------
// Help.

namespace {

// Words of `text` on lines of at most `width` characters, each line starting with `indent`.
std::string wrap(std::string_view text, std::string_view indent, std::size_t width = 79) {
  std::string out;
  std::string line(indent);
  std::istringstream words{std::string(text)};
  for (std::string word; words >> word;) {
    if (line.size() > indent.size() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = std::string(indent);
    }
    if (line.size() > indent.size()) line += ' ';
    line += word;
  }
  return out + line + "\n";
}

}  // namespace

std::string help_text(Command command) {
  std::ostringstream out;
  if (command == Command::trajectory) {
    out << "usage: attnmf trajectory [--config FILE] [--section.key VALUE ...]\n\n";
    out << wrap("Iterates the mean-field map at one parameter point (model.beta, model.gamma, model.epsilon) and "
                "writes its time series and analysis to output.file.",
                "");
  } else {
    out << "usage: [mpirun -np N] attnmf sweep [--config FILE] [--section.key VALUE ...]\n\n";
    out << wrap("Iterates the mean-field map at every point of the grid sweep.beta x sweep.gamma x sweep.epsilon, "
                "distributing the points over the MPI ranks, and writes one file, output.file.",
                "");
  }
  out << "\nConfiguration\n";
  out << wrap("Every setting is a key section.key. Keys come from an INI file given with --config FILE and from the "
              "command line as --section.key VALUE or --section.key=VALUE; the command line wins over the file. "
              "In the file a key is written under its [section] header, or with its full name before the first "
              "header; '#' starts a comment:",
              "  ");
  out << "\n      output.file = sweep.h5\n      [model]\n      beta = 1.27\n      [sweep]\n      beta = 0:3:4001\n\n";
  out << wrap("A key may be given once in the file and once on the command line. Integers are written in digits "
              "(1200000, not 1.2e6). A key that does not exist, a value of the wrong type or out of range, and an "
              "inconsistent combination (run.transient >= run.steps, model.context > 2^model.positional_bits, ...) "
              "stop the program before any work, all reported together.",
              "  ");

  const Config defaults;
  const auto default_values = defaults.key_values();
  for (const auto& section : sections()) {
    out << "\n[" << section.name << "]  " << section.meaning << "\n";
    if (section.name == "sweep" && command == Command::trajectory)
      out << wrap("attnmf trajectory computes the single point of the model section; it checks these keys but does "
                  "not use them, so that one config file can serve both commands.",
                  "  ");
    for (const KeySpec& key : keys()) {
      if (key.name.substr(0, key.name.find('.')) != section.name) continue;
      std::string default_text = key.default_text;
      for (const auto& [name, value] : default_values)
        if (default_text.empty() && name == key.name) default_text = value;
      std::string heading = "  " + key.name;
      heading.resize(std::max<std::size_t>(heading.size() + 2, 30), ' ');
      out << heading << "default: " << default_text << "\n";
      out << wrap(key.meaning, "      ");
      out << wrap("Allowed: " + key.allowed + ".", "      ");
    }
  }
  return out.str();
}

}  // namespace attnmf::config
