#include "attnmf/config/config.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <variant>

#include "attnmf/config/keys.hpp"

namespace attnmf::config {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

// No sweep axis can usefully be longer: each point is a trajectory of run.steps steps. The limit
// turns a typo like 0:3:40010000000 into a message instead of an allocation failure.
constexpr long long max_grid_count = 10'000'000;

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

}  // namespace

// An integer key without an upper limit has its member's type's, which the help need not spell out.
std::string IntegerRange::text() const {
  constexpr long long int_max = std::numeric_limits<int>::max();
  constexpr long long long_long_max = std::numeric_limits<long long>::max();
  return max == long_long_max || max == int_max ? ">= " + std::to_string(min)
                                               : "from " + std::to_string(min) + " to " + std::to_string(max);
}

std::string RealRange::text() const {
  if (max) return std::string(min_excluded ? "in (" : "in [") + format_real(min) + ", " + format_real(*max) + "]";
  return (min_excluded ? "> " : ">= ") + format_real(min);
}

namespace {

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

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// What an integer key takes: "an integer from 1 to 256", or with its word "auto or an integer ...".
std::string integers_text(const IntegerKey& key) {
  return (key.word ? key.word->name + " or " : std::string()) + "an integer " + key.range.text();
}

// The key a sweep axis follows, whose range its values obey: a real model key, or an integer one
// (sweep.size follows network.size), whose axis takes whole numbers only.
struct Followed {
  std::function<bool(double)> contains;
  std::string range_text;
  std::function<double(const Config&)> value;
};

Followed followed(const GridKey& grid) {
  const Key* key = find_key(grid.follows);
  if (key && std::holds_alternative<RealKey>(key->binds)) {
    const RealKey& real = std::get<RealKey>(key->binds);
    return {[range = real.range](double x) { return range.contains(x); }, real.range.text(), real.get};
  }
  if (key && std::holds_alternative<IntegerKey>(key->binds)) {
    const IntegerKey& integer = std::get<IntegerKey>(key->binds);
    return {[range = integer.range](double x) {
              return std::floor(x) == x && x >= static_cast<double>(range.min) && x <= static_cast<double>(range.max) &&
                     range.contains(static_cast<long long>(x));
            },
            "an integer " + integer.range.text(),
            [get = integer.get](const Config& c) { return static_cast<double>(get(c)); }};
  }
  throw std::logic_error("attnmf::config: a sweep axis follows '" + grid.follows + "', which is no real or integer key");
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

  // The keys in the table's order, which puts the model keys before the sweep axes that follow them.
  Config resolve() {
    Config c;
    for (const Key& key : keys()) std::visit([&](const auto& binding) { read(key.name, binding, c); }, key.binds);
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

  void read(std::string_view key, const IntegerKey& binding, Config& c) {
    const Setting* s = given(key);
    if (!s) return;
    if (binding.word && trim(s->text) == binding.word->name) return binding.set(c, binding.word->value);
    std::string why;
    const auto value = read_integer(s->text, why);
    if (!value) return unreadable(key, *s, why, integers_text(binding));
    if (!binding.range.contains(*value))
      return invalid(key, *s, "must be " + binding.range.text() + (binding.word ? ", or " + binding.word->name : ""));
    binding.set(c, *value);
  }

  void read(std::string_view key, const RealKey& binding, Config& c) {
    const Setting* s = given(key);
    if (!s) return;
    std::string why;
    const auto value = read_real(s->text, why);
    if (!value) return unreadable(key, *s, why, "a real number " + binding.range.text());
    if (!binding.range.contains(*value)) return invalid(key, *s, "must be " + binding.range.text());
    binding.set(c, *value);
  }

  void read(std::string_view key, const ChoiceKey& binding, Config& c) {
    const Setting* s = given(key);
    if (!s) return;
    const std::string name(trim(s->text));
    if (std::find(binding.names.begin(), binding.names.end(), name) != binding.names.end()) binding.set(c, name);
    else not_one_of(key, *s, joined(binding.names));
  }

  // Not trimmed: a file name may end in a blank (a config file's values are trimmed when read).
  void read(std::string_view key, const PathKey& binding, Config& c) {
    const Setting* s = given(key);
    if (!s) return;
    const fs::path path(s->text);
    binding.set(c, binding.relative_to_config_file && path.is_relative() && !s->origin.empty() ? s->directory / path
                                                                                                : path);
  }

  // An axis the user did not give is the single value of the model key, so that a sweep without
  // any sweep key computes exactly the point the model section describes.
  void read(std::string_view key, const GridKey& binding, Config& c) {
    const Followed model = followed(binding);
    const Setting* s = given(key);
    if (!s) return binding.set(c, single_value_grid(model.value(c)));
    Grid target;
    try {
      target = parse_grid(key, s->text);
    } catch (const ConfigError& error) {
      for (const auto& problem : error.problems()) problems.push_back(problem + where(*s));
      unusable_.insert(std::string(key));
      return;
    }
    const auto outside = [&](double x) { return !model.contains(x); };
    const auto count = std::count_if(target.values.begin(), target.values.end(), outside);
    if (count == 0) return binding.set(c, std::move(target));
    const double first = *std::find_if(target.values.begin(), target.values.end(), outside);
    problems.push_back(std::string(key) + " = '" + s->text + "': every value must be " + model.range_text +
                       ", as for " + binding.follows + "; " + std::to_string(count) + " of its " +
                       std::to_string(target.values.size()) + " values lie outside, the first " + format_real(first) +
                       where(*s));
    unusable_.insert(std::string(key));
  }

  // The limits that are other keys, which the table's `allowed` texts describe, and the defaults
  // that adapt to other keys (analysis.samples, analysis.lyapunov, analysis.section_feature).
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

    check_continuation(c);
    check_network(c);

    if (usable("init.mode") && c.init.mode == InitConfig::Mode::checkpoint) check_checkpoint(c.init.checkpoint);

    if (c.output.file.empty())
      problems.push_back("output.file = '': required, the HDF5 file attnmf " + std::string(to_string(command_)) +
                         " writes (give --output.file FILE or set output.file in the config file)");
  }

  // sweep.mode = continuation and the keys it reads; init.starts, which a two-way chain needs two of.
  void check_continuation(Config& c) {
    const bool continuation = c.sweep.mode == SweepConfig::Mode::continuation;
    // A grid sweep ignores the continuation.* keys: key_values() lists every key, and feeding them
    // back must parse.
    if (usable("sweep.beta") && !c.sweep.beta.values.empty()) {
      const auto [low, high] = std::minmax_element(c.sweep.beta.values.begin(), c.sweep.beta.values.end());
      if (continuation && !given("continuation.from")) c.continuation.from = *low;
      else if (continuation && usable("continuation.from") && (c.continuation.from < *low || c.continuation.from > *high))
        problems.push_back("continuation.from = " + format_real(c.continuation.from) + ": must lie within sweep.beta, [" +
                           format_real(*low) + ", " + format_real(*high) + "]");
    }
    const bool both = continuation && c.continuation.direction == ContinuationConfig::Direction::both;
    if (both && !given("init.starts")) c.init.starts = std::max(c.init.starts, 2);
    else if (both && usable("init.starts") && c.init.starts < 2)
      problems.push_back("init.starts = " + std::to_string(c.init.starts) +
                         ": continuation.direction = both needs at least 2 starts per point (one per chain direction)");
  }

  // run.engine = network and the network.* keys; sweep.size, whose unset default is network.size (it
  // is read before the network section).
  void check_network(Config& c) {
    const bool network = c.run.engine == RunConfig::Engine::network;
    if (!given("sweep.size") && usable("network.size")) c.sweep.size = single_value_grid(static_cast<double>(c.network.size));
    const long long bits = c.model.semantic_bits;
    if (usable("model.semantic_bits") && bits > 0) {
      if (usable("network.size") && c.network.size % bits != 0)
        problems.push_back("network.size = " + std::to_string(c.network.size) + ": must be a multiple of "
                           "model.semantic_bits = " + std::to_string(bits) + " (the network repeats the drawn weight "
                           "columns N / model.semantic_bits times; e.g. " + std::to_string((c.network.size / bits + 1) * bits) + ")");
      if (given("sweep.size") && usable("sweep.size"))
        for (double n : c.sweep.size.values)
          if (static_cast<long long>(n) % bits != 0) {
            problems.push_back("sweep.size = '" + c.sweep.size.spec + "': every value must be a multiple of "
                               "model.semantic_bits = " + std::to_string(bits) + "; " + format_real(n) + " is not");
            break;
          }
    }
    if (network) {
      if (usable("init.starts") && c.init.starts != 1)
        problems.push_back("init.starts = " + std::to_string(c.init.starts) +
                           ": run.engine = network computes one start per point (its replicas are network.replicas)");
      if (c.sweep.mode != SweepConfig::Mode::grid)
        problems.push_back("sweep.mode = " + std::string(to_string(c.sweep.mode)) +
                           ": run.engine = network runs grid sweeps only");
    } else if (given("sweep.size") && usable("sweep.size") && c.sweep.size.values.size() > 1) {
      problems.push_back("sweep.size = '" + c.sweep.size.spec + "': a grid of network sizes needs run.engine = network "
                         "(the mean-field map is the limit N -> infinity)");
    }
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

std::string_view to_string(OutputConfig::SamplePrecision precision) {
  return precision == OutputConfig::SamplePrecision::float32 ? "float32" : "float64";
}

std::string_view to_string(OutputConfig::SampleCompression compression) {
  return compression == OutputConfig::SampleCompression::none ? "none" : "deflate";
}

std::string_view to_string(RunConfig::Engine engine) {
  switch (engine) {
    case RunConfig::Engine::simd: return "simd";
    case RunConfig::Engine::scalar: return "scalar";
    case RunConfig::Engine::network: return "network";
  }
  return "?";
}

std::string_view to_string(NetworkConfig::Algorithm algorithm) {
  switch (algorithm) {
    case NetworkConfig::Algorithm::automatic: return "auto";
    case NetworkConfig::Algorithm::direct: return "direct";
    case NetworkConfig::Algorithm::reduced: return "reduced";
  }
  return "?";
}

std::string_view to_string(SweepConfig::Mode mode) { return mode == SweepConfig::Mode::grid ? "grid" : "continuation"; }

std::string_view to_string(ContinuationConfig::Direction direction) {
  switch (direction) {
    case ContinuationConfig::Direction::up: return "up";
    case ContinuationConfig::Direction::down: return "down";
    case ContinuationConfig::Direction::both: return "both";
  }
  return "?";
}

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

std::string value_text(const Key& key, const Config& config) {
  struct Text {
    const Config& c;
    std::string operator()(const IntegerKey& b) const {
      const long long value = b.get(c);
      return b.word && value == b.word->value ? b.word->name : std::to_string(value);
    }
    std::string operator()(const RealKey& b) const { return format_real(b.get(c)); }
    std::string operator()(const ChoiceKey& b) const { return b.get(c); }
    std::string operator()(const PathKey& b) const { return b.get(c).string(); }
    std::string operator()(const GridKey& b) const { return grid_text(b.get(c)); }
  };
  return std::visit(Text{config}, key.binds);
}

std::string allowed_text(const Key& key) {
  if (!key.allowed.empty()) return key.allowed;
  struct Allowed {
    std::string operator()(const IntegerKey& b) const { return integers_text(b); }
    std::string operator()(const RealKey& b) const { return "a real number " + b.range.text(); }
    std::string operator()(const ChoiceKey& b) const { return joined(b.names); }
    std::string operator()(const PathKey&) const { return "a path"; }
    std::string operator()(const GridKey& b) const {
      return "a value, a list or start:stop:count; every value " + followed(b).range_text;
    }
  };
  return std::visit(Allowed{}, key.binds);
}

std::string default_text(const Key& key) {
  return key.default_note.empty() ? value_text(key, Config{}) : key.default_note;
}

std::vector<std::pair<std::string, std::string>> Config::key_values() const {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const Key& key : keys()) pairs.emplace_back(key.name, value_text(key, *this));
  return pairs;
}

// A name that is no key (a caller's own entry beside the keys) is taken to affect results.
bool affects_results(std::string_view name) {
  const Key* key = find_key(name);
  return !key || key->affects_results;
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
    if (name.empty() || name == "config" || find_key(name) != nullptr)
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
    if (argument.starts_with("--") && argument.ends_with('=') && (find_key(name) != nullptr || name == "config")) {
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

  const auto used = [&](const Key& key) { return !key.only_for || *key.only_for == command; };
  for (const auto& section : sections()) {
    std::vector<const Key*> members;
    for (const Key& key : keys())
      if (std::string_view(key.name).substr(0, key.name.find('.')) == section.name) members.push_back(&key);
    out << "\n[" << section.name << "]  " << section.meaning << "\n";
    if (std::none_of(members.begin(), members.end(), [&](const Key* key) { return used(*key); }))
      out << wrap(command == Command::trajectory
                      ? "attnmf trajectory computes the single point of the model section; it checks these keys but "
                        "does not use them, so that one config file can serve both commands."
                      : "attnmf sweep checks these keys but does not use them, so that one config file can serve both "
                        "commands.",
                  "  ");
    for (const Key* key : members) {
      std::string heading = "  " + key->name;
      heading.resize(std::max<std::size_t>(heading.size() + 2, 30), ' ');
      out << heading << "default: " << default_text(*key) << "\n";
      out << wrap(key->meaning, "      ");
      out << wrap("Allowed: " + allowed_text(*key) + ".", "      ");
    }
  }
  return out.str();
}

}  // namespace attnmf::config
