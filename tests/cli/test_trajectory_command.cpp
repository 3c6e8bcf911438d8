// attnmf trajectory as a user runs it: the executable, a config file, command-line overrides.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../model/reference_fixtures.hpp"
#include "attnmf/io/hdf5.hpp"

namespace {

namespace fs = std::filesystem;
namespace h5 = attnmf::io::h5;

struct Result {
  int exit_code;
  std::string output;  // stdout and stderr together
};

class TrajectoryCommand : public ::testing::Test {
 protected:
  fs::path dir;
  void SetUp() override {
    // A parameterised test's name holds '/', which would make the directory a subdirectory and
    // leave its parent behind.
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '-');
    dir = fs::temp_directory_path() / ("attnmf-cli-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "run.ini") << "[model]\nbeta = 1.27\n[init]\nmode = checkpoint\ncheckpoint = "
                                   << attnmf::testing::reference_path("checkpoint_window.txt")
                                   << "\n[run]\nsteps = 3000\ntransient = 1000\n[output]\nfile = " << (dir / "out.h5").string()
                                   << "\n";
  }
  void TearDown() override { fs::remove_all(dir); }

  Result run(const std::string& arguments) const { return run_with("", arguments); }
  // The executable under `wrapper` (e.g. "taskset -c 0"), or alone.
  Result run_with(const std::string& wrapper, const std::string& arguments) const {
    const fs::path log = dir / "log.txt";
    const std::string command =
        wrapper + (wrapper.empty() ? "" : " ") + std::string(ATTNMF_BINARY) + " " + arguments + " > " + log.string() + " 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
  }
  std::string config() const { return "trajectory --config " + (dir / "run.ini").string(); }
  // Nothing but the config, the log and (maybe) the checkpoint in the directory: no output file.
  bool wrote_nothing() const {
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".h5" || entry.path().extension() == ".partial") return false;
    return true;
  }
};

