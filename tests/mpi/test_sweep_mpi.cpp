// The sweep at 1, 2 and 3 ranks: the same /grid and /points, bit for bit, as computing every point
// serially on one rank with one thread; a failing point recorded without stopping the others.
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <vector>
#include <filesystem>
#include <string>

#include "attnmf/config/config.hpp"
#include "attnmf/io/hdf5.hpp"
#include "attnmf/io/monitor.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/dynamics/engine.hpp"
#include "attnmf/sweep/driver.hpp"
#include "attnmf/sweep/attractors.hpp"
#include "attnmf/sweep/continuation.hpp"
#include "attnmf/sweep/point.hpp"

namespace {

namespace fs = std::filesystem;
namespace h5 = attnmf::io::h5;
using namespace attnmf;

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int world_size() {
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

// A path every rank agrees on: rank 0's pid, broadcast.
fs::path shared_path(const std::string& name) {
  long long id = ::getpid();
  MPI_Bcast(&id, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  return fs::temp_directory_path() / ("attnmf-mpi-" + std::to_string(id) + "-" + name + ".h5");
}

config::Config small_sweep(const fs::path& output, int threads, int block, const std::string& engine = "simd",
                           const std::vector<std::string>& more = {}) {
  const std::string window = std::string(ATTNMF_REFERENCE_DIR) + "/checkpoint_window.txt";
  const std::string file = output.string(), t = std::to_string(threads), b = std::to_string(block);
  std::vector<std::string> args = {"--init.checkpoint", window, "--sweep.beta", "1.2:1.3:11", "--sweep.epsilon", "0.02,0.03",
                                   "--run.steps", "30000", "--run.transient", "20000", "--analysis.samples", "300",
                                   "--analysis.section_max", "50", "--output.file", file,
                                   "--parallel.threads_per_rank", t, "--parallel.block_points", b,
                                   "--run.engine", engine};
  // `more` adds keys or replaces the ones above.
  for (std::size_t i = 0; i + 1 < more.size(); i += 2) {
    const auto given = std::find(args.begin(), args.end(), more[i]);
    if (given != args.end()) args.erase(given, given + 2);
    args.insert(args.end(), {more[i], more[i + 1]});
  }
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return config::parse(config::Command::sweep, static_cast<int>(argv.size()), argv.data()).config;
}

template <class T>
void expect_identical(const h5::Handle& file, const std::string& path, const std::vector<T>& expected, long long row_size,
                      long long row) {
  const auto values = h5::read_rows<T>(h5::open_dataset(file, path), static_cast<hsize_t>(row), 1);
  ASSERT_EQ(static_cast<long long>(values.size()), row_size) << path;
  ASSERT_EQ(static_cast<long long>(expected.size()), row_size) << path;
  EXPECT_EQ(0, std::memcmp(values.data(), expected.data(), sizeof(T) * values.size())) << path << " row " << row;
}

// One run computed on its own.
records::PointResult alone(const sweep::PointComputer& computer, const sweep::RunSpec& run) {
  return std::get<records::PointResult>(computer.compute_runs({&run, 1}, nullptr).front());
}

// What a point's starts are, computed serially one at a time: `window(point, start)` says where a
// start begins (null: its own start), `continued(point, start)` whether from a neighbour.
struct SerialStarts {
  std::map<std::pair<long long, int>, records::PointResult> runs;
};

// /starts, /attractors and /points/attractor_count of `path` against the serial `runs`, grouped as
// the sweep groups them.
void expect_attractors(const fs::path& path, const config::Config& cfg, const SerialStarts& serial) {
  const config::SweepGrid grid(cfg.sweep);
  const int K = cfg.init.starts;
  const h5::File file = h5::File::open(path, h5::Access::read_only);
  const auto count = h5::read_all<std::int32_t>(h5::open_dataset(file, "points/attractor_count"));
  const auto start_attractor = h5::read_all<std::int64_t>(h5::open_dataset(file, "starts/attractor"));
  const auto start_period = h5::read_all<std::int32_t>(h5::open_dataset(file, "starts/period"));
  const auto start_lyapunov = h5::read_all<double>(h5::open_dataset(file, "starts/lyapunov"));
  const auto point = h5::read_all<std::int64_t>(h5::open_dataset(file, "attractors/point"));
  const auto basin = h5::read_all<double>(h5::open_dataset(file, "attractors/basin_fraction"));
  const auto label = h5::read_all<std::int32_t>(h5::open_dataset(file, "attractors/label"));
  long long row = 0;
  for (long long p = 0; p < grid.size(); ++p) {
    std::vector<records::PointResult> runs;
    for (int s = 0; s < K; ++s) runs.push_back(serial.runs.at({p, s}));
    const sweep::PointAttractors expected = sweep::group_point(runs, sweep::grouping_settings(cfg));
    ASSERT_EQ(count[static_cast<std::size_t>(p)], static_cast<int>(expected.attractors.size())) << "point " << p;
    double basins = 0.0;
    for (const records::Attractor& a : expected.attractors) {
      ASSERT_LT(row, static_cast<long long>(point.size()));
      EXPECT_EQ(point[static_cast<std::size_t>(row)], p);
      EXPECT_EQ(label[static_cast<std::size_t>(row)], a.label);
      EXPECT_EQ(basin[static_cast<std::size_t>(row)], a.basin_fraction);
      basins += a.basin_fraction;
      expect_identical<double>(file, "attractors/samples", a.samples, 300 * 3, row);
      ++row;
    }
    EXPECT_NEAR(basins, 1.0, 1e-12) << "point " << p;
    for (int s = 0; s < K; ++s) {
      const std::size_t at = static_cast<std::size_t>(p * K + s);
      const int l = expected.labels[static_cast<std::size_t>(s)];
      EXPECT_EQ(start_attractor[at], l < 0 ? -1 : row - static_cast<long long>(expected.attractors.size()) + l);
      EXPECT_EQ(start_period[at], runs[static_cast<std::size_t>(s)].period);
      for (int k = 0; k < 3; ++k)
        EXPECT_EQ(start_lyapunov[at * 3 + static_cast<std::size_t>(k)], runs[static_cast<std::size_t>(s)].lyapunov.at(static_cast<std::size_t>(k)));
    }
    expect_identical<double>(file, "points/samples", runs.front().analysis.samples, 300 * 3, p);
  }
  EXPECT_EQ(row, static_cast<long long>(point.size()));
}


// Both engines. The simd engine's points share 16-lane blocks with whatever points a thread took
// (here at most 4 from one master block, or more from several): the serial reference computes each
// point alone in a padded block.
class SweepMpiEngines : public ::testing::TestWithParam<std::string> {};

TEST_P(SweepMpiEngines, PointsAreBitwiseThoseOfASerialRun) {
  const fs::path path = shared_path("bitwise-" + GetParam());
  // An uneven split: three threads per rank, blocks of four points.
  const config::Config cfg = small_sweep(path, 3, 4, GetParam());
  const sweep::SweepSummary summary = sweep::run_sweep(MPI_COMM_WORLD, cfg, {});
  if (world_rank() == 0) {
    EXPECT_EQ(summary.done, 22);
    EXPECT_EQ(summary.failed, 0);
    EXPECT_EQ(summary.ranks, world_size());
    const model::Weights weights = model::draw_weights(cfg.model);
    const sweep::PointComputer computer(cfg, weights);
    const h5::File file = h5::File::open(path, h5::Access::read_only);
    EXPECT_EQ(h5::read_all<double>(h5::open_dataset(file, "grid/beta")), computer.grid().beta());
    EXPECT_EQ(h5::read_all<double>(h5::open_dataset(file, "grid/epsilon")), computer.grid().epsilon());
    const auto status = h5::read_all<std::uint8_t>(h5::open_dataset(file, "points/status"));
    for (long long p = 0; p < computer.grid().size(); ++p) {
      EXPECT_EQ(status[static_cast<std::size_t>(p)], 1);
      const records::PointResult r = computer.compute(p);
      const auto& a = r.analysis;
      expect_identical<double>(file, "points/samples", a.samples, 300 * 3, p);
      expect_identical<double>(file, "points/final_window/attention", r.final_window.attention, 12, p);
      expect_identical<std::int8_t>(file, "points/regime", {static_cast<std::int8_t>(attnmf::analysis::code(r.regime))}, 1, p);
      expect_identical<std::int32_t>(file, "points/period", {r.period}, 1, p);
      expect_identical<std::int32_t>(file, "points/distinct_values", {a.distinct_values}, 1, p);
      expect_identical<std::int64_t>(file, "points/section_total", {a.section_total}, 1, p);
      expect_identical<std::int64_t>(file, "points/crossings_total", {a.crossings_total}, 1, p);
      std::vector<double> crossings(50 * 3, std::numeric_limits<double>::quiet_NaN());
      std::copy(a.crossings.begin(), a.crossings.end(), crossings.begin());
      expect_identical<double>(file, "points/crossings", crossings, 50 * 3, p);
      expect_identical<double>(file, "points/lyapunov", r.lyapunov, 3, p);
    }
    const std::string engine = h5::read_attribute<std::string>(h5::open_group(file, "provenance"), "engine");
    if (GetParam() == "scalar") EXPECT_EQ(engine, "scalar");
    else EXPECT_EQ(engine.rfind("simd: " + dynamics::instruction_set() + ", 16 lanes", 0), 0U) << engine;
    fs::remove(path);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

INSTANTIATE_TEST_SUITE_P(Engines, SweepMpiEngines, ::testing::Values("simd", "scalar"),
                         [](const auto& param_info) { return param_info.param; });

// output.sample_precision = float32: the file's samples are the engine's doubles rounded to nearest
// float, everything the analysis derived from them is that of the float64 run, and the file says so.
TEST(SweepMpi, Float32SamplesAreTheDoublesRounded) {
  const fs::path path = shared_path("float32");
  const config::Config cfg = small_sweep(path, 2, 4, "simd", {"--output.sample_precision", "float32", "--init.starts", "2"});
  const sweep::SweepSummary summary = sweep::run_sweep(MPI_COMM_WORLD, cfg, {});
  if (world_rank() == 0) {
    EXPECT_EQ(summary.done, 22);
    const model::Weights weights = model::draw_weights(cfg.model);
    const sweep::PointComputer computer(cfg, weights);
    const h5::File file = h5::File::open(path, h5::Access::read_only);
    EXPECT_EQ(h5::read_attribute<std::string>(file, "output.sample_precision"), "float32");
    long long rounded = 0;
    for (long long p = 0; p < computer.grid().size(); ++p) {
      const records::PointResult r = computer.compute(p);
      // Read back as doubles: a float64 dataset would give the unrounded values.
      std::vector<double> expected;
      for (const double x : r.analysis.samples) expected.push_back(static_cast<double>(static_cast<float>(x)));
      expect_identical<double>(file, "points/samples", expected, 300 * 3, p);
      for (std::size_t i = 0; i < expected.size(); ++i) rounded += expected[i] != r.analysis.samples[i];
      expect_identical<std::int32_t>(file, "points/distinct_values", {r.analysis.distinct_values}, 1, p);
      expect_identical<std::int8_t>(file, "points/regime", {static_cast<std::int8_t>(attnmf::analysis::code(r.regime))}, 1, p);
    }
    EXPECT_GT(rounded, 0);  // so that the comparison above tells float32 from float64
    const auto attractor_samples = h5::read_all<float>(h5::open_dataset(file, "attractors/samples"));
    EXPECT_FALSE(attractor_samples.empty());
    fs::remove(path);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

TEST(SweepMpi, AFailingPointIsRecordedAndTheOthersCarryOn) {
  const fs::path path = shared_path("failure");
  const config::Config cfg = small_sweep(path, 2, 3);
  sweep::DriverOptions options;
  options.compute = [](const sweep::PointComputer& computer, long long index) {
    if (index == 7) {
      records::PointResult failed;
      failed.index = index;
      failed.status = records::PointStatus::failed;
      failed.error = "non-finite attention at step 12 (injected by the test)";
      return failed;
    }
    return computer.compute(index);
  };
  const sweep::SweepSummary summary = sweep::run_sweep(MPI_COMM_WORLD, cfg, options);
  if (world_rank() == 0) {
    EXPECT_EQ(summary.done, 21);
    EXPECT_EQ(summary.failed, 1);
    const h5::File file = h5::File::open(path, h5::Access::read_only);
    const auto status = h5::read_all<std::uint8_t>(h5::open_dataset(file, "points/status"));
    for (std::size_t p = 0; p < status.size(); ++p) EXPECT_EQ(status[p], p == 7 ? 2 : 1) << p;
    const auto errors = h5::read_string_dataset(file, "points/error");
    EXPECT_NE(errors.at(7).find("injected"), std::string::npos);
    EXPECT_TRUE(errors.at(6).empty());
    fs::remove(path);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

// Several starts per point, spread over ranks, threads and lanes: the attractors are those of the
// starts computed one at a time.
TEST(SweepMpi, MultistartAttractorsAreThoseOfSerialStarts) {
  const fs::path path = shared_path("multistart");
  const config::Config cfg = small_sweep(path, 2, 3, "simd", {"--init.starts", "6"});
  const sweep::SweepSummary summary = sweep::run_sweep(MPI_COMM_WORLD, cfg, {});
  if (world_rank() == 0) {
    EXPECT_EQ(summary.done, 22);
    const model::Weights weights = model::draw_weights(cfg.model);
    const sweep::PointComputer computer(cfg, weights);
    SerialStarts serial;
    for (long long p = 0; p < computer.grid().size(); ++p)
      for (int s = 0; s < 6; ++s) {
        const sweep::RunSpec run{.index = p, .start = s};
        serial.runs[{p, s}] = alone(computer, run);
      }
    expect_attractors(path, cfg, serial);
    fs::remove(path);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

// Continuation both ways from the middle of two rows, with an extra start: every chain point is
// what a serial walk along its chain gives.
TEST(SweepMpi, ContinuationChainsAreThoseOfASerialWalk) {
  const fs::path path = shared_path("continuation");
  const config::Config cfg =
      small_sweep(path, 2, 3, "simd",
                  {"--sweep.mode", "continuation", "--continuation.direction", "both", "--continuation.from", "1.25",
                   "--continuation.transient", "5000", "--init.starts", "3"});
  const sweep::SweepSummary summary = sweep::run_sweep(MPI_COMM_WORLD, cfg, {});
  if (world_rank() == 0) {
    EXPECT_EQ(summary.done, 22);
    const model::Weights weights = model::draw_weights(cfg.model);
    const sweep::PointComputer computer(cfg, weights);
    SerialStarts serial;
    for (long long row = 0; row < sweep::grid_rows(computer.grid()); ++row) {
      for (const sweep::ChainSegment& segment : sweep::chain_segments(computer.grid(), cfg, row)) {
        std::optional<model::Window> window;
        for (long long p : segment.points) {
          const sweep::RunSpec run{.index = p, .start = segment.start, .window = window ? &*window : nullptr,
                                   .continued = window.has_value()};
          const auto r = alone(computer, run);
          ASSERT_EQ(r.status, records::PointStatus::done) << r.error;
          window = r.final_window;
          serial.runs[{p, segment.start}] = r;
        }
      }
      for (long long p = row * 11; p < row * 11 + 11; ++p) {
        const sweep::RunSpec run{.index = p, .start = 2};
        serial.runs[{p, 2}] = alone(computer, run);
      }
    }
    expect_attractors(path, cfg, serial);
    const h5::File file = h5::File::open(path, h5::Access::read_only);
    const auto origin = h5::read_all<std::int8_t>(h5::open_dataset(file, "starts/origin"));
    for (std::size_t p = 0; p < 22; ++p) {
      EXPECT_EQ(origin[p * 3 + 0], static_cast<std::int8_t>(records::StartOrigin::up_chain));
      EXPECT_EQ(origin[p * 3 + 1], static_cast<std::int8_t>(records::StartOrigin::down_chain));
      EXPECT_EQ(origin[p * 3 + 2], static_cast<std::int8_t>(records::StartOrigin::random));
    }
    fs::remove(path);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

// Constructed coexistence: at the paper's beta = 1.27, separate runs of eight starts reach the
// period-28 orbit and a coexisting period-56 one (tests/analysis pins which starts). The sweep reports
// both attractors, every start on the one its separate run reached, the basins summing to 1. The
// scalar engine rounds alike on every CPU, so the basins do not depend on the machine's kernel.
TEST(SweepMpi, CoexistingAttractorsAreReportedWithTheirBasins) {
  const fs::path path = shared_path("coexisting");
  const config::Config cfg = small_sweep(path, 2, 1, "scalar",
                                         {"--init.starts", "8", "--sweep.beta", "1.27", "--sweep.epsilon", "0.02",
                                          "--run.steps", "400000", "--run.transient", "300000"});
  sweep::run_sweep(MPI_COMM_WORLD, cfg, {});
  if (world_rank() == 0) {
    const model::Weights weights = model::draw_weights(cfg.model);
    const sweep::PointComputer computer(cfg, weights);
    std::vector<int> periods;
    for (int s = 0; s < 8; ++s) {
      const sweep::RunSpec run{.index = 0, .start = s};
      const auto r = alone(computer, run);
      ASSERT_EQ(r.status, records::PointStatus::done) << r.error;
      periods.push_back(r.period);
    }
    const std::set<int> distinct(periods.begin(), periods.end());
    ASSERT_EQ(distinct, (std::set<int>{28, 56})) << "the separate runs no longer show the two orbits";
    const h5::File file = h5::File::open(path, h5::Access::read_only);
    EXPECT_EQ(h5::read_all<std::int32_t>(h5::open_dataset(file, "points/attractor_count")).at(0), 2);
    const auto period = h5::read_all<std::int32_t>(h5::open_dataset(file, "attractors/period"));
    const auto basin = h5::read_all<double>(h5::open_dataset(file, "attractors/basin_fraction"));
    const auto start_attractor = h5::read_all<std::int64_t>(h5::open_dataset(file, "starts/attractor"));
    ASSERT_EQ(period.size(), 2U);
    EXPECT_EQ(std::set<int>(period.begin(), period.end()), distinct);
    EXPECT_NEAR(basin[0] + basin[1], 1.0, 1e-15);
    for (int s = 0; s < 8; ++s) {
      ASSERT_GE(start_attractor[static_cast<std::size_t>(s)], 0);
      EXPECT_EQ(period[static_cast<std::size_t>(start_attractor[static_cast<std::size_t>(s)])], periods[static_cast<std::size_t>(s)])
          << "start " << s;
    }
    const auto on_56 = std::count(periods.begin(), periods.end(), 56);
    EXPECT_EQ(basin[period[0] == 56 ? 0 : 1], static_cast<double>(on_56) / 8.0);
    fs::remove(path);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

// The finite network over a (β, N) grid: every point's /points and /network rows are those of the
// point computed alone, whichever rank and thread drew its noise.
TEST(SweepMpi, FiniteNetworkPointsAreThoseOfASerialRun) {
  const fs::path path = shared_path("network");
  const config::Config cfg =
      small_sweep(path, 2, 2, "network",
                  {"--sweep.beta", "1.1,1.27,1.4", "--sweep.epsilon", "0.02", "--sweep.size", "990,9900",
                   "--network.replicas", "2", "--run.steps", "6000", "--run.transient", "3000"});
  const sweep::SweepSummary summary = sweep::run_sweep(MPI_COMM_WORLD, cfg, {});
  if (world_rank() == 0) {
    EXPECT_EQ(summary.done, 6);
    const model::Weights weights = model::draw_weights(cfg.model);
    const sweep::PointComputer computer(cfg, weights);
    const h5::File file = h5::File::open(path, h5::Access::read_only);
    EXPECT_EQ(h5::read_all<std::int64_t>(h5::open_dataset(file, "grid/size")), (std::vector<std::int64_t>{990, 9900}));
    for (long long p = 0; p < computer.grid().size(); ++p) {
      const records::PointResult r = computer.compute(p);
      ASSERT_EQ(r.status, records::PointStatus::done) << r.error;
      expect_identical<double>(file, "points/samples", r.analysis.samples, 300 * 3, p);
      expect_identical<double>(file, "network/distance", r.network.distance, 2, p);
      expect_identical<double>(file, "network/deviation", r.network.deviation, 2 * 3, p);
      expect_identical<double>(file, "network/reference/samples", r.network.reference_samples, 300 * 3, p);
      expect_identical<std::int64_t>(file, "network/size", {r.network.size}, 1, p);
      expect_identical<std::int8_t>(file, "points/regime", {static_cast<std::int8_t>(analysis::code(r.regime))}, 1, p);
      EXPECT_EQ(r.network.size, p < 3 ? 990 : 9900);
    }
    fs::remove(path);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

TEST(SweepMpi, RefusesAnExistingFile) {
  const fs::path path = shared_path("existing");
  if (world_rank() == 0) {
    h5::File f = h5::File::create(path, h5::CreateMode::exclusive);
    f.close();
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const auto before = fs::last_write_time(path);
  // Every rank fails together, with the HDF5 error of the rank that speaks for them.
  try {
    sweep::run_sweep(MPI_COMM_WORLD, small_sweep(path, 1, 4), {});
    ADD_FAILURE() << "run_sweep wrote over an existing file";
  } catch (const io::mpi::RankFault& e) {
    EXPECT_NE(std::string(e.what()).find("H5Fcreate"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  MPI_Barrier(MPI_COMM_WORLD);
  EXPECT_EQ(fs::last_write_time(path), before);
  MPI_Barrier(MPI_COMM_WORLD);
  if (world_rank() == 0) fs::remove(path);
}

}  // namespace
