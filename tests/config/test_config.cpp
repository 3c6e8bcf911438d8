// The configuration: defaults, the two sources and their precedence, every class of error, grids,
// and the key_values() round trip.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "attnmf/config/config.hpp"

namespace {

namespace fs = std::filesystem;
using attnmf::config::Command;
using attnmf::config::Config;
using attnmf::config::ConfigError;
using attnmf::config::Grid;
using attnmf::config::InitConfig;
using attnmf::config::ParseResult;
using attnmf::model::CorrelationMode;

// A fresh directory under the system's temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device entropy;
    path_ = fs::temp_directory_path() /
            ("attnmf_config_test_" + std::to_string(entropy()) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path write(const fs::path& name, const std::string& content) const {
    const fs::path file = path_ / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << content;
    return file;
  }

 private:
  fs::path path_;
};

ParseResult run_parse(Command command, const std::vector<std::string>& arguments,
                      const std::set<std::string>& flags = {}) {
  std::vector<const char*> argv;
  for (const auto& argument : arguments) argv.push_back(argument.c_str());
  return attnmf::config::parse(command, static_cast<int>(argv.size()), argv.data(), flags);
}

// Every test needs these two keys unless it is about them: the default init.mode reads a window file,
// and output.file has no default.
class ConfigTest : public ::testing::Test {
 protected:
  TempDir dir;
  fs::path checkpoint = dir.write("checkpoint_window.txt", "0.1 0.2 0.3\n");
  fs::path output = dir.path() / "out.h5";