TEST_F(TrajectoryCommand, WritesTheReferenceTrajectory) {
  const Result r = run(config() + " --run.steps 200 --run.transient 0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("gamma_eff=127.01705922171769"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("steps/s"), std::string::npos) << r.output;
  const auto expected = attnmf::testing::read_reference_trajectory("traj_checkpoint_beta1.27.txt");
  h5::File file = h5::File::open(dir / "out.h5", h5::Access::read_only);
  const char* names[6] = {"att", "mo", "mo_se", "mv", "mq", "mk"};
  for (int q = 0; q < 6; ++q) {
    const auto values = h5::read_all<double>(h5::open_dataset(file, std::string("trajectory/") + names[q]));
    ASSERT_EQ(values.size(), 200U * 3);
    for (int t = 0; t < 60; ++t)
      for (int a = 0; a < 3; ++a) EXPECT_NEAR(values[t * 3 + a], expected[t][1 + 3 * q + a], 1e-9) << names[q] << " row " << t;
  }
  // Real keys are float64 attributes (file format 2), integer keys int64.
  EXPECT_EQ(h5::attribute_type(file, "model.beta"), h5::AttributeType::real);
  EXPECT_EQ(h5::read_attribute<double>(file, "model.beta"), 1.27);
  EXPECT_EQ(h5::read_attribute<std::int64_t>(file, "model.features"), 3);
  EXPECT_EQ(h5::read_attribute<std::string>(file, "kind"), "trajectory");
  EXPECT_TRUE(h5::has_attribute(file, "software_version"));
  EXPECT_TRUE(h5::has_attribute(file, "format_version"));
  const auto table = h5::read_all<double>(h5::open_dataset(file, "model/tables/o"));
  ASSERT_EQ(table.size(), 12U);
  EXPECT_NEAR(table[0], 1.3333333333333333 / 4, 1e-15);
}

TEST_F(TrajectoryCommand, RecordsOnlyAfterTheTransient) {
  ASSERT_EQ(run(config()).exit_code, 0);
  h5::File file = h5::File::open(dir / "out.h5", h5::Access::read_only);
  EXPECT_EQ(h5::dims(h5::open_dataset(file, "trajectory/mo_se")), (std::vector<hsize_t>{2000, 3}));
  EXPECT_EQ(h5::dims(h5::open_dataset(file, "trajectory/final_window/attention")), (std::vector<hsize_t>{4, 3}));
}

TEST_F(TrajectoryCommand, StartsFromAToken) {
  const Result r = run(config() + " --init.mode token --run.steps 200 --run.transient 0 --model.beta 0.5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto expected = attnmf::testing::read_reference_trajectory("traj_token_beta0.5.txt");
  h5::File file = h5::File::open(dir / "out.h5", h5::Access::read_only);
  const auto att = h5::read_all<double>(h5::open_dataset(file, "trajectory/att"));
  for (int t = 0; t < 200; ++t)
    for (int a = 0; a < 3; ++a) EXPECT_NEAR(att[t * 3 + a], expected[t][1 + a], 1e-9);
}

// run.engine = network: /trajectory is replica 0, /network every replica and its comparison with
// the mean-field reference, which the log names.
TEST_F(TrajectoryCommand, TheFiniteNetworkWritesEveryReplica) {
  const Result r = run(config() + " --run.engine network --network.size 9900 --network.replicas 3 --model.beta 1.1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("mean-field reference: fixed point"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("reduced algorithm (3 classes of bits)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("3 of them recognised"), std::string::npos) << r.output;
  h5::File file = h5::File::open(dir / "out.h5", h5::Access::read_only);
  for (const char* name : {"mo_se", "mo", "att"})
    EXPECT_EQ(h5::dims(h5::open_dataset(file, std::string("network/") + name)), (std::vector<hsize_t>{3, 2000, 3})) << name;
  const auto network = h5::read_all<double>(h5::open_dataset(file, "network/mo_se"));
  const auto replica0 = h5::read_all<double>(h5::open_dataset(file, "trajectory/mo_se"));
  EXPECT_TRUE(std::equal(replica0.begin(), replica0.end(), network.begin()));
  EXPECT_FALSE(std::equal(replica0.begin(), replica0.end(), network.begin() + 6000)) << "replica 1 is replica 0";
  const auto distance = h5::read_all<double>(h5::open_dataset(file, "network/distance"));
  ASSERT_EQ(distance.size(), 3U);
  for (double d : distance) EXPECT_NEAR(d, 0.027, 0.01);  // ~2.7 / sqrt(N) at beta = 1.1
  EXPECT_EQ(h5::read_attribute<std::int64_t>(h5::open_group(file, "network"), "replicas"), 3);
  EXPECT_EQ(h5::read_attribute<std::string>(h5::open_group(file, "network"), "algorithm"), "auto");
  EXPECT_EQ(h5::read_all<std::int8_t>(h5::open_dataset(file, "analysis/regime")), (std::vector<std::int8_t>{0}));
  // A size the weights cannot be repeated to: refused before anything is written.
  fs::remove(dir / "out.h5");
  const Result bad = run(config() + " --run.engine network --network.size 1000");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("network.size = 1000: must be a multiple of model.semantic_bits = 99"), std::string::npos)
      << bad.output;
  EXPECT_TRUE(wrote_nothing());
}

// attnmf sweep in a process confined to one CPU (as mpirun binds a lone rank) with two compute
// threads says so at start, naming the fix; with one thread it does not. Both say how many CPUs.
TEST_F(TrajectoryCommand, ASweepOnFewerCpusThanThreadsWarns) {
  const std::string sweep = "sweep --config " + (dir / "run.ini").string() + " --sweep.beta 1.2,1.3 --run.steps 2000";
  const Result confined = run_with("taskset -c 0", sweep + " --parallel.threads_per_rank 2");
  ASSERT_EQ(confined.exit_code, 0) << confined.output;
  EXPECT_NE(confined.output.find("CPUs per rank (affinity): 1"), std::string::npos) << confined.output;
  EXPECT_NE(confined.output.find("rank 0 may run on 1 CPU but computes with parallel.threads_per_rank = 2"),
            std::string::npos)
      << confined.output;
  EXPECT_NE(confined.output.find("--bind-to none"), std::string::npos) << confined.output;
  fs::remove(dir / "out.h5");
  const Result matched = run_with("taskset -c 0", sweep + " --parallel.threads_per_rank 1");
  ASSERT_EQ(matched.exit_code, 0) << matched.output;
  EXPECT_NE(matched.output.find("CPUs per rank (affinity): 1"), std::string::npos) << matched.output;
  EXPECT_EQ(matched.output.find("may run on"), std::string::npos) << matched.output;
}

// parallel.threads_per_rank = auto takes one thread per CPU of the affinity: one under taskset -c 0,
// which the start line and /provenance say, and so nothing to warn of. The file keeps the key as
// given.
TEST_F(TrajectoryCommand, ASweepWithAutoThreadsComputesWithOnePerCpu) {
  const std::string sweep = "sweep --config " + (dir / "run.ini").string() + " --sweep.beta 1.2,1.3 --run.steps 2000";
  const Result confined = run_with("taskset -c 0", sweep + " --parallel.threads_per_rank auto");
  ASSERT_EQ(confined.exit_code, 0) << confined.output;
  EXPECT_NE(confined.output.find("on 1 ranks x 1 threads (auto: CPU affinity)"), std::string::npos) << confined.output;
  EXPECT_NE(confined.output.find("CPUs per rank (affinity): 1"), std::string::npos) << confined.output;
  EXPECT_EQ(confined.output.find("may run on"), std::string::npos) << confined.output;
  h5::File file = h5::File::open(dir / "out.h5", h5::Access::read_only);
  EXPECT_EQ(h5::read_attribute<double>(h5::open_group(file, "provenance"), "threads_per_rank"), 1.0);
  EXPECT_EQ(h5::read_attribute<std::string>(file, "parallel.threads_per_rank"), "auto");
}

// One test per class of configuration error: exit code 2, the key named, no file written.
struct BadInput {
  const char* name;
  const char* arguments;
  const char* key;
};

class ConfigurationErrors : public TrajectoryCommand, public ::testing::WithParamInterface<BadInput> {};

TEST_P(ConfigurationErrors, StopBeforeAnyWork) {
  const BadInput bad = GetParam();
  const Result r = run(config() + " " + bad.arguments);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(bad.key), std::string::npos) << r.output;
  EXPECT_TRUE(wrote_nothing());
}

