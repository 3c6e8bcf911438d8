// The table of keys (src/config/keys.cpp) against what is made from it and what describes it: the
// key_values() names, the help text, the defaults of a default-constructed Config, the ranges parse()
// enforces, affects_results(), docs/configuration.md and the analysis' own defaults.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "attnmf/analysis/point_analysis.hpp"
#include "attnmf/config/config.hpp"
#include "attnmf/config/keys.hpp"

namespace {

using attnmf::config::ChoiceKey;
using attnmf::config::Command;
using attnmf::config::Config;
using attnmf::config::ConfigError;
using attnmf::config::GridKey;
using attnmf::config::IntegerKey;
using attnmf::config::Key;
using attnmf::config::keys;
using attnmf::config::PathKey;
using attnmf::config::RealKey;

std::string section_of(const Key& key) { return key.name.substr(0, key.name.find('.')); }

// Runs of blanks and line breaks as one blank, so that wrapped help text can be searched.
std::string squeezed(const std::string& text) {
  std::string out;
  std::istringstream words(text);
  for (std::string word; words >> word;) out += (out.empty() ? "" : " ") + word;
  return out;
}

std::string format(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

TEST(Keys, TheTableIsWellFormed) {
  std::set<std::string> names;
  std::vector<std::string> section_order;
  for (const Key& key : keys()) {
    EXPECT_TRUE(names.insert(key.name).second) << key.name << " twice";
    EXPECT_EQ(std::count(key.name.begin(), key.name.end(), '.'), 1) << key.name;
    EXPECT_FALSE(key.meaning.empty()) << key.name;
    if (section_order.empty() || section_order.back() != section_of(key)) section_order.push_back(section_of(key));
    EXPECT_EQ(attnmf::config::find_key(key.name), &key);
    // An axis follows a real model key, or an integer one (sweep.size: network.size), whose range is
    // then its values'.
    if (const auto* grid = std::get_if<GridKey>(&key.binds)) {
      const Key* model = attnmf::config::find_key(grid->follows);
      ASSERT_NE(model, nullptr) << key.name;
      EXPECT_TRUE(std::holds_alternative<RealKey>(model->binds) || std::holds_alternative<IntegerKey>(model->binds))
          << key.name;
    }
  }
  // A section's keys stand together, in the order of the sections: the help lists them by section,
  // key_values() in the table's order, and the two orders are the same.
  std::vector<std::string> expected;
  for (const auto& section : attnmf::config::sections()) expected.push_back(section.name);
  EXPECT_EQ(section_order, expected);
  EXPECT_EQ(attnmf::config::find_key("model.nothing"), nullptr);
}

TEST(Keys, EveryKeyIsInKeyValuesAndInTheHelp) {
  const auto pairs = Config{}.key_values();
  ASSERT_EQ(pairs.size(), keys().size());
  for (std::size_t i = 0; i < pairs.size(); ++i) EXPECT_EQ(pairs[i].first, keys()[i].name);

  for (const Command command : {Command::trajectory, Command::sweep}) {
    const std::string help = attnmf::config::help_text(command);
    const std::string words = squeezed(help);
    std::size_t previous = 0;
    for (const Key& key : keys()) {
      const std::size_t at = words.find(key.name + " default: " + attnmf::config::default_text(key) + " ");
      ASSERT_NE(at, std::string::npos) << key.name << " in the help of " << to_string(command);
      EXPECT_GT(at, previous) << key.name << " out of order";
      previous = at;
      EXPECT_NE(words.find(squeezed(key.meaning), at), std::string::npos) << key.name;
      EXPECT_NE(words.find("Allowed: " + squeezed(attnmf::config::allowed_text(key)) + ".", at), std::string::npos)
          << key.name;
    }
  }
}

// The defaults are the members' initialisers, spelled once; parse() starts from the same values.
TEST(Keys, DefaultsAreThoseOfADefaultConstructedConfig) {
  const Config defaults;
  for (const Key& key : keys()) {
    const std::string value = attnmf::config::value_text(key, defaults);
    const std::string shown = attnmf::config::default_text(key);
    if (key.default_note.empty()) {
      EXPECT_EQ(shown, value) << key.name;
    } else if (const auto* grid = std::get_if<GridKey>(&key.binds)) {
      EXPECT_NE(shown.find(grid->follows), std::string::npos) << key.name << ": " << shown;
    } else if (!value.empty()) {
      // A default that adapts to other keys starts with the member's value: "3, or M*L when ...".
      EXPECT_EQ(shown.rfind(value + ", ", 0), 0U) << key.name << ": " << shown << " is not about " << value;
    }
  }

  const char* argv[] = {"--output.file", "x.h5", "--init.checkpoint", ATTNMF_REFERENCE_DIR "/checkpoint_window.txt"};
  const Config parsed = attnmf::config::parse(Command::sweep, 4, argv).config;
  const auto expected = defaults.key_values();
  const auto got = parsed.key_values();
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    if (got[i].first != "output.file" && got[i].first != "init.checkpoint") {
      EXPECT_EQ(got[i], expected[i]);
    }
}

// The problems parse() reports for `key` = `value` (beside the keys that make the rest valid).
std::vector<std::string> problems_for(const std::string& key, const std::string& value) {
  std::vector<std::string> arguments = {"--" + key, value};
  if (key != "output.file") arguments.insert(arguments.end(), {"--output.file", "x.h5"});
  if (key != "init.mode") arguments.insert(arguments.end(), {"--init.mode", "token"});
  std::vector<const char*> argv;
  for (const auto& argument : arguments) argv.push_back(argument.c_str());
  try {
    attnmf::config::parse(Command::sweep, static_cast<int>(argv.size()), argv.data());
  } catch (const ConfigError& error) {
    return error.problems();
  }
  return {};
}

std::string joined(const std::vector<std::string>& problems) {
  std::string text;
  for (const auto& p : problems) text += "\n  " + p;
  return text;
}

// A value just outside the range is refused, with the key, the value and the range; a value on its
// edge is not refused for the range (it may be for another key's sake).
void expect_refused(const std::string& key, const std::string& value, const std::string& allowed) {
  const auto problems = problems_for(key, value);
  const bool named = std::any_of(problems.begin(), problems.end(), [&](const std::string& p) {
    return p.rfind(key + " = ", 0) == 0 && p.find(value) != std::string::npos && p.find(allowed) != std::string::npos;
  });
  EXPECT_TRUE(named) << key << " = " << value << " not refused with '" << allowed << "':" << joined(problems);
}
void expect_in_range(const std::string& key, const std::string& value, const std::string& refusal) {
  for (const auto& problem : problems_for(key, value))
    EXPECT_EQ(problem.find(refusal), std::string::npos) << key << " = " << value << ": " << problem;
}

TEST(Keys, EveryRangeIsEnforced) {
  for (const Key& key : keys()) {
    if (const auto* integer = std::get_if<IntegerKey>(&key.binds)) {
      const auto& r = integer->range;
      const std::string must = "must be " + r.text();
      expect_refused(key.name, std::to_string(r.min - 1), must);
      if (r.max < std::numeric_limits<long long>::max())
        expect_refused(key.name, std::to_string(r.max + 1), must);
      else
        expect_refused(key.name, "9223372036854775808", "too large for an integer");
      expect_in_range(key.name, std::to_string(r.min), must);
      expect_in_range(key.name, std::to_string(r.max), must);
      // The word is taken, and the value that stands for it cannot be written as a number.
      if (integer->word) {
        expect_in_range(key.name, integer->word->name, "not an integer");
        expect_refused(key.name, std::to_string(integer->word->value), must + ", or " + integer->word->name);
        expect_refused(key.name, "no_such_name", "expected " + integer->word->name + " or an integer " + r.text());
      }
    } else if (const auto* real = std::get_if<RealKey>(&key.binds)) {
      const auto& r = real->range;
      const std::string must = "must be " + r.text();
      const double below = r.min_excluded ? r.min : std::nextafter(r.min, -INFINITY);
      expect_refused(key.name, format(below), must);
      if (!r.min_excluded) expect_in_range(key.name, format(r.min), must);
      if (r.max) {
        expect_refused(key.name, format(std::nextafter(*r.max, INFINITY)), must);
        expect_in_range(key.name, format(*r.max), must);
      }
    } else if (const auto* grid = std::get_if<GridKey>(&key.binds);
               grid && std::holds_alternative<IntegerKey>(attnmf::config::find_key(grid->follows)->binds)) {
      const auto& r = std::get<IntegerKey>(attnmf::config::find_key(grid->follows)->binds).range;
      const std::string must = "every value must be an integer " + r.text() + ", as for " + grid->follows;
      expect_refused(key.name, std::to_string(r.min - 1), must);
      expect_refused(key.name, std::to_string(r.min) + ".5", must);
      expect_refused(key.name, std::to_string(r.min) + "," + std::to_string(r.max) + "0", must);  // (r.max + 1 rounds to r.max)
    } else if (grid) {
      const auto& r = std::get<RealKey>(attnmf::config::find_key(grid->follows)->binds).range;
      const std::string must = "every value must be " + r.text() + ", as for " + grid->follows;
      const double below = r.min_excluded ? r.min : std::nextafter(r.min, -INFINITY);
      expect_refused(key.name, format(below), must);
      if (r.max) expect_refused(key.name, "0," + format(std::nextafter(*r.max, INFINITY)), must);
    } else if (const auto* choice = std::get_if<ChoiceKey>(&key.binds)) {
      std::string names;
      for (const auto& name : choice->names) names += (names.empty() ? "" : ", ") + name;
      expect_refused(key.name, "no_such_name", "must be one of " + names);
      for (const auto& name : choice->names) expect_in_range(key.name, name, "must be one of");
    } else {
      ASSERT_TRUE(std::holds_alternative<PathKey>(key.binds)) << key.name;
    }
  }
}

TEST(Keys, AffectsResultsIsTheTables) {
  std::set<std::string> free;
  for (const Key& key : keys()) {
    EXPECT_EQ(attnmf::config::affects_results(key.name), key.affects_results) << key.name;
    if (!key.affects_results) free.insert(key.name);
  }
  // docs/configuration.md names these five ("Keys that affect results").
  EXPECT_EQ(free, (std::set<std::string>{"output.file", "output.sample_compression", "parallel.threads_per_rank",
                                         "parallel.block_points", "run.simd_kernel"}));
  EXPECT_TRUE(attnmf::config::affects_results("not.a.key"));
}

// A section that a command reads no key of says so in that command's help, before its first key.
TEST(Keys, TheHelpSaysWhichSectionsACommandDoesNotUse) {
  for (const Command command : {Command::trajectory, Command::sweep}) {
    const std::string help = squeezed(attnmf::config::help_text(command));
    for (const auto& section : attnmf::config::sections()) {
      bool used = false;
      const Key* first = nullptr;
      for (const Key& key : keys()) {
        if (section_of(key) != section.name) continue;
        if (!first) first = &key;
        used = used || !key.only_for || *key.only_for == command;
      }
      ASSERT_NE(first, nullptr) << section.name << " has no keys";
      const std::size_t header = help.find("[" + section.name + "] " + section.meaning + " ");
      ASSERT_NE(header, std::string::npos) << section.name;
      const std::size_t note = help.find("checks these keys but does not use them", header);
      EXPECT_EQ(note < help.find(first->name + " default:", header), !used)
          << section.name << " in the help of " << to_string(command);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// docs/configuration.md: a row per key, with the table's type, default, range and results column.

// The cells of a Markdown table row, "\|" kept as a '|' inside its cell.
std::vector<std::string> cells(const std::string& row) {
  std::vector<std::string> out;
  std::string cell;
  for (std::size_t i = 1; i < row.size(); ++i) {
    if (row[i] == '\\' && i + 1 < row.size() && row[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (row[i] == '|') {
      out.push_back(squeezed(cell));
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  return out;
}

std::string without_backticks(std::string text) {
  std::erase(text, '`');
  return text;
}

// A range as the documentation writes it: "1 … 20", "≥ 0", "[0, 1]", "> 0".
std::string documented(const std::string& range_text) {
  std::string text = range_text;
  if (text.rfind("from ", 0) == 0) {
    text = text.substr(5);
    text.replace(text.find(" to "), 4, " … ");
  }
  if (text.rfind("in ", 0) == 0) text = text.substr(3);
  if (text.rfind(">= ", 0) == 0) text = "≥ " + text.substr(3);
  return text;
}

TEST(Keys, TheDocumentationDescribesEveryKey) {
  std::ifstream in(ATTNMF_SOURCE_DIR "/docs/configuration.md");
  ASSERT_TRUE(in) << "docs/configuration.md";
  std::map<std::string, std::vector<std::string>> rows;  // key -> type, default, allowed, meaning, results
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    const auto row = cells(line);
    if (row.size() != 6) continue;
    const std::string name = without_backticks(row[0]);
    if (name.find('.') == std::string::npos) continue;
    EXPECT_TRUE(rows.emplace(name, std::vector<std::string>(row.begin() + 1, row.end())).second) << name << " twice";
  }

  const Config defaults;
  for (const Key& key : keys()) {
    const auto it = rows.find(key.name);
    ASSERT_NE(it, rows.end()) << key.name << " is not in docs/configuration.md";
    const std::string& type = it->second[0];
    const std::string& default_cell = it->second[1];
    const std::string& allowed_cell = it->second[2];
    const std::string& results = it->second[4];
    const std::string allowed = without_backticks(allowed_cell);
    const char* kind = std::visit(
        [](const auto& binding) -> const char* {
          using T = std::decay_t<decltype(binding)>;
          if constexpr (std::is_same_v<T, IntegerKey>) return "integer";
          if constexpr (std::is_same_v<T, RealKey>) return "real";
          if constexpr (std::is_same_v<T, ChoiceKey>) return "name";
          if constexpr (std::is_same_v<T, PathKey>) return "path";
          return "grid";
        },
        key.binds);
    EXPECT_EQ(type, kind) << key.name;
    const std::string value = attnmf::config::value_text(key, defaults);
    if (!std::holds_alternative<GridKey>(key.binds) && !value.empty()) {
      EXPECT_NE(without_backticks(default_cell).find(value), std::string::npos) << key.name << ": " << default_cell;
    }
    EXPECT_EQ(results.rfind(key.affects_results ? "yes" : "no", 0), 0U) << key.name << ": " << results;
    if (!key.allowed.empty()) continue;  // limits that are other keys, documented in words
    if (const auto* integer = std::get_if<IntegerKey>(&key.binds)) {
      EXPECT_NE(allowed.find(documented(integer->range.text())), std::string::npos) << key.name << ": " << allowed;
      if (integer->word) {
        EXPECT_NE(allowed.find(integer->word->name), std::string::npos) << key.name << ": " << allowed;
      }
    } else if (const auto* real = std::get_if<RealKey>(&key.binds)) {
      EXPECT_NE(allowed.find(documented(real->range.text())), std::string::npos) << key.name << ": " << allowed;
    } else if (const auto* choice = std::get_if<ChoiceKey>(&key.binds)) {
      for (const auto& name : choice->names)
        EXPECT_NE(allowed.find(name), std::string::npos) << key.name << ": " << name << " not in " << allowed;
    }
  }
  EXPECT_EQ(rows.size(), keys().size()) << "docs/configuration.md has rows for keys that do not exist";
}

// The analysis' own defaults serve code that builds its settings by hand (its tests); a sweep's
// come from the analysis.* keys, and the two must not tell different stories.
TEST(Keys, AnalysisSettingsDefaultsAreTheKeys) {
  const attnmf::analysis::AnalysisSettings settings;
  const Config defaults;
  EXPECT_EQ(settings.samples, defaults.analysis.samples);
  EXPECT_EQ(settings.section_feature, defaults.analysis.section_feature);
  EXPECT_EQ(settings.section_tolerance, defaults.analysis.section_tolerance);
  EXPECT_EQ(settings.section_max, defaults.analysis.section_max);
  EXPECT_EQ(settings.period_max, defaults.analysis.period_max);
  EXPECT_EQ(settings.period_tolerance, defaults.analysis.period_tolerance);
  EXPECT_EQ(settings.count_resolution, defaults.analysis.count_resolution);
}

}  // namespace