  std::vector<std::string> required() const {
    return {"--init.checkpoint", checkpoint.string(), "--output.file", output.string()};
  }
  Config parse_with(std::vector<std::string> arguments, Command command = Command::sweep) const {
    const auto base = required();
    arguments.insert(arguments.begin(), base.begin(), base.end());
    return run_parse(command, arguments).config;
  }
  // The problems reported for these arguments (added to the required ones); fails if none are.
  std::vector<std::string> problems_with(std::vector<std::string> arguments, bool add_required = true) const {
    if (add_required) {
      const auto base = required();
      arguments.insert(arguments.begin(), base.begin(), base.end());
    }
    try {
      run_parse(Command::sweep, arguments);
    } catch (const ConfigError& error) {
      EXPECT_FALSE(error.problems().empty());
      return error.problems();
    }
    ADD_FAILURE() << "no ConfigError";
    return {};
  }
};

std::string joined(const std::vector<std::string>& problems) {
  std::string text;
  for (const auto& p : problems) text += "\n  " + p;
  return text;
}

// True if one message holds every fragment: the key, the value, what is allowed.
bool mentions(const std::vector<std::string>& problems, std::initializer_list<std::string> fragments) {
  return std::any_of(problems.begin(), problems.end(), [&](const std::string& problem) {
    return std::all_of(fragments.begin(), fragments.end(),
                       [&](const std::string& f) { return problem.find(f) != std::string::npos; });
  });
}

#define EXPECT_PROBLEM(problems, ...) EXPECT_TRUE(mentions(problems, {__VA_ARGS__})) << joined(problems)

// ---------------------------------------------------------------------------------------------
// Defaults and sources

TEST_F(ConfigTest, DefaultsAreThePapersValues) {
  for (const Config& c : {Config{}, parse_with({})}) {
    EXPECT_EQ(c.model.features, 3);
    EXPECT_EQ(c.model.context, 4);
    EXPECT_EQ(c.model.positional_bits, 2);
    EXPECT_EQ(c.model.semantic_bits, 99);
    EXPECT_EQ(c.model.epsilon, 0.02);
    EXPECT_EQ(c.model.beta, 1.27);
    EXPECT_EQ(c.model.gamma, 220.0);
    EXPECT_EQ(c.model.weights.seed, 1u);
    EXPECT_EQ(c.model.weights.correlations, CorrelationMode::segments);
    EXPECT_EQ(c.model.weights.segments, 3);
    EXPECT_EQ(c.model.weights.gaussian_scale, 0.5);
    EXPECT_EQ(c.init.mode, InitConfig::Mode::checkpoint);
    EXPECT_EQ(c.init.token, 0);
    EXPECT_EQ(c.run.steps, 1'200'000);
    EXPECT_EQ(c.run.transient, 1'000'000);
    EXPECT_EQ(c.sweep.beta.values, std::vector<double>{1.27});
    EXPECT_EQ(c.sweep.gamma.values, std::vector<double>{220.0});
    EXPECT_EQ(c.sweep.epsilon.values, std::vector<double>{0.02});
    EXPECT_EQ(c.analysis.samples, 20'000);
    EXPECT_EQ(c.analysis.lyapunov, 3);
    EXPECT_EQ(c.parallel.threads_per_rank, 2);
  }
  const Config parsed = parse_with({}, Command::trajectory);
  EXPECT_EQ(parsed.init.checkpoint, checkpoint);
  EXPECT_EQ(parsed.output.file, output);
}

TEST_F(ConfigTest, KeyValuesListsEveryKeyInAFixedOrder) {
  const std::vector<std::string> expected = {
      "model.features", "model.context", "model.positional_bits", "model.semantic_bits", "model.epsilon",
      "model.beta", "model.gamma",
      "weights.seed", "weights.correlations", "weights.segments", "weights.gaussian_scale",
      "init.mode", "init.checkpoint", "init.token", "init.starts",
      "run.steps", "run.transient", "run.engine", "run.simd_kernel",
      "sweep.beta", "sweep.gamma", "sweep.epsilon", "sweep.mode", "sweep.size",
      "continuation.from", "continuation.direction", "continuation.transient",
      "attractors.periodic_tolerance", "attractors.tolerance", "attractors.cover_fraction",
      "analysis.samples", "analysis.lyapunov", "analysis.lyapunov_trace", "analysis.section_feature", "analysis.section_tolerance",
      "analysis.section_max", "analysis.period_max", "analysis.period_tolerance", "analysis.count_resolution",
      "output.file", "output.sample_precision", "output.sample_compression",
      "parallel.threads_per_rank", "parallel.block_points",
      "network.size", "network.replicas", "network.algorithm", "network.seed"};
  const auto pairs = Config{}.key_values();
  std::vector<std::string> names;
  for (const auto& [name, value] : pairs) names.push_back(name);
  EXPECT_EQ(names, expected);
  const std::map<std::string, std::string> values(pairs.begin(), pairs.end());
  EXPECT_EQ(values.at("model.beta"), "1.27");
  EXPECT_EQ(values.at("model.gamma"), "220");
  EXPECT_EQ(values.at("model.epsilon"), "0.02");
  EXPECT_EQ(values.at("weights.correlations"), "segments");
  EXPECT_EQ(values.at("init.mode"), "checkpoint");
  EXPECT_EQ(values.at("run.steps"), "1200000");
  EXPECT_EQ(values.at("run.engine"), "simd");
  EXPECT_EQ(values.at("run.simd_kernel"), "auto");
  EXPECT_EQ(values.at("sweep.beta"), "1.27");
}

// The exact text of every key, as result files written by earlier versions hold it: --resume compares
// it with what this version makes of the same configuration, so it must not change by a byte.
TEST_F(ConfigTest, KeyValuesTextIsThatOfEarlierVersions) {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(Config{}.key_values(),
            (Pairs{{"model.features", "3"}, {"model.context", "4"}, {"model.positional_bits", "2"},
                   {"model.semantic_bits", "99"}, {"model.epsilon", "0.02"}, {"model.beta", "1.27"},
                   {"model.gamma", "220"}, {"weights.seed", "1"}, {"weights.correlations", "segments"},
                   {"weights.segments", "3"}, {"weights.gaussian_scale", "0.5"}, {"init.mode", "checkpoint"},
                   {"init.checkpoint", ""}, {"init.token", "0"}, {"init.starts", "1"}, {"run.steps", "1200000"},
                   {"run.transient", "1000000"}, {"run.engine", "simd"}, {"run.simd_kernel", "auto"},
                   {"sweep.beta", "1.27"}, {"sweep.gamma", "220"}, {"sweep.epsilon", "0.02"}, {"sweep.mode", "grid"},
                   {"sweep.size", "99000"}, {"continuation.from", "0"}, {"continuation.direction", "up"}, {"continuation.transient", "100000"},
                   {"attractors.periodic_tolerance", "1e-06"}, {"attractors.tolerance", "0.01"},
                   {"attractors.cover_fraction", "0.9"},
                   {"analysis.samples", "20000"}, {"analysis.lyapunov", "3"}, {"analysis.lyapunov_trace", "0"},
                   {"analysis.section_feature", "1"}, {"analysis.section_tolerance", "0.001"},
                   {"analysis.section_max", "1000"}, {"analysis.period_max", "4096"},
                   {"analysis.period_tolerance", "1e-09"}, {"analysis.count_resolution", "0.0003999200159968006"},
                   {"output.file", ""}, {"output.sample_precision", "float64"}, {"output.sample_compression", "deflate"}, {"parallel.threads_per_rank", "2"}, {"parallel.block_points", "16"},
                   {"network.size", "99000"}, {"network.replicas", "1"}, {"network.algorithm", "auto"},
                   {"network.seed", "1"}}));

  // Every key away from its default, from a config file and the command line.
  const fs::path ini = dir.write("varied/run.ini", "[init]\ncheckpoint = w.txt\n[model]\ngamma = 1e3\n");
  dir.write("varied/w.txt", "0\n");
  const Config varied =
      run_parse(Command::sweep,
                {"--config", ini.string(), "--model.features", "2", "--model.context", "+8", "--model.positional_bits",
                 "3", "--model.semantic_bits", "50", "--model.epsilon", "0.1", "--model.beta", "0.3",
                 "--weights.seed", "4294967295", "--weights.correlations", "gaussian", "--weights.segments", "5",
                 "--weights.gaussian_scale", "0.25", "--init.token", "1", "--run.steps", "5000", "--run.transient",
                 "1000", "--run.engine", "scalar", "--run.simd_kernel", "sse2", "--sweep.beta", "+0:3:4001",
                 "--sweep.gamma", "100, 1e2,300.5", "--sweep.epsilon", " 0.05 ", "--init.starts", "3",
                 "--sweep.mode", "continuation", "--continuation.from", "1.5", "--continuation.direction", "both",
                 "--continuation.transient", "7", "--attractors.periodic_tolerance", "1e-8", "--attractors.tolerance",
                 "0.05", "--attractors.cover_fraction", "1", "--analysis.samples", "4000",
                 "--analysis.lyapunov", "16", "--analysis.lyapunov_trace", "10", "--analysis.section_feature", "0",
                 "--analysis.section_tolerance", "2e-3", "--analysis.section_max", "0", "--analysis.period_max",
                 "1000000", "--analysis.period_tolerance", "1e-12", "--analysis.count_resolution", "0.1",
                 "--output.file", "out.h5", "--output.sample_precision", "float32", "--output.sample_compression", "none", "--parallel.threads_per_rank", "256", "--parallel.block_points", "4096",
                 "--sweep.size", "500", "--network.size", "5000", "--network.replicas", "7", "--network.algorithm",
                 "direct", "--network.seed", "9"})
          .config;
  EXPECT_EQ(varied.key_values(),
            (Pairs{{"model.features", "2"}, {"model.context", "8"}, {"model.positional_bits", "3"},
                   {"model.semantic_bits", "50"}, {"model.epsilon", "0.1"}, {"model.beta", "0.3"},
                   {"model.gamma", "1000"}, {"weights.seed", "4294967295"}, {"weights.correlations", "gaussian"},
                   {"weights.segments", "5"}, {"weights.gaussian_scale", "0.25"}, {"init.mode", "checkpoint"},
                   {"init.checkpoint", (dir.path() / "varied" / "w.txt").string()}, {"init.token", "1"},
                   {"init.starts", "3"}, {"run.steps", "5000"}, {"run.transient", "1000"}, {"run.engine", "scalar"},
                   {"run.simd_kernel", "sse2"}, {"sweep.beta", "0:3:4001"}, {"sweep.gamma", "100,100,300.5"},
                   {"sweep.epsilon", "0.05"}, {"sweep.mode", "continuation"}, {"sweep.size", "500"},
                   {"continuation.from", "1.5"},
                   {"continuation.direction", "both"}, {"continuation.transient", "7"},
                   {"attractors.periodic_tolerance", "1e-08"}, {"attractors.tolerance", "0.05"},
                   {"attractors.cover_fraction", "1"}, {"analysis.samples", "4000"}, {"analysis.lyapunov", "16"},
                   {"analysis.lyapunov_trace", "10"}, {"analysis.section_feature", "0"},
                   {"analysis.section_tolerance", "0.002"}, {"analysis.section_max", "0"},
                   {"analysis.period_max", "1000000"}, {"analysis.period_tolerance", "1e-12"},
                   {"analysis.count_resolution", "0.1"}, {"output.file", "out.h5"}, {"output.sample_precision", "float32"}, {"output.sample_compression", "none"},
                   {"parallel.threads_per_rank", "256"}, {"parallel.block_points", "4096"},
                   {"network.size", "5000"}, {"network.replicas", "7"}, {"network.algorithm", "direct"},
                   {"network.seed", "9"}}));

  // The defaults that follow other keys: the axes, and those lowered to fit a small window or a short run.
  const Config small = run_parse(Command::trajectory, {"--model.features", "1", "--model.context", "2", "--run.steps",
                                                       "100", "--run.transient", "90", "--model.beta", "2.5",
                                                       "--init.mode", "token", "--output.file", "t.h5"})
                           .config;
  const auto pairs = small.key_values();
  const std::map<std::string, std::string> values(pairs.begin(), pairs.end());
  EXPECT_EQ(values.at("sweep.beta"), "2.5");
  EXPECT_EQ(values.at("sweep.size"), "99000");
  EXPECT_EQ(values.at("analysis.samples"), "10");
  EXPECT_EQ(values.at("analysis.lyapunov"), "2");
  EXPECT_EQ(values.at("analysis.section_feature"), "0");
  EXPECT_EQ(values.at("init.mode"), "token");
}

TEST_F(ConfigTest, CommandLineWinsOverConfigFile) {
  const fs::path ini = dir.write("run.ini",
                                 "# the paper's setting, but hotter\n"
                                 "run.steps = 5000\n"
                                 "analysis.samples = 100\n"
                                 "[model]\n"
                                 "beta = 1.3\n"
                                 "gamma = 200   # attention gain\n"
                                 "[weights]\n"
                                 "correlations = weights\n");
  const Config c = parse_with({"--config", ini.string(), "--model.beta", "1.4", "--run.transient=100"});
  EXPECT_EQ(c.model.beta, 1.4);
  EXPECT_EQ(c.model.gamma, 200.0);
  EXPECT_EQ(c.model.weights.correlations, CorrelationMode::weights);
  EXPECT_EQ(c.run.steps, 5000);
  EXPECT_EQ(c.run.transient, 100);
  EXPECT_EQ(c.model.epsilon, 0.02);
  // An axis not given follows the model key, wherever that came from.
  EXPECT_EQ(c.sweep.beta.values, std::vector<double>{1.4});
  EXPECT_EQ(c.sweep.gamma.values, std::vector<double>{200.0});
}

TEST_F(ConfigTest, ValueAfterKeyOrAfterEqualSign) {
  const Config c = parse_with({"--model.beta=1.255", "--model.gamma", "210", "--weights.seed=7", "--run.steps",
                               "3000", "--run.transient=1000", "--analysis.samples", "5", "--sweep.epsilon=0,0.5"});
  EXPECT_EQ(c.model.beta, 1.255);
  EXPECT_EQ(c.model.gamma, 210.0);
  EXPECT_EQ(c.model.weights.seed, 7u);
  EXPECT_EQ(c.run.steps, 3000);
  EXPECT_EQ(c.run.transient, 1000);
  EXPECT_EQ(c.analysis.samples, 5);
  EXPECT_EQ(c.sweep.epsilon.values, (std::vector<double>{0.0, 0.5}));
}

TEST_F(ConfigTest, ExtraFlagsAreReportedByLongName) {
  const std::set<std::string> switches = {"resume", "verbose,v", "quiet"};
  auto arguments = required();
  arguments.insert(arguments.end(), {"--resume", "-v"});
  const ParseResult r = run_parse(Command::sweep, arguments, switches);
  EXPECT_EQ(r.flags, (std::set<std::string>{"resume", "verbose"}));
  EXPECT_TRUE(run_parse(Command::sweep, required(), switches).flags.empty());

  arguments = required();
  arguments.push_back("--resume=yes");
  try {
    run_parse(Command::sweep, arguments, switches);
    ADD_FAILURE() << "a value for a switch was accepted";
  } catch (const ConfigError& e) {
    EXPECT_PROBLEM(e.problems(), "--resume", "yes", "no value");
  }
  EXPECT_THROW(run_parse(Command::sweep, required(), {"model.beta"}), std::invalid_argument);
}

TEST_F(ConfigTest, HelpNeedsNoValidConfiguration) {
  // No output.file, a broken value: --help must still get through.
  const ParseResult r = run_parse(Command::sweep, {"--model.beta", "abc", "--help"}, {"help"});
  EXPECT_TRUE(r.flags.contains("help"));
}

TEST_F(ConfigTest, RelativeCheckpointInConfigFileIsRelativeToTheFile) {
  const fs::path window = dir.write("jobs/windows/start.txt", "0 0 0\n");
  const fs::path ini = dir.write("jobs/run.ini", "output.file = out.h5\n[init]\ncheckpoint = windows/start.txt\n");
  const Config c = run_parse(Command::sweep, {"--config", ini.string()}).config;
  EXPECT_EQ(c.init.checkpoint, dir.path() / "jobs" / "windows" / "start.txt");
  EXPECT_TRUE(fs::equivalent(c.init.checkpoint, window));
  // output.file is not moved: it stays relative to the current directory.
  EXPECT_EQ(c.output.file, fs::path("out.h5"));

  // On the command line a relative path is relative to the current directory, where this one is not.
  const auto problems = problems_with({"--config", ini.string(), "--init.checkpoint", "windows/start.txt"}, false);
  EXPECT_PROBLEM(problems, "init.checkpoint", "windows/start.txt", "no such file");

  // An absolute path in a file is left alone.
  const fs::path absolute = dir.write("abs.ini", "output.file = o.h5\ninit.checkpoint = " + window.string() + "\n");
  EXPECT_EQ(run_parse(Command::sweep, {"--config", absolute.string()}).config.init.checkpoint, window);
}

TEST_F(ConfigTest, ParseLeavesTheDiskAlone) {
  const fs::path output_in_new_dir = dir.path() / "results" / "sweep.h5";
  const auto before = std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator());
  run_parse(Command::sweep, {"--init.checkpoint", checkpoint.string(), "--output.file", output_in_new_dir.string()});
  EXPECT_FALSE(fs::exists(output_in_new_dir.parent_path()));
  EXPECT_FALSE(fs::exists(output));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), before);
}