INSTANTIATE_TEST_SUITE_P(
    EachClass, ConfigurationErrors,
    ::testing::Values(BadInput{"UnknownKey", "--model.betta 1", "model.betta"},
                      BadInput{"WrongType", "--model.beta abc", "model.beta"},
                      BadInput{"OutOfRange", "--model.epsilon 1.5", "model.epsilon"},
                      BadInput{"TransientNotBelowSteps", "--run.transient 3000", "run.transient"},
                      BadInput{"ContextBeyondPositions", "--model.context 5", "model.context"},
                      BadInput{"TooManyFeaturesForMode", "--weights.correlations uniform --model.features 4", "model.features"},
                      BadInput{"MissingCheckpoint", "--init.checkpoint /nonexistent/window.txt", "init.checkpoint"},
                      BadInput{"MalformedCheckpoint", "--init.checkpoint " ATTNMF_SOURCE_DIR "/README.md", "init.checkpoint"},
                      BadInput{"CheckpointOfOtherShape", "--model.features 2", "init.checkpoint"},
                      BadInput{"MissingOutputDirectory", "--output.file /nonexistent/dir/out.h5", "output.file"}),
    [](const ::testing::TestParamInfo<BadInput>& param_info) { return std::string(param_info.param.name); });

// A config file with a byte-order mark is read as if it had none; a line that cannot be read stops
// the command before any work, naming the file, the line and its text, and nothing is written.
TEST_F(TrajectoryCommand, ConfigFileLinesAreReadOrNamed) {
  std::ifstream in(dir / "run.ini");
  std::stringstream content;
  content << in.rdbuf();
  std::ofstream(dir / "bom.ini") << "\xEF\xBB\xBF# saved by a Windows editor\n" << content.str();
  const Result with_mark = run("trajectory --config " + (dir / "bom.ini").string() + " -q");
  EXPECT_EQ(with_mark.exit_code, 0) << with_mark.output;
  EXPECT_TRUE(fs::exists(dir / "out.h5"));
  fs::remove(dir / "out.h5");

  std::ofstream(dir / "bad.ini") << content.str() << "[model]\nbeta 1.3\n";
  const Result bad = run("trajectory --config " + (dir / "bad.ini").string());
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  const std::string where = "config file " + (dir / "bad.ini").string() + ", line ";
  EXPECT_NE(bad.output.find(where), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("'beta 1.3'"), std::string::npos) << bad.output;
  EXPECT_EQ(bad.output.find("init.checkpoint"), std::string::npos) << "the rest of the file was dropped:\n" << bad.output;
  EXPECT_TRUE(wrote_nothing());
}

// β = 1.27, γ = 10⁶, ε = 0: the softmax saturates and every tangent vector is mapped onto zero
// (all exponents −∞). A contracting orbit is labelled periodic (the rule for λ₁ < −δ), not
// chaotic as the 0-1 test alone would have it.
TEST_F(TrajectoryCommand, SuperstableOrbitIsNotChaotic) {
  const Result r = run(config() + " --model.gamma 1e6 --model.epsilon 0 --run.steps 20000 --run.transient 10000 -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  h5::File file = h5::File::open(dir / "out.h5", h5::Access::read_only);
  const auto lyapunov = h5::read_all<double>(h5::open_dataset(file, "analysis/lyapunov"));
  ASSERT_FALSE(lyapunov.empty());
  for (double l : lyapunov) EXPECT_EQ(l, -INFINITY);
  const auto period = h5::read_all<std::int32_t>(h5::open_dataset(file, "analysis/period"));
  const auto regime = h5::read_all<std::int8_t>(h5::open_dataset(file, "analysis/regime"));
  ASSERT_EQ(regime.size(), 1U);
  if (period[0] > 0) EXPECT_TRUE(regime[0] == 0 || regime[0] == 1) << int(regime[0]);
  else EXPECT_EQ(regime[0], 1);
}

TEST_F(TrajectoryCommand, HelpListsEveryKey) {
  const Result r = run("trajectory --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* key : {"model.beta", "model.gamma", "weights.correlations", "init.checkpoint", "run.transient", "output.file"})
    EXPECT_NE(r.output.find(key), std::string::npos) << key;
}

TEST_F(TrajectoryCommand, UnknownCommandIsAUsageError) {
  const Result r = run("trajectroy");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown command"), std::string::npos);
}

}  // namespace
