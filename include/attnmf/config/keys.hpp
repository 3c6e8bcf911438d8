#pragma once
// The table of configuration keys (src/config/keys.cpp). Every key is one entry there: its name, the
// Config member it sets, its type and allowed values, its help text, whether it affects results and
// which command reads it. parse(), help_text(), Config::key_values() and affects_results() are all
// made from the table, so a new key is its member in config.hpp (with the member's default, which
// is the key's default) and its entry in the table, nothing else.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "attnmf/config/config.hpp"

namespace attnmf::config {

struct IntegerRange {
  long long min;
  long long max;
  bool contains(long long x) const { return x >= min && x <= max; }
  // "from 0 to 1000000", or ">= 1" when max is only the limit of the member's type.
  std::string text() const;
};

struct RealRange {
  double min;
  bool min_excluded;
  std::optional<double> max;  // included
  bool contains(double x) const { return (min_excluded ? x > min : x >= min) && (!max || x <= *max); }
  std::string text() const;  // "in [0, 1]", "> 0", ">= 0"
};

// The kinds of key. Each reads its member out of a Config and stores a checked value into one; the
// table's helpers (keys.cpp) make these accessors from a path of pointers to members.
struct IntegerKey {
  // A word the key takes beside its integers, which its member holds as `value`, a value outside
  // `range` (parallel.threads_per_rank = auto: 0).
  struct Word {
    std::string name;
    long long value;
  };
  IntegerRange range;
  std::function<long long(const Config&)> get;
  std::function<void(Config&, long long)> set;
  std::optional<Word> word = {};
};

struct RealKey {
  RealRange range;
  std::function<double(const Config&)> get;
  std::function<void(Config&, double)> set;
};

// One name out of a fixed list: an enum spelled by its to_string(), or run.simd_kernel's sets.
struct ChoiceKey {
  std::vector<std::string> names;
  std::function<std::string(const Config&)> get;
  std::function<void(Config&, const std::string&)> set;  // one of `names`
};

struct PathKey {
  // True: a relative path given in a config file is relative to the file's directory.
  bool relative_to_config_file;
  std::function<std::filesystem::path(const Config&)> get;
  std::function<void(Config&, std::filesystem::path)> set;
};

// A sweep axis. Its values obey the range of the model key it follows (a RealKey), and an axis the
// user did not give is that key's value.
struct GridKey {
  std::string follows;
  std::function<Grid(const Config&)> get;
  std::function<void(Config&, Grid)> set;
};

using Binding = std::variant<IntegerKey, RealKey, ChoiceKey, PathKey, GridKey>;

struct Key {
  std::string name;  // "section.key"
  Binding binds;
  std::string meaning;  // for --help: what the key does
  // For --help, "Allowed: ...". Empty: what `binds` says ("an integer from 0 to 1000000", the names).
  // Given where a limit is another key, checked with the other combinations (config.cpp).
  std::string allowed = {};
  // For --help, "default: ...". Empty: the value of a default-constructed Config (the member's
  // initialiser). Given where parse() sets or adapts the default.
  std::string default_note = {};
  // False for a key that cannot change a single number of a result, which a resumed run may change.
  bool affects_results = true;
  // The one command that reads the key; empty: both. Every command checks every key, so that one
  // config file can serve both.
  std::optional<Command> only_for = {};
};

struct Section {
  std::string name;
  std::string meaning;
};

// In the order of key_values() and of the help text.
const std::vector<Section>& sections();
const std::vector<Key>& keys();
// Null for a name that is no key.
const Key* find_key(std::string_view name);

// What --help shows for the key after "Allowed:" and "default:".
std::string allowed_text(const Key& key);
std::string default_text(const Key& key);
// The key's value in `config` as Config::key_values() gives it.
std::string value_text(const Key& key, const Config& config);

}  // namespace attnmf::config