TEST_F(ConfigTest, LyapunovDefaultIsLoweredToTheWindowDimension) {
  const Config small = parse_with({"--model.features", "1", "--model.context", "2"});
  EXPECT_EQ(small.analysis.lyapunov, 2);
  EXPECT_EQ(parse_with({"--analysis.lyapunov", "12"}).analysis.lyapunov, 12);
  EXPECT_PROBLEM(problems_with({"--analysis.lyapunov", "13"}), "analysis.lyapunov = 13", "at most", "12");
}

TEST_F(ConfigTest, TokenModeNeedsNoCheckpoint) {
  const Config c =
      run_parse(Command::trajectory, {"--init.mode", "token", "--init.token", "2", "--output.file", "t.h5"}).config;
  EXPECT_EQ(c.init.mode, InitConfig::Mode::token);
  EXPECT_EQ(c.init.token, 2);
  EXPECT_TRUE(c.init.checkpoint.empty());
}

// ---------------------------------------------------------------------------------------------
// Errors, one class at a time

TEST_F(ConfigTest, UnknownKeysAreErrorsWithASuggestion) {
  const fs::path ini = dir.write("run.ini", "[model]\nbetta = 1.3\n[nonsense]\nfoo = 1\n");
  const auto problems = problems_with({"--config", ini.string(), "--run.step", "10", "--model.b=2", "-x"});
  EXPECT_PROBLEM(problems, "unknown key 'model.betta'", "(in config file " + ini.string() + ")",
                 "did you mean 'model.beta'?");
  EXPECT_PROBLEM(problems, "unknown key 'nonsense.foo'");
  EXPECT_PROBLEM(problems, "'--run.step'", "10", "did you mean '--run.steps'?");
  // No abbreviations: --model.b is not taken for --model.beta.
  EXPECT_PROBLEM(problems, "'--model.b'", "2");
  EXPECT_PROBLEM(problems, "'-x'");
  EXPECT_EQ(problems.size(), 5u) << joined(problems);

  // A key written without its section.
  const fs::path bare = dir.write("bare.ini", "beta = 1\n");
  EXPECT_PROBLEM(problems_with({"--config", bare.string()}), "unknown key 'beta'", "'model.beta' or 'sweep.beta'");
}

