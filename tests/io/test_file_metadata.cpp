// What makes a result file readable by netCDF tools in one line: dimension scales on every axis,
// descriptions, CF code tables, and configuration attributes in their own types (file format 2).
// The helpers on small files of their own, then files the attnmf executable writes, read back
// with the HDF5 C API where the wrappers under test would otherwise check themselves.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../model/reference_fixtures.hpp"
#include "attnmf/config/config.hpp"
#include "attnmf/io/hdf5.hpp"
#include "attnmf/io/result_file.hpp"
#include "attnmf/version.hpp"

namespace {

namespace fs = std::filesystem;
namespace h5 = attnmf::io::h5;
namespace io = attnmf::io;

class FileMetadata : public ::testing::Test {
 protected:
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("attnmf-metadata-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  struct Result {
    int exit_code;
    std::string output;
  };
  Result run(const std::string& arguments) const {
    const fs::path log = dir / "log.txt";
    const std::string command = std::string(ATTNMF_BINARY) + " " + arguments + " > " + log.string() + " 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
  }
  // A 2-D (beta, gamma) sweep of 3 x 2 points, small enough for a second.
  std::string sweep_arguments(const fs::path& file) const {
    return "sweep --init.mode checkpoint --init.checkpoint " + attnmf::testing::reference_path("checkpoint_window.txt") +
           " --sweep.beta 1.25:1.29:3 --sweep.gamma 200,220 --run.steps 4000 --run.transient 3000 "
           "--analysis.samples 20 --analysis.section_max 5 --analysis.lyapunov 2 --parallel.threads_per_rank 1 "
           "--output.file " +
           file.string() + " -q";
  }
};

// The stored type of an attribute, compared with an HDF5 type.
bool attribute_stored_as(const h5::Handle& location, const char* name, hid_t type) {
  const hid_t attribute = H5Aopen(location.get(), name, H5P_DEFAULT);
  if (attribute < 0) return false;
  const hid_t stored = H5Aget_type(attribute);
  const bool equal = H5Tequal(stored, type) > 0;
  H5Tclose(stored);
  H5Aclose(attribute);
  return equal;
}

std::vector<std::int64_t> read_integers(const h5::Handle& location, const char* name) {
  const hid_t attribute = H5Aopen(location.get(), name, H5P_DEFAULT);
  const hid_t space = H5Aget_space(attribute);
  std::vector<std::int64_t> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  H5Aread(attribute, H5T_NATIVE_INT64, values.data());
  H5Sclose(space);
  H5Aclose(attribute);
  return values;
}

// "/points/point" and so on, axis by axis.
std::vector<std::string> scales_of(const h5::Handle& file, const std::string& path) {
  const h5::Handle dataset = h5::open_dataset(file, path);
  std::vector<std::string> scales;
  for (unsigned axis = 0; axis < h5::dims(dataset).size(); ++axis) {
    const auto attached = h5::attached_scales(dataset, axis);
    scales.push_back(attached.size() == 1 ? attached.front() : std::to_string(attached.size()) + " scales");
  }
  return scales;
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

// Every dataset of the file has one scale on every axis, of the axis' length, from its own group
// or a group above it (netCDF's scoping), and a description; a scale is its own dimension.
void expect_every_axis_labelled(const h5::File& file) {
  for (const std::string& relative : h5::dataset_paths(file)) {
    const std::string path = "/" + relative;
    const h5::Handle dataset = h5::open_dataset(file, path);
    EXPECT_TRUE(h5::has_attribute(dataset, "description")) << path;
    if (h5::is_dimension_scale(dataset)) {
      EXPECT_EQ(h5::dims(dataset).size(), 1U) << path;
      continue;
    }
    const auto extent = h5::dims(dataset);
    for (unsigned axis = 0; axis < extent.size(); ++axis) {
      const auto attached = h5::attached_scales(dataset, axis);
      ASSERT_EQ(attached.size(), 1U) << path << " axis " << axis;
      const std::string& scale = attached.front();
      const std::string group = parent_of(scale);
      EXPECT_TRUE(group == "/" || path.starts_with(group + "/")) << path << " axis " << axis << ": " << scale;
      EXPECT_EQ(h5::dims(h5::open_dataset(file, scale)), std::vector<hsize_t>{extent[axis]}) << path << " axis " << axis;
    }
  }
}

TEST_F(FileMetadata, ScalesAreFoundInTheGroupOrAbove) {
  h5::File file = h5::File::create(dir / "f.h5", h5::CreateMode::exclusive);
  h5::create_dataset<double>(file, "points/samples", {4, 3, 2});
  h5::create_dataset<double>(file, "points/final_window/attention", {4, 5, 2});
  io::write_index_scale(file, "points/point", 4, "point index");
  io::write_index_scale(file, "points/sample", 3, "sample");
  io::write_index_scale(file, "points/feature", 2, "feature");
  io::write_index_scale(file, "points/final_window/slot", 5, "slot");
  io::describe_dataset(file, {"points/samples", {"point", "sample", "feature"}, "the samples", "1/step"});
  io::describe_dataset(file, {"points/final_window/attention", {"point", "slot", "feature"}, "the window"});
  EXPECT_EQ(scales_of(file, "points/samples"), (std::vector<std::string>{"/points/point", "/points/sample", "/points/feature"}));
  EXPECT_EQ(scales_of(file, "points/final_window/attention"),
            (std::vector<std::string>{"/points/point", "/points/final_window/slot", "/points/feature"}));
  const h5::Handle samples = h5::open_dataset(file, "points/samples");
  EXPECT_EQ(h5::read_attribute<std::string>(samples, "description"), "the samples");
  EXPECT_EQ(h5::read_attribute<std::string>(samples, "units"), "1/step");
  EXPECT_FALSE(h5::has_attribute(h5::open_dataset(file, "points/final_window/attention"), "units"));
  const h5::Handle point = h5::open_dataset(file, "points/point");
  EXPECT_TRUE(h5::is_dimension_scale(point));
  EXPECT_FALSE(h5::is_dimension_scale(samples));
  EXPECT_EQ(h5::read_all<std::int64_t>(point), (std::vector<std::int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(h5::read_attribute<std::string>(point, "description"), "point index");
  // netCDF names the dimension by the scale's NAME attribute and dataset name, which agree.
  EXPECT_EQ(h5::read_attribute<std::string>(point, "NAME"), "point");
  EXPECT_EQ(h5::read_attribute<std::string>(point, "CLASS"), "DIMENSION_SCALE");
  // Describing again attaches nothing twice.
  io::describe_dataset(file, {"points/samples", {"point", "sample", "feature"}, "the samples"});
  EXPECT_EQ(h5::attached_scales(samples, 0).size(), 1U);
}

TEST_F(FileMetadata, MistakesInTheTableAreErrors) {
  h5::File file = h5::File::create(dir / "f.h5", h5::CreateMode::exclusive);
  h5::create_dataset<double>(file, "points/regime", {4});
  h5::create_dataset<double>(file, "grid/sample", {4});  // not a scale, and not in a group above
  io::write_index_scale(file, "points/point", 4, "point index");
  // A dimension the dataset does not have, a scale that does not exist or is out of scope.
  EXPECT_THROW(io::describe_dataset(file, {"points/regime", {"point", "sample"}, "x"}), std::logic_error);
  EXPECT_THROW(io::describe_dataset(file, {"points/regime", {"sample"}, "x"}), std::logic_error);
  EXPECT_THROW(io::describe_dataset(file, {"grid/sample", {"point"}, "x"}), std::logic_error);
  // An optional dataset that is absent is skipped and not created.
  EXPECT_NO_THROW(io::describe_dataset(file, {"points/lyapunov", {"point", "exponent"}, "x"}));
  EXPECT_FALSE(h5::exists(file, "points/lyapunov"));
  // A scale is its own dimension (HDF5 cannot attach a scale to a scale).
  EXPECT_NO_THROW(io::describe_dataset(file, {"points/point", {"point"}, "the index"}));
  EXPECT_TRUE(h5::attached_scales(h5::open_dataset(file, "points/point"), 0).empty());
  EXPECT_THROW(h5::attach_dimension_scale(h5::open_dataset(file, "points/regime"), h5::open_dataset(file, "points/point"), 1),
               std::out_of_range);
}

TEST_F(FileMetadata, CodeTablesInTheDatasetsOwnType) {
  h5::File file = h5::File::create(dir / "f.h5", h5::CreateMode::exclusive);
  const h5::Handle regime = h5::create_dataset<std::int8_t>(file, "regime", {3});
  const h5::Handle status = h5::create_dataset<std::uint8_t>(file, "status", {3});
  io::write_regime_names(regime);
  const std::vector<std::string_view> names{"pending", "done", "failed"};
  EXPECT_EQ(io::write_code_names(status, names), "0 pending, 1 done, 2 failed");
  EXPECT_TRUE(attribute_stored_as(regime, "flag_values", H5T_STD_I8LE));
  EXPECT_TRUE(attribute_stored_as(status, "flag_values", H5T_STD_U8LE));
  EXPECT_TRUE(attribute_stored_as(regime, "codes", H5T_STD_I64LE));
  EXPECT_EQ(read_integers(regime, "flag_values"), (std::vector<std::int64_t>{-1, 0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(read_integers(regime, "codes"), read_integers(regime, "flag_values"));
  EXPECT_EQ(h5::read_attribute<std::string>(regime, "flag_meanings"),
            "undetermined fixed_point periodic quasi_periodic chaotic hyperchaotic 2_torus");
  EXPECT_EQ(read_integers(status, "flag_values"), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(h5::read_attribute<std::string>(status, "flag_meanings"), "pending done failed");
  // Codes the dataset's type cannot hold are refused rather than clipped.
  const std::vector<std::string_view> two{"a", "b"};
  EXPECT_THROW(io::write_code_names(status, two, -1), std::out_of_range);
  EXPECT_THROW(io::write_code_names(regime, two, 127), std::out_of_range);
  EXPECT_NO_THROW(io::write_code_names(regime, two, 126));
}

TEST_F(FileMetadata, ConfigurationKeysInTheirTypesReadBackAsTheirText) {
  attnmf::config::Config config;
  config.model.beta = 0.1 + 0.2;  // 0.30000000000000004: no text but the shortest reads back the same
  config.analysis.section_tolerance = 1e-300;
  config.parallel.threads_per_rank = attnmf::config::ParallelConfig::threads_auto;
  config.sweep.beta = attnmf::config::parse_grid("sweep.beta", "0:3:4001");
  h5::File file = h5::File::create(dir / "f.h5", h5::CreateMode::exclusive);
  io::write_description(file, "trajectory", config);
  EXPECT_TRUE(attribute_stored_as(file, "model.features", H5T_STD_I64LE));
  EXPECT_TRUE(attribute_stored_as(file, "model.beta", H5T_IEEE_F64LE));
  EXPECT_EQ(h5::read_attribute<double>(file, "model.beta"), 0.1 + 0.2);
  EXPECT_EQ(h5::read_attribute<std::int64_t>(file, "model.features"), config.model.features);
  EXPECT_EQ(h5::attribute_type(file, "weights.correlations"), h5::AttributeType::text);
  EXPECT_EQ(h5::read_attribute<std::string>(file, "sweep.beta"), "0:3:4001");
  EXPECT_EQ(h5::read_attribute<std::string>(file, "parallel.threads_per_rank"), "auto");
  EXPECT_EQ(h5::read_attribute<std::int64_t>(file, "format_version"), attnmf::file_format_version);
  EXPECT_EQ(attnmf::file_format_version, 2);

  auto expected = config.key_values();
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(io::read_configuration(file), expected);

  // A sweep file leaves out a key that an axis replaces where the sweep did not use it: model.beta
  // beside a beta axis of 4001 values, model.gamma beside a gamma axis of one other value. It keeps
  // model.epsilon, the value of the epsilon axis.
  config.sweep.gamma = attnmf::config::parse_grid("sweep.gamma", "230");
  h5::File sweep = h5::File::create(dir / "s.h5", h5::CreateMode::exclusive);
  io::write_description(sweep, "sweep", config);
  expected = config.key_values();
  std::sort(expected.begin(), expected.end());
  std::erase_if(expected, [](const auto& kv) { return kv.first == "model.beta" || kv.first == "model.gamma"; });
  EXPECT_EQ(io::read_configuration(sweep), expected);
  EXPECT_FALSE(h5::has_attribute(sweep, "model.beta"));
  EXPECT_FALSE(h5::has_attribute(sweep, "model.gamma"));
  EXPECT_EQ(h5::read_attribute<double>(sweep, "model.epsilon"), config.model.epsilon);
  EXPECT_EQ(h5::read_attribute<std::int64_t>(sweep, "network.size"), config.network.size);
  for (const char* key : {"model.beta", "model.gamma", "model.epsilon", "network.size"})
    EXPECT_TRUE(io::replaced_by_sweep_axis(key)) << key;
  for (const char* key : {"model.features", "sweep.beta", "continuation.from", "run.steps"})
    EXPECT_FALSE(io::replaced_by_sweep_axis(key)) << key;
}

TEST_F(FileMetadata, FilesOfFormatOneStillReadAsText) {
  h5::File file = h5::File::create(dir / "f.h5", h5::CreateMode::exclusive);
  h5::write_attribute(file, "format_version", 1);
  h5::write_attribute(file, "model.beta", std::string_view("1.27"));
  h5::write_attribute(file, "model.features", std::string_view("3"));
  EXPECT_EQ(io::read_configuration(file),
            (std::vector<std::pair<std::string, std::string>>{{"model.beta", "1.27"}, {"model.features", "3"}}));
}

// The file of an attnmf sweep: every axis labelled, the per-point coordinates, the code tables, the
// typed configuration; and --resume still tells the same configuration from another.
TEST_F(FileMetadata, SweepFile) {
  const fs::path path = dir / "sweep.h5";
  const Result r = run(sweep_arguments(path));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  {
    const h5::File file = h5::File::open(path, h5::Access::read_only);
    expect_every_axis_labelled(file);
    EXPECT_EQ(scales_of(file, "points/samples"), (std::vector<std::string>{"/points/point", "/points/sample", "/points/feature"}));
    EXPECT_EQ(scales_of(file, "points/lyapunov"), (std::vector<std::string>{"/points/point", "/points/exponent"}));
    EXPECT_EQ(scales_of(file, "points/section"), (std::vector<std::string>{"/points/point", "/points/section_row", "/points/feature"}));
    EXPECT_EQ(scales_of(file, "points/crossing_direction"), (std::vector<std::string>{"/points/point", "/points/crossing"}));
    EXPECT_EQ(scales_of(file, "points/final_window/positions"),
              (std::vector<std::string>{"/points/point", "/points/final_window/slot"}));
    EXPECT_EQ(scales_of(file, "points/error"), std::vector<std::string>{"/points/point"});
    EXPECT_EQ(scales_of(file, "provenance/point_seconds"), std::vector<std::string>{"/provenance/point"});
    EXPECT_EQ(scales_of(file, "model/tables/o"), (std::vector<std::string>{"/model/tables/sign_vector", "/model/feature"}));
    for (const char* axis : {"grid/beta", "grid/gamma", "grid/epsilon"})
      EXPECT_TRUE(h5::is_dimension_scale(h5::open_dataset(file, axis))) << axis;
    EXPECT_EQ(h5::dims(h5::open_dataset(file, "points/sample")), std::vector<hsize_t>{20});
    EXPECT_EQ(h5::dims(h5::open_dataset(file, "points/exponent")), std::vector<hsize_t>{2});

    // p = i_gamma * n_beta + i_beta, and each point's beta and gamma beside it.
    const auto point = h5::read_all<std::int64_t>(h5::open_dataset(file, "points/point"));
    EXPECT_EQ(point, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));
    const auto beta = h5::read_all<double>(h5::open_dataset(file, "grid/beta"));
    const auto gamma = h5::read_all<double>(h5::open_dataset(file, "grid/gamma"));
    const auto point_beta = h5::read_all<double>(h5::open_dataset(file, "points/beta"));
    const auto point_gamma = h5::read_all<double>(h5::open_dataset(file, "points/gamma"));
    const auto point_epsilon = h5::read_all<double>(h5::open_dataset(file, "points/epsilon"));
    ASSERT_EQ(beta.size(), 3U);
    ASSERT_EQ(gamma.size(), 2U);
    for (std::size_t p = 0; p < 6; ++p) {
      EXPECT_EQ(point_beta[p], beta[p % 3]) << p;
      EXPECT_EQ(point_gamma[p], gamma[p / 3]) << p;
      EXPECT_EQ(point_epsilon[p], 0.02) << p;
    }
    EXPECT_FALSE(h5::exists(file, "points/size"));  // a mean-field sweep has no network size
    EXPECT_EQ(h5::read_attribute<std::string>(h5::open_dataset(file, "points/regime"), "coordinates"), "beta gamma epsilon");
    EXPECT_EQ(h5::read_attribute<std::string>(h5::open_dataset(file, "points/samples"), "coordinates"), "beta gamma epsilon");
    EXPECT_FALSE(h5::has_attribute(h5::open_dataset(file, "points/beta"), "coordinates"));

    const h5::Handle regime = h5::open_dataset(file, "points/regime");
    EXPECT_TRUE(attribute_stored_as(regime, "flag_values", H5T_STD_I8LE));
    EXPECT_EQ(read_integers(regime, "flag_values"), (std::vector<std::int64_t>{-1, 0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(h5::read_attribute<std::string>(regime, "flag_meanings"),
              "undetermined fixed_point periodic quasi_periodic chaotic hyperchaotic 2_torus");
    EXPECT_EQ(h5::read_attribute<std::string>(h5::open_dataset(file, "points/paper_regime"), "flag_meanings"),
              "undetermined fixed_point periodic quasi_periodic chaotic hyperchaotic 2_torus");
    const h5::Handle status = h5::open_dataset(file, "points/status");
    EXPECT_TRUE(attribute_stored_as(status, "flag_values", H5T_STD_U8LE));
    EXPECT_EQ(h5::read_attribute<std::string>(status, "flag_meanings"), "pending done failed");
    EXPECT_EQ(h5::read_attribute<std::string>(h5::open_dataset(file, "points/lyapunov_source"), "flag_meanings"),
              "none running_estimate floquet");
    EXPECT_EQ(read_integers(h5::open_dataset(file, "points/crossing_direction"), "flag_values"),
              (std::vector<std::int64_t>{-1, 0, 1}));
    EXPECT_EQ(h5::read_attribute<std::string>(h5::open_dataset(file, "points/lyapunov"), "units"), "1/step");
    EXPECT_EQ(h5::read_attribute<std::string>(h5::open_dataset(file, "provenance/point_seconds"), "units"), "s");
    // The legend attnmf-plot reads in files without code attributes stays.
    EXPECT_TRUE(h5::has_attribute(h5::open_group(file, "points"), "regime"));

    EXPECT_EQ(h5::read_attribute<std::int64_t>(file, "format_version"), 2);
    EXPECT_TRUE(attribute_stored_as(file, "model.features", H5T_STD_I64LE));
    EXPECT_TRUE(attribute_stored_as(file, "analysis.section_tolerance", H5T_IEEE_F64LE));
    EXPECT_EQ(h5::read_attribute<std::int64_t>(file, "analysis.lyapunov"), 2);
    EXPECT_EQ(h5::read_attribute<std::string>(file, "sweep.beta"), "1.25:1.29:3");
    EXPECT_EQ(h5::read_attribute<std::string>(file, "sweep.gamma"), "200,220");
    // The beta and gamma axes have several values each: no root model.beta or model.gamma to read
    // as every point's. The epsilon axis is model.epsilon's one value, which the file keeps.
    for (const char* key : {"model.beta", "model.gamma"}) EXPECT_FALSE(h5::has_attribute(file, key)) << key;
    EXPECT_EQ(h5::read_attribute<double>(file, "model.epsilon"), 0.02);
  }
  const std::string arguments = sweep_arguments(path) + " --resume";
  Result again = run(arguments);
  EXPECT_EQ(again.exit_code, 0) << "the same configuration: " << again.output;
  // model.beta does not change a sweep whose beta axis is given.
  again = run(arguments + " --model.beta 1.3");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  again = run(arguments + " --analysis.section_tolerance 0.002");
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_NE(again.output.find("analysis.section_tolerance (file: 0.001, here: 0.002)"), std::string::npos) << again.output;
  again = run(arguments + " --model.epsilon 0.03");  // the epsilon axis follows it
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_NE(again.output.find("sweep.epsilon (file: 0.02, here: 0.03)"), std::string::npos) << again.output;
  again = run(arguments + " --analysis.period_max 4095");  // an integer key
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_NE(again.output.find("analysis.period_max (file: 4096, here: 4095)"), std::string::npos) << again.output;
}

TEST_F(FileMetadata, TrajectoryFile) {
  const fs::path path = dir / "trajectory.h5";
  const Result r = run("trajectory --init.mode checkpoint --init.checkpoint " +
                       attnmf::testing::reference_path("checkpoint_window.txt") +
                       " --run.steps 4000 --run.transient 3000 --analysis.samples 200 --analysis.lyapunov_trace 250 "
                       "--output.file " + path.string() + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const h5::File file = h5::File::open(path, h5::Access::read_only);
  expect_every_axis_labelled(file);
  EXPECT_EQ(scales_of(file, "trajectory/mo_se"), (std::vector<std::string>{"/trajectory/step", "/trajectory/feature"}));
  EXPECT_EQ(scales_of(file, "trajectory/final_window/attention"),
            (std::vector<std::string>{"/trajectory/final_window/slot", "/trajectory/feature"}));
  EXPECT_EQ(scales_of(file, "analysis/regime"), std::vector<std::string>{"/analysis/point"});
  EXPECT_EQ(scales_of(file, "analysis/lyapunov_trace"), (std::vector<std::string>{"/analysis/trace", "/analysis/exponent"}));
  // The rows' steps, from run.transient on; the trace's rows after every 250 recorded steps.
  const auto step = h5::read_all<std::int64_t>(h5::open_dataset(file, "trajectory/step"));
  ASSERT_EQ(step.size(), 1000U);
  EXPECT_EQ(step.front(), 3000);
  EXPECT_EQ(step.back(), 3999);
  EXPECT_EQ(h5::read_all<std::int64_t>(h5::open_dataset(file, "analysis/trace")), (std::vector<std::int64_t>{250, 500, 750, 1000}));
  EXPECT_EQ(h5::read_attribute<std::string>(h5::open_dataset(file, "analysis/regime"), "flag_meanings"),
            "undetermined fixed_point periodic quasi_periodic chaotic hyperchaotic 2_torus");
  // A trajectory's model.beta is its point's.
  EXPECT_TRUE(attribute_stored_as(file, "model.beta", H5T_IEEE_F64LE));
  EXPECT_EQ(h5::read_attribute<double>(file, "model.beta"), 1.27);
  EXPECT_EQ(h5::read_attribute<std::int64_t>(file, "run.steps"), 4000);
}

}  // namespace