TEST_F(ConfigTest, WrongTypesAreErrors) {
  const auto problems = problems_with({"--model.features", "2.5", "--model.context", "abc", "--model.beta", "1.5x",
                                       "--model.gamma", "nan", "--model.epsilon", "inf", "--run.steps", "1.2e6",
                                       "--weights.seed", "", "--weights.gaussian_scale", "1e999"});
  EXPECT_PROBLEM(problems, "model.features = '2.5'", "not an integer", "expected an integer >= 1");
  EXPECT_PROBLEM(problems, "model.context = 'abc'", "not an integer");
  EXPECT_PROBLEM(problems, "model.beta = '1.5x'", "not a real number (expected a real number >= 0)");
  EXPECT_PROBLEM(problems, "model.gamma = 'nan'", "not a finite real number");
  EXPECT_PROBLEM(problems, "model.epsilon = 'inf'", "not a finite real number", "in [0, 1]");
  EXPECT_PROBLEM(problems, "run.steps = '1.2e6'", "not an integer");
  EXPECT_PROBLEM(problems, "weights.seed = ''", "not an integer", "from 0 to 4294967295");
  EXPECT_PROBLEM(problems, "weights.gaussian_scale = '1e999'", "not representable");
  EXPECT_EQ(problems.size(), 8u) << joined(problems);
}

TEST_F(ConfigTest, ValuesOutOfRangeAreErrors) {
  const auto problems = problems_with({"--model.positional_bits", "21", "--model.epsilon", "1.5", "--model.beta", "-1",
                                       "--weights.seed", "4294967296", "--weights.gaussian_scale", "0",
                                       "--parallel.threads_per_rank", "257", "--model.semantic_bits", "0",
                                       "--run.transient", "-5"});
  EXPECT_PROBLEM(problems, "model.positional_bits = 21", "from 1 to 20");
  EXPECT_PROBLEM(problems, "model.epsilon = 1.5", "in [0, 1]");
  EXPECT_PROBLEM(problems, "model.beta = -1", ">= 0");
  EXPECT_PROBLEM(problems, "weights.seed = 4294967296", "from 0 to 4294967295");
  EXPECT_PROBLEM(problems, "weights.gaussian_scale = 0", "> 0");
  EXPECT_PROBLEM(problems, "parallel.threads_per_rank = 257", "from 1 to 256");
  EXPECT_PROBLEM(problems, "model.semantic_bits = 0", ">= 1");
  EXPECT_PROBLEM(problems, "run.transient = -5", ">= 0");
  EXPECT_EQ(problems.size(), 8u) << joined(problems);
  EXPECT_PROBLEM(problems_with({"--weights.seed", "-1"}), "weights.seed = -1", "from 0 to 4294967295");
  EXPECT_PROBLEM(problems_with({"--parallel.threads_per_rank", "0"}), "parallel.threads_per_rank = 0");
}

// parallel.threads_per_rank takes auto beside its integers, from either source, and shows it as
// auto; a word other than auto, and a number outside the range, are refused naming both forms.
TEST_F(ConfigTest, ThreadsPerRankIsAutoOrAnInteger) {
  using attnmf::config::ParallelConfig;
  const Config automatic = parse_with({"--parallel.threads_per_rank", "auto"});
  EXPECT_EQ(automatic.parallel.threads_per_rank, ParallelConfig::threads_auto);
  const auto pairs = automatic.key_values();
  const std::map<std::string, std::string> values(pairs.begin(), pairs.end());
  EXPECT_EQ(values.at("parallel.threads_per_rank"), "auto");
  const fs::path file = dir.write("auto.ini", "[parallel]\nthreads_per_rank = auto\n");
  EXPECT_EQ(parse_with({"--config", file.string()}).parallel.threads_per_rank, ParallelConfig::threads_auto);
  EXPECT_EQ(parse_with({"--config", file.string(), "--parallel.threads_per_rank", "3"}).parallel.threads_per_rank, 3);

  for (const std::string word : {"Auto", "automatic", "cpus", ""})
    EXPECT_PROBLEM(problems_with({"--parallel.threads_per_rank", word}), "parallel.threads_per_rank = '" + word + "'",
                   "not an integer (expected auto or an integer from 1 to 256)");
  for (const std::string number : {"0", "257", "-1"})
    EXPECT_PROBLEM(problems_with({"--parallel.threads_per_rank", number}), "parallel.threads_per_rank = " + number,
                   "must be from 1 to 256, or auto");
}

TEST_F(ConfigTest, UnknownNamesOfModesAreErrors) {
  const auto problems =
      problems_with({"--weights.correlations", "segmented", "--init.mode", "random", "--run.engine", "gpu"});
  EXPECT_PROBLEM(problems, "weights.correlations = 'segmented'", "segments, weights, gaussian, uniform");
  EXPECT_PROBLEM(problems, "init.mode = 'random'", "checkpoint, token");
  EXPECT_PROBLEM(problems, "run.engine = 'gpu'", "simd, scalar");
}

TEST_F(ConfigTest, TransientMustBeShorterThanTheRun) {
  EXPECT_PROBLEM(problems_with({"--run.transient", "1200000"}), "run.transient = 1200000",
                 "less than run.steps = 1200000");
  EXPECT_PROBLEM(problems_with({"--run.steps", "10", "--run.transient", "11"}), "run.transient = 11",
                 "run.steps = 10");
}

TEST_F(ConfigTest, ContextMustFitThePositionalCode) {
  EXPECT_PROBLEM(problems_with({"--model.context", "8"}), "model.context = 8: must be at most 2^model.positional_bits = 4");
  EXPECT_EQ(parse_with({"--model.context", "8", "--model.positional_bits", "3"}).model.context, 8);
}

TEST_F(ConfigTest, FeaturesMustBeDefinedByTheCorrelationMode) {
  const auto problems = problems_with({"--model.features", "4", "--weights.correlations", "gaussian"});
  EXPECT_PROBLEM(problems, "model.features = 4", "weights.correlations = gaussian", "at most 3");
  EXPECT_PROBLEM(problems_with({"--model.features", "17"}), "model.features = 17", "weights.correlations = segments",
                 "16");
  EXPECT_EQ(parse_with({"--model.features", "4"}).model.features, 4);
}

TEST_F(ConfigTest, CheckpointModeNeedsAReadableFile) {
  const auto base = std::vector<std::string>{"--output.file", output.string()};
  auto problems_for = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), base.begin(), base.end());
    try {
      run_parse(Command::trajectory, extra);
    } catch (const ConfigError& e) {
      return e.problems();
    }
    ADD_FAILURE() << "no ConfigError";
    return std::vector<std::string>{};
  };
  EXPECT_PROBLEM(problems_for({}), "init.checkpoint = ''", "init.mode = checkpoint");
  const std::string missing = (dir.path() / "missing.txt").string();
  EXPECT_PROBLEM(problems_for({"--init.checkpoint", missing}), "init.checkpoint = '" + missing + "'", "no such file");
  EXPECT_PROBLEM(problems_for({"--init.checkpoint", dir.path().string()}), "init.checkpoint", "is a directory");
}

TEST_F(ConfigTest, InitialTokenMustBeARowOfTheOutputWeights) {
  EXPECT_PROBLEM(problems_with({"--init.mode", "token", "--init.token", "3"}), "init.token = 3",
                 "model.features - 1 = 2");
  EXPECT_PROBLEM(problems_with({"--init.token", "-1"}), "init.token = -1", ">= 0");
}

TEST_F(ConfigTest, SamplesMustFitAfterTheTransient) {
  EXPECT_PROBLEM(problems_with({"--analysis.samples", "200001"}), "analysis.samples = 200001",
                 "run.steps - run.transient = 200000");
  EXPECT_EQ(parse_with({"--analysis.samples", "200000"}).analysis.samples, 200000);
  // Left unset, the default shrinks to what a short run records instead of failing it.
  EXPECT_EQ(parse_with({"--run.steps", "5000", "--run.transient", "1000"}).analysis.samples, 4000);
}

TEST_F(ConfigTest, SegmentsMustFitTheSemanticBits) {
  EXPECT_PROBLEM(problems_with({"--weights.segments", "100"}), "weights.segments = 100",
                 "model.semantic_bits = 99");
}

TEST_F(ConfigTest, OutputFileIsRequired) {
  try {
    run_parse(Command::sweep, {"--init.checkpoint", checkpoint.string()});
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_PROBLEM(e.problems(), "output.file = ''", "required");
    EXPECT_EQ(e.problems().size(), 1u) << joined(e.problems());
  }
}

TEST_F(ConfigTest, ConfigFileMustExistAndParse) {
  const std::string missing = (dir.path() / "nope.ini").string();
  EXPECT_PROBLEM(problems_with({"--config", missing}), "--config " + missing, "no such config file");

  const fs::path broken = dir.write("broken.ini", "[model]\nbeta 1.3\n");
  EXPECT_PROBLEM(problems_with({"--config", broken.string()}), "config file " + broken.string(), "beta 1.3");

  const fs::path twice = dir.write("twice.ini", "[model]\nbeta = 1.3\nbeta = 1.4\n");
  EXPECT_PROBLEM(problems_with({"--config", twice.string()}), "model.beta is given twice", twice.string(), "'1.3'",
                 "'1.4'");

  EXPECT_PROBLEM(problems_with({"--config", twice.string(), "--config", broken.string()}), "--config is given twice");
  EXPECT_PROBLEM(problems_with({"--model.beta", "1", "--model.beta", "2"}), "model.beta is given twice",
                 "command line");
}

// Every form of line a config file could hold while Boost's parse_config_file read it: comments
// with '#' (also after a value), blank lines, blanks around names and values, CRLF line endings,
// full names before the first section, sections (one ending in '.' too).
TEST_F(ConfigTest, EveryFormOfLineThatWasAcceptedStillIs) {
  const fs::path ini = dir.write("forms.ini",
                                 "# a comment\n"
                                 "\n"
                                 "   \t\n"
                                 "run.steps = 5000\n"
                                 "  run.transient=1000   # inline comment\r\n"
                                 "[model]\r\n"
                                 "\tbeta\t=\t1.3\n"
                                 "   # an indented comment\n"
                                 "gamma = 200 = 1   # the first '=' separates\n"
                                 "[weights]  \n"
                                 "seed =7\n"
                                 "[analysis.]\n"
                                 "samples = 10\n"
                                 "[init]\n"
                                 "mode =\n");
  const auto problems = problems_with({"--config", ini.string()});
  // "200 = 1" and an empty mode were always values, and wrong ones.
  EXPECT_PROBLEM(problems, "model.gamma = '200 = 1'");
  EXPECT_PROBLEM(problems, "init.mode = ''");
  EXPECT_EQ(problems.size(), 2u) << joined(problems);
  const fs::path good = dir.write("good.ini",
                                  "# a comment\n\nrun.steps = 5000\n  run.transient=1000   # inline comment\r\n"
                                  "[model]\r\n\tbeta\t=\t1.3\n[weights]  \nseed =7\n[analysis.]\nsamples = 10\n");
  const Config c = parse_with({"--config", good.string()});
  EXPECT_EQ(c.run.steps, 5000);
  EXPECT_EQ(c.run.transient, 1000);
  EXPECT_EQ(c.model.beta, 1.3);
  EXPECT_EQ(c.model.weights.seed, 7u);
  EXPECT_EQ(c.analysis.samples, 10);
}

// The usual INI habits that Boost refused: ';' comment lines and blanks inside a section header.
TEST_F(ConfigTest, SemicolonCommentsAndBlanksInsideAHeader) {
  const fs::path ini = dir.write("ini.ini", "; a comment\n[ model ]\n  ; an indented comment\nbeta = 1.3\n");
  EXPECT_EQ(parse_with({"--config", ini.string()}).model.beta, 1.3);
}

// A UTF-8 byte-order mark, as some Windows editors write, is not part of the first line.
TEST_F(ConfigTest, AByteOrderMarkIsSkipped) {
  const std::string bom = "\xEF\xBB\xBF";
  const fs::path before_comment = dir.write("bom1.ini", bom + "# my sweep\n[model]\nbeta = 1.3\n");
  EXPECT_EQ(parse_with({"--config", before_comment.string()}).model.beta, 1.3);
  const fs::path before_header = dir.write("bom2.ini", bom + "[model]\nbeta = 1.35\n");
  EXPECT_EQ(parse_with({"--config", before_header.string()}).model.beta, 1.35);
  const fs::path before_key = dir.write("bom3.ini", bom + "model.beta = 1.4\n");
  EXPECT_EQ(parse_with({"--config", before_key.string()}).model.beta, 1.4);
  // A whole configuration with a mark: nothing is missing (the output file comes from the file).
  const fs::path whole = dir.write("bom4.ini", bom + "# run\noutput.file = " + output.string() + "\n[init]\ncheckpoint = " +
                                                   checkpoint.string() + "\n[model]\ngamma = 200\n");
  const Config c = run_parse(Command::sweep, {"--config", whole.string()}).config;
  EXPECT_EQ(c.model.gamma, 200.0);
  EXPECT_EQ(c.output.file, output);
  // Only at the start of the file: elsewhere it is text like any other.
  const fs::path later = dir.write("bom5.ini", "[model]\n" + bom + "beta = 1.3\n");
  EXPECT_PROBLEM(problems_with({"--config", later.string()}), "unknown key");
  // UTF-16 is named as such rather than read as junk.
  const fs::path utf16 = dir.write("utf16.ini", std::string("\xFF\xFE[\0m\0", 6));
  EXPECT_PROBLEM(problems_with({"--config", utf16.string()}), "config file " + utf16.string(), "UTF-16");
}

// A line that is no key, header or comment is a problem of its own, with the file, the line number
// and the text; the rest of the file is still read, so that the other problems are the real ones.
TEST_F(ConfigTest, AnUnreadableLineIsAProblemWithItsLineNumber) {
  const fs::path ini = dir.write("lines.ini",
                                 "# run\n"
                                 "output.file = " + output.string() + "\n"
                                 "[init]\n"
                                 "checkpoint = " + checkpoint.string() + "\n"
                                 "[model]\n"
                                 "gamma = 200\n"
                                 "beta 1.27\n"
                                 "epsilon = 2\n");
  std::vector<std::string> problems;
  try {
    run_parse(Command::sweep, {"--config", ini.string()});
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    problems = e.problems();
  }
  EXPECT_PROBLEM(problems, "config file " + ini.string() + ", line 7", "'beta 1.27'");
  EXPECT_PROBLEM(problems, "model.epsilon = 2", "(in config file " + ini.string() + ")");
  // Not the misleading consequences of dropping the whole file.
  EXPECT_EQ(problems.size(), 2u) << joined(problems);

  // A section header without its ']': named, and its keys still belong to the section meant.
  const fs::path header = dir.write("header.ini", "\n[model\nbeta = abc\n");
  const auto header_problems = problems_with({"--config", header.string()});
  EXPECT_PROBLEM(header_problems, "config file " + header.string() + ", line 2", "'[model'", "']'");
  EXPECT_PROBLEM(header_problems, "model.beta = 'abc'");
  EXPECT_EQ(header_problems.size(), 2u) << joined(header_problems);

  const fs::path keyless = dir.write("keyless.ini", "[model]\n= 1.3\n[]\n");
  const auto keyless_problems = problems_with({"--config", keyless.string()});
  EXPECT_PROBLEM(keyless_problems, "line 2", "'= 1.3'", "no key");
  EXPECT_PROBLEM(keyless_problems, "line 3", "'[]'", "without a name");

  // Junk (a binary file given by mistake) is reported in a bounded number of lines.
  std::string junk;
  for (int i = 0; i < 50; ++i) junk += "junk line " + std::to_string(i) + "\n";
  const fs::path binary = dir.write("junk.ini", junk);
  const auto junk_problems = problems_with({"--config", binary.string()});
  EXPECT_LE(junk_problems.size(), 11u) << joined(junk_problems);
  EXPECT_PROBLEM(junk_problems, "line 1", "'junk line 0'");
  EXPECT_PROBLEM(junk_problems, "40 more lines");
}

TEST_F(ConfigTest, KeysGivenTwiceNameBothLines) {
  const fs::path twice = dir.write("twice.ini", "[model]\nbeta = 1.3\n\nbeta = 1.4\n");
  EXPECT_PROBLEM(problems_with({"--config", twice.string()}), "model.beta is given twice", "line 2", "line 4");
}

TEST_F(ConfigTest, ValueErrorsSayWhichFileTheyCameFrom) {
  const fs::path ini = dir.write("bad.ini", "[model]\nbeta = abc\n");
  EXPECT_PROBLEM(problems_with({"--config", ini.string()}), "model.beta = 'abc'", "(in config file " + ini.string() + ")");
  // Overridden on the command line, the bad value in the file is never used.
  EXPECT_EQ(parse_with({"--config", ini.string(), "--model.beta", "1"}).model.beta, 1.0);
}

TEST_F(ConfigTest, StrayArgumentsAndMissingValuesAreErrors) {
  EXPECT_PROBLEM(problems_with({"stray"}), "unexpected argument 'stray'");
  EXPECT_PROBLEM(problems_with({"--model.beta"}), "--model.beta", "missing");
}

TEST_F(ConfigTest, GridValuesMustSatisfyTheModelRange) {
  const auto problems = problems_with({"--sweep.epsilon", "0:2:5", "--sweep.beta", "1,-1", "--sweep.gamma", "0:3"});
  EXPECT_PROBLEM(problems, "sweep.epsilon = '0:2:5'", "in [0, 1]", "model.epsilon", "2 of its 5");
  EXPECT_PROBLEM(problems, "sweep.beta = '1,-1'", ">= 0", "-1");
  EXPECT_PROBLEM(problems, "sweep.gamma = '0:3'", "start:stop:count");
}

TEST_F(ConfigTest, AllProblemsAreReportedTogether) {
  const fs::path ini = dir.write("run.ini", "[model]\nbetta = 1.3\n");
  try {
    run_parse(Command::sweep, {"--config", ini.string(), "--model.beta", "abc", "--run.transient", "2000000",
                               "--model.context", "5", "--init.mode", "token"});
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    const auto& p = e.problems();
    EXPECT_EQ(p.size(), 5u) << joined(p);
    EXPECT_PROBLEM(p, "model.betta");
    EXPECT_PROBLEM(p, "model.beta = 'abc'");
    EXPECT_PROBLEM(p, "run.transient = 2000000");
    EXPECT_PROBLEM(p, "model.context = 5");
    EXPECT_PROBLEM(p, "output.file");
    for (const auto& problem : p) EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << problem;
  }
}

// ---------------------------------------------------------------------------------------------
// Grids

TEST(Grid, SingleValueAndList) {
  const Grid single = attnmf::config::parse_grid("sweep.beta", " 1.27 ");
  EXPECT_EQ(single.values, std::vector<double>{1.27});
  EXPECT_EQ(single.spec, "1.27");
  EXPECT_EQ(attnmf::config::parse_grid("sweep.beta", "0.5, 1,1.5").values, (std::vector<double>{0.5, 1.0, 1.5}));
}

TEST(Grid, RangeIncludesBothEnds) {
  const Grid paper = attnmf::config::parse_grid("sweep.beta", "0:3:4001");
  ASSERT_EQ(paper.values.size(), 4001u);
  EXPECT_EQ(paper.values.front(), 0.0);
  EXPECT_EQ(paper.values.back(), 3.0);
  // numpy.linspace's arithmetic (numpy/core/function_base.py): i * ((stop - start) / (count - 1)) + start, so that
  // the grid is the paper's np.linspace(0, 3, 4001) to the last bit.
  const double step = 3.0 / 4000.0;
  for (std::size_t i = 0; i + 1 < paper.values.size(); ++i)
    ASSERT_EQ(paper.values[i], static_cast<double>(i) * step) << "i = " << i;
  EXPECT_NEAR(paper.values[1693], 1.26975, 1e-14);
  EXPECT_EQ(attnmf::config::parse_grid("g", "2:7:1").values, std::vector<double>{2.0});
  EXPECT_EQ(attnmf::config::parse_grid("g", "1:0:3").values, (std::vector<double>{1.0, 0.5, 0.0}));
  EXPECT_EQ(attnmf::config::parse_grid("g", "1:1:3").values, (std::vector<double>{1.0, 1.0, 1.0}));
}

TEST(Grid, MalformedGridsAreRejected) {
  for (const std::string text : {"", " ", "1,", ",1", "1,,2", "0:3", "0:3:0", "0:3:-2", "0:3:1.5", "a:b:c",
                                 "0:3:4001:5", "1.5x", "nan", "0:inf:3", "0:3:100000000000", "1;2"}) {
    try {
      attnmf::config::parse_grid("sweep.gamma", text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const ConfigError& e) {
      ASSERT_EQ(e.problems().size(), 1u);
      EXPECT_PROBLEM(e.problems(), "sweep.gamma = '" + text + "'");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Round trip

std::vector<std::string> as_arguments(const Config& c) {
  std::vector<std::string> arguments;
  for (const auto& [key, value] : c.key_values()) {
    arguments.push_back("--" + key);
    arguments.push_back(value);
  }
  return arguments;
}

TEST_F(ConfigTest, KeyValuesRoundTrip) {
  const Config defaults = parse_with({});
  EXPECT_EQ(run_parse(Command::sweep, as_arguments(defaults)).config.key_values(), defaults.key_values());

  // Values whose text is not their shortest decimal, a linspace, a list, the token mode's empty path.
  const Config varied = run_parse(Command::sweep, {"--output.file", output.string(), "--init.mode", "token",
                                                   "--init.token", "1", "--model.features", "2", "--model.beta", "0.1",
                                                   "--model.epsilon", "0.3", "--weights.correlations", "gaussian",
                                                   "--weights.gaussian_scale", "0.7", "--sweep.beta", "0.1:2.9:7",
                                                   "--sweep.gamma", "100, 1e2,300.5", "--weights.seed", "4294967295",
                                                   "--analysis.lyapunov", "0", "--model.positional_bits", "3"})
                            .config;
  const auto pairs = varied.key_values();
  const Config again = run_parse(Command::sweep, as_arguments(varied)).config;
  EXPECT_EQ(again.key_values(), pairs);
  EXPECT_EQ(again.sweep.beta.values, varied.sweep.beta.values);
  EXPECT_EQ(again.sweep.gamma.values, varied.sweep.gamma.values);
  EXPECT_EQ(again.model.beta, 0.1);
  const std::map<std::string, std::string> values(pairs.begin(), pairs.end());
  EXPECT_EQ(values.at("sweep.beta"), "0.1:2.9:7");
  EXPECT_EQ(values.at("sweep.gamma"), "100,100,300.5");
  EXPECT_EQ(values.at("init.checkpoint"), "");

  // The --key=value form, the empty value included.
  std::vector<std::string> joined_form;
  for (const auto& [key, value] : pairs) joined_form.push_back("--" + key + "=" + value);
  EXPECT_EQ(run_parse(Command::sweep, joined_form).config.key_values(), pairs);
}

// run.simd_kernel is compared through what it resolves to (the journal's simd.kernel entry), since
// "auto" on two machines may name different kernels and two spellings may name the same one.
TEST(ConfigResults, OnlyLocationParallelLayoutAndKernelSpellingLeaveResultsUnchanged) {
  for (const auto& [key, value] : Config{}.key_values())
    EXPECT_EQ(attnmf::config::affects_results(key), key != "output.file" && key != "output.sample_compression" &&
                                                         key != "parallel.threads_per_rank" &&
                                                         key != "parallel.block_points" && key != "run.simd_kernel")
        << key;
}

TEST(ConfigResults, SimdKernelIsOneOfTheKnownSets) {
  for (const char* kernel : {"auto", "avx512", "avx2", "sse2"}) {
    const char* argv[] = {"--run.simd_kernel", kernel, "--output.file", "x.h5", "--init.mode", "token"};
    EXPECT_EQ(attnmf::config::parse(Command::sweep, 6, argv).config.run.simd_kernel, kernel);
  }
  const char* argv[] = {"--run.simd_kernel", "avx1024", "--output.file", "x.h5", "--init.mode", "token"};
  try {
    attnmf::config::parse(Command::sweep, 6, argv);
    FAIL() << "run.simd_kernel = avx1024 accepted";
  } catch (const attnmf::config::ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1U);
    EXPECT_NE(e.problems()[0].find("run.simd_kernel = 'avx1024'"), std::string::npos) << e.problems()[0];
    EXPECT_NE(e.problems()[0].find("auto, avx512, avx2, sse2"), std::string::npos) << e.problems()[0];
  }
}

TEST(ConfigResults, SectionFeatureFollowsTheFeatures) {
  const auto m1 = [&] {
    const char* argv[] = {"--model.features", "1", "--output.file", "x.h5", "--init.mode", "token"};
    return attnmf::config::parse(Command::sweep, 6, argv).config;
  }();
  EXPECT_EQ(m1.analysis.section_feature, 0);
  const char* argv[] = {"--analysis.section_feature", "3", "--output.file", "x.h5", "--init.mode", "token"};
  try {
    attnmf::config::parse(Command::sweep, 6, argv);
    FAIL() << "section_feature = 3 with M = 3 accepted";
  } catch (const attnmf::config::ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1U);
    EXPECT_NE(e.problems()[0].find("analysis.section_feature = 3"), std::string::npos) << e.problems()[0];
  }
}

// ---------------------------------------------------------------------------------------------
// Help

TEST(Help, NamesEveryKeyWithItsDefault) {
  for (const Command command : {Command::trajectory, Command::sweep}) {
    const std::string help = attnmf::config::help_text(command);
    for (const auto& [key, value] : Config{}.key_values())
      EXPECT_NE(help.find(key), std::string::npos) << key;
    for (const std::string fragment : {"[model]", "[weights]", "[sweep]", "--config FILE", "--section.key=VALUE",
                                       "default: 1.27", "default: 220", "default: 1200000", "default: segments",
                                       "start:stop:count", "(required)", "segments, weights, gaussian, uniform"})
      EXPECT_NE(help.find(fragment), std::string::npos) << fragment;
  }
  EXPECT_NE(attnmf::config::help_text(Command::sweep), attnmf::config::help_text(Command::trajectory));
}

}  // namespace
