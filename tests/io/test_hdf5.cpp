// The checked HDF5 layer, serial driver only (the MPI-IO path is tested under tests/mpi). Raw HDF5
// calls here either inspect what the layer wrote or write what other tools (h5py) would.

#include "attnmf/io/hdf5.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace h5 = attnmf::io::h5;

std::string bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const h5::Error& error) {
    return error.what();
  }
  ADD_FAILURE() << "no h5::Error thrown";
  return {};
}

// Every test owns a fresh directory: ctest runs tests in parallel, and a file left by an earlier
// run must not make a test pass.
class Hdf5Test : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(test->test_suite_name()) + "-" + test->name();
    for (char& c : name)
      if (c == '/') c = '-';
    std::random_device random;
    do {
      directory_ = fs::temp_directory_path() / ("attnmf-hdf5-" + name + "-" + std::to_string(random()));
    } while (!fs::create_directory(directory_));
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(directory_, ignored);
  }
  fs::path path_for(const std::string& name) const { return directory_ / name; }

  fs::path directory_;
};

template <class T>
class RoundTrip : public Hdf5Test {};
using ElementTypes =
    ::testing::Types<double, float, std::int8_t, std::uint8_t, std::int32_t, std::int64_t, std::uint64_t>;
TYPED_TEST_SUITE(RoundTrip, ElementTypes);

// The type's extremes among small ordinary values and, for floating types, fractions that a
// conversion through another type would round.
template <class T>
std::vector<T> values_for(std::size_t count) {
  std::vector<T> values(count);
  for (std::size_t i = 0; i < count; ++i) {
    if constexpr (std::is_floating_point_v<T>) values[i] = static_cast<T>(0.1) * static_cast<T>(i) - T{1};
    else values[i] = static_cast<T>(i % 50);
  }
  values[0] = std::numeric_limits<T>::lowest();
  values[count - 1] = std::numeric_limits<T>::max();
  return values;
}

TYPED_TEST(RoundTrip, EveryRankContiguousAndChunked) {
  using T = TypeParam;
  const std::vector<std::vector<hsize_t>> shapes{{7}, {5, 3}, {3, 2, 4}};
  const std::vector<std::vector<hsize_t>> chunks{{2}, {2, 3}, {1, 2, 2}};
  const fs::path path = this->path_for("round_trip.h5");
  {
    h5::File file = h5::File::create(path, h5::CreateMode::exclusive);
    for (std::size_t s = 0; s < shapes.size(); ++s) {
      const auto values = values_for<T>(shapes[s].size() == 1 ? 7 : shapes[s].size() == 2 ? 15 : 24);
      const auto contiguous = h5::create_dataset<T>(file, "contiguous/rank" + std::to_string(s + 1), shapes[s]);
      const auto chunked = h5::create_dataset<T>(file, "chunked/rank" + std::to_string(s + 1), shapes[s], chunks[s]);
      h5::write_all<T>(contiguous, values);
      h5::write_all<T>(chunked, values);
    }
  }
  const h5::File file = h5::File::open(path, h5::Access::read_only);
  for (std::size_t s = 0; s < shapes.size(); ++s) {
    for (const std::string layout : {"contiguous", "chunked"}) {
      SCOPED_TRACE(layout + " rank " + std::to_string(s + 1));
      const auto dataset = h5::open_dataset(file, layout + "/rank" + std::to_string(s + 1));
      EXPECT_EQ(h5::dims(dataset), shapes[s]);
      EXPECT_EQ(h5::read_all<T>(dataset), values_for<T>(h5::read_all<T>(dataset).size()));

      const h5::Handle creation(H5Dget_create_plist(dataset.get()));
      EXPECT_EQ(H5Pget_layout(creation.get()), layout == "chunked" ? H5D_CHUNKED : H5D_CONTIGUOUS);
      const h5::Handle type(H5Dget_type(dataset.get()));
      EXPECT_EQ(H5Tget_size(type.get()), sizeof(T));
      EXPECT_EQ(H5Tget_order(type.get()), H5T_ORDER_LE);
      EXPECT_EQ(H5Tget_class(type.get()), std::is_floating_point_v<T> ? H5T_FLOAT : H5T_INTEGER);
      if constexpr (std::is_integral_v<T>) {
        EXPECT_EQ(H5Tget_sign(type.get()), std::is_signed_v<T> ? H5T_SGN_2 : H5T_SGN_NONE);
      }
    }
  }
}

TYPED_TEST(RoundTrip, UnwrittenElementsReadAsTheFillValue) {
  using T = TypeParam;
  h5::File file = h5::File::create(this->path_for("fill.h5"), h5::CreateMode::exclusive);
  const T fill = std::numeric_limits<T>::max();
  const auto dataset = h5::create_dataset<T>(file, "filled", {4, 2}, {2, 2}, fill);
  h5::write_rows<T>(dataset, 1, 1, std::vector<T>{T{1}, T{2}});
  EXPECT_EQ(h5::read_all<T>(dataset), (std::vector<T>{fill, fill, T{1}, T{2}, fill, fill, fill, fill}));
  EXPECT_EQ(h5::read_all<T>(h5::create_dataset<T>(file, "zero", {3})), std::vector<T>(3, T{0}));
}

TEST_F(Hdf5Test, RowsWrittenOutOfOrderInChunksReadBackWhole) {
  const fs::path path = path_for("rows.h5");
  std::vector<double> expected(10 * 3);
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = 10.0 * static_cast<double>(i / 3) + 0.5 * (i % 3);
  {
    h5::File file = h5::File::create(path, h5::CreateMode::exclusive);
    const auto dataset = h5::create_dataset<double>(file, "points/lyapunov", {10, 3}, {4, 3});
    const std::span<const double> all(expected);
    for (const auto& [first, count] : {std::pair<hsize_t, hsize_t>{6, 4}, {0, 3}, {3, 3}})
      h5::write_rows<double>(dataset, first, count, all.subspan(first * 3, count * 3));
    // A rank without rows takes part with an empty selection.
    h5::write_rows<double>(dataset, 10, 0, {}, h5::Transfer::collective);
    EXPECT_EQ(h5::read_all<double>(dataset), expected);
  }
  const h5::File file = h5::File::open(path, h5::Access::read_only);
  const auto dataset = h5::open_dataset(file, "/points/lyapunov");
  EXPECT_EQ(h5::read_all<double>(dataset), expected);
  EXPECT_EQ(h5::read_rows<double>(dataset, 2, 5), std::vector<double>(expected.begin() + 6, expected.begin() + 21));
  EXPECT_TRUE(h5::read_rows<double>(dataset, 10, 0, h5::Transfer::collective).empty());
}

TEST_F(Hdf5Test, RowsOfThreeDimensionalDatasets) {
  h5::File file = h5::File::create(path_for("samples.h5"), h5::CreateMode::exclusive);
  const auto dataset = h5::create_dataset<float>(file, "points/samples", {4, 3, 2});
  std::vector<float> rows(2 * 3 * 2);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<float>(i) + 0.25F;
  h5::write_rows<float>(dataset, 2, 2, rows);
  EXPECT_EQ(h5::read_rows<float>(dataset, 2, 2), rows);
  EXPECT_EQ(h5::read_rows<float>(dataset, 1, 1), std::vector<float>(6, 0.0F));
}

TEST_F(Hdf5Test, RowsBeyondTheExtentThrow) {
  h5::File file = h5::File::create(path_for("extent.h5"), h5::CreateMode::exclusive);
  const auto dataset = h5::create_dataset<std::int32_t>(file, "period", {10});
  EXPECT_THROW(h5::read_rows<std::int32_t>(dataset, 8, 3), std::out_of_range);
  EXPECT_THROW(h5::read_rows<std::int32_t>(dataset, 11, 0), std::out_of_range);
  EXPECT_THROW(h5::read_rows<std::int32_t>(dataset, std::numeric_limits<hsize_t>::max(), 2), std::out_of_range);
  EXPECT_THROW(h5::write_rows<std::int32_t>(dataset, 9, 2, std::vector<std::int32_t>{1, 2}), std::out_of_range);
  EXPECT_EQ(h5::read_rows<std::int32_t>(dataset, 7, 3), std::vector<std::int32_t>(3, 0));
}

TEST_F(Hdf5Test, DataOfTheWrongSizeThrowsInvalidArgumentAndWritesNothing) {
  h5::File file = h5::File::create(path_for("size.h5"), h5::CreateMode::exclusive);
  const auto dataset = h5::create_dataset<double>(file, "lyapunov", {4, 3});
  EXPECT_THROW(h5::write_rows<double>(dataset, 0, 2, std::vector<double>(5, 1.0)), std::invalid_argument);
  EXPECT_THROW(h5::write_rows<double>(dataset, 0, 2, std::vector<double>(7, 1.0)), std::invalid_argument);
  EXPECT_THROW(h5::write_all<double>(dataset, std::vector<double>(11, 1.0)), std::invalid_argument);
  EXPECT_EQ(h5::read_all<double>(dataset), std::vector<double>(12, 0.0));
  EXPECT_THROW(h5::create_dataset<double>(file, "scalar", {}), std::invalid_argument);
  EXPECT_THROW(h5::create_dataset<double>(file, "bad_chunks", {4, 3}, {2}), std::invalid_argument);
}

TEST_F(Hdf5Test, ExclusiveCreateOfAnExistingFileThrowsAndLeavesItUnchanged) {
  const fs::path path = path_for("existing.h5");
  {
    h5::File file = h5::File::create(path, h5::CreateMode::exclusive);
    h5::write_all<std::int64_t>(h5::create_dataset<std::int64_t>(file, "kept", {3}), std::vector<std::int64_t>{4, 5, 6});
  }
  const std::string bytes = bytes_of(path);
  const auto modified = fs::last_write_time(path);

  const std::string message = message_of([&] { h5::File::create(path, h5::CreateMode::exclusive); });
  EXPECT_NE(message.find("H5Fcreate"), std::string::npos) << message;
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_EQ(bytes_of(path), bytes);
  EXPECT_EQ(fs::last_write_time(path), modified);
  {
    const h5::File file = h5::File::open(path, h5::Access::read_only);
    EXPECT_EQ(h5::read_all<std::int64_t>(h5::open_dataset(file, "kept")), (std::vector<std::int64_t>{4, 5, 6}));
  }
  const h5::File truncated = h5::File::create(path, h5::CreateMode::truncate);
  EXPECT_FALSE(h5::exists(truncated, "kept"));
}

TEST_F(Hdf5Test, OpeningAMissingFileNamesThePathAndTheHdf5Stack) {
  const fs::path path = path_for("missing.h5");
  ::testing::internal::CaptureStderr();
  const std::string message = message_of([&] { h5::File::open(path, h5::Access::read_only); });
  // HDF5 prints its stack to stderr unless told not to; it belongs in the exception only.
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_NE(message.find("HDF5 error stack:\n  H5Fopen: "), std::string::npos) << message;
  EXPECT_NE(message.find("unable to open file"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(Hdf5Test, OpeningAFileThatIsNotHdf5Throws) {
  const fs::path path = path_for("garbage.h5");
  std::ofstream(path) << "garbage";
  const std::string message = message_of([&] { h5::File::open(path, h5::Access::read_write); });
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_NE(message.find("signature"), std::string::npos) << message;
  EXPECT_EQ(bytes_of(path), "garbage");
}

TEST_F(Hdf5Test, FailuresInsideAFileNameTheFileAndTheObject) {
  const fs::path path = path_for("objects.h5");
  { const h5::File file = h5::File::create(path, h5::CreateMode::exclusive); }
  const h5::File file = h5::File::open(path, h5::Access::read_only);
  const std::string missing = message_of([&] { h5::open_dataset(file, "points/missing"); });
  EXPECT_NE(missing.find("H5Dopen2 failed for " + path.string() + ":/points/missing"), std::string::npos) << missing;
  // A read-only file refuses writes through HDF5 itself.
  const std::string read_only = message_of([&] { h5::create_group(file, "grid"); });
  EXPECT_NE(read_only.find("H5Gcreate2"), std::string::npos) << read_only;
  EXPECT_THROW(h5::write_attribute(file, "format_version", 1), h5::Error);
}

TEST_F(Hdf5Test, GroupsAndExists) {
  h5::File file = h5::File::create(path_for("groups.h5"), h5::CreateMode::exclusive);
  const auto c = h5::create_group(file, "a/b/c");
  h5::create_dataset<double>(file, "a/d", {2});
  const auto b = h5::open_group(file, "/a/b");
  ASSERT_GE(H5Lcreate_soft("/nowhere", b.get(), "dangling", H5P_DEFAULT, H5P_DEFAULT), 0);

  for (const char* path : {"", "/", "a", "a/b", "a/b/c", "/a/b/c", "a//b/", "a/d"}) EXPECT_TRUE(h5::exists(file, path)) << path;
  for (const char* path : {"x", "a/x", "a/x/y", "x/y/z", "/x/y", "a/d/x", "a/b/c/d/e", "a/b/dangling", "a/b/dangling/x"})
    EXPECT_FALSE(h5::exists(file, path)) << path;
  EXPECT_TRUE(h5::exists(b, "c"));
  EXPECT_TRUE(h5::exists(c, "/a/d"));
  EXPECT_FALSE(h5::exists(b, "a"));
  EXPECT_THROW(h5::open_group(file, "a/x"), h5::Error);
  EXPECT_THROW(h5::create_group(file, "a/b"), h5::Error);
  EXPECT_THROW(h5::open_dataset(file, "a/b"), h5::Error);
}

TEST_F(Hdf5Test, AttributesRoundTripOnRootGroupAndDataset) {
  const fs::path path = path_for("attributes.h5");
  const std::vector<double> grid{0.5, -1.25, 1e300};
  {
    h5::File file = h5::File::create(path, h5::CreateMode::exclusive);
    const auto group = h5::create_group(file, "grid");
    const auto dataset = h5::create_dataset<double>(file, "grid/beta", {3});
    for (const h5::Handle* location : {static_cast<const h5::Handle*>(&file), &group, &dataset}) {
      h5::write_attribute(*location, "config", "[model]\nbeta = 1.4  # β, γ_eff ✓");
      h5::write_attribute(*location, "empty", "");
      h5::write_attribute(*location, "epsilon", 0.02);
      h5::write_attribute(*location, "lowest", std::numeric_limits<std::int64_t>::lowest());
      h5::write_attribute(*location, "format_version", 3);
      h5::write_attribute(*location, "count", std::size_t{7});
      h5::write_attribute(*location, "values", grid);
      h5::write_attribute(*location, "none", std::span<const double>());
    }
    EXPECT_THROW(h5::write_attribute(file, "huge", std::numeric_limits<std::uint64_t>::max()), std::out_of_range);
  }
  const h5::File file = h5::File::open(path, h5::Access::read_only);
  const auto group = h5::open_group(file, "grid");
  const auto dataset = h5::open_dataset(file, "grid/beta");
  for (const h5::Handle* location : {static_cast<const h5::Handle*>(&file), &group, &dataset}) {
    EXPECT_EQ(h5::read_attribute<std::string>(*location, "config"), "[model]\nbeta = 1.4  # β, γ_eff ✓");
    EXPECT_EQ(h5::read_attribute<std::string>(*location, "empty"), "");
    EXPECT_EQ(h5::read_attribute<double>(*location, "epsilon"), 0.02);
    EXPECT_EQ(h5::read_attribute<std::int64_t>(*location, "lowest"), std::numeric_limits<std::int64_t>::lowest());
    EXPECT_EQ(h5::read_attribute<std::int64_t>(*location, "format_version"), 3);
    EXPECT_EQ(h5::read_attribute<double>(*location, "count"), 7.0);
    EXPECT_EQ(h5::read_attribute<std::vector<double>>(*location, "values"), grid);
    EXPECT_TRUE(h5::read_attribute<std::vector<double>>(*location, "none").empty());
    EXPECT_EQ(h5::attribute_names(*location), (std::vector<std::string>{"config", "count", "empty", "epsilon",
                                                                        "format_version", "lowest", "none", "values"}));
    EXPECT_TRUE(h5::has_attribute(*location, "epsilon"));
    EXPECT_FALSE(h5::has_attribute(*location, "beta"));
  }
  EXPECT_THROW(h5::read_attribute<double>(file, "beta"), h5::Error);
  EXPECT_THROW(h5::read_attribute<double>(file, "config"), h5::Error);
  EXPECT_THROW(h5::read_attribute<std::string>(file, "epsilon"), std::runtime_error);
  EXPECT_THROW(h5::read_attribute<double>(file, "values"), std::runtime_error);
  EXPECT_TRUE(h5::attribute_names(h5::open_group(file, "/")).size() == 8);
}

TEST_F(Hdf5Test, WritingAnAttributeAgainReplacesItWhateverItsType) {
  h5::File file = h5::File::create(path_for("replace.h5"), h5::CreateMode::exclusive);
  h5::write_attribute(file, "software_version", 1.5);
  h5::write_attribute(file, "software_version", "v0.1.0-3-gabc");
  EXPECT_EQ(h5::read_attribute<std::string>(file, "software_version"), "v0.1.0-3-gabc");
  h5::write_attribute(file, "software_version", std::vector<double>{1.0, 2.0});
  EXPECT_EQ(h5::read_attribute<std::vector<double>>(file, "software_version"), (std::vector<double>{1.0, 2.0}));
  h5::write_attribute(file, "software_version", std::int64_t{42});
  EXPECT_EQ(h5::read_attribute<std::int64_t>(file, "software_version"), 42);
  EXPECT_EQ(h5::attribute_names(file), std::vector<std::string>{"software_version"});
}

TEST_F(Hdf5Test, FixedLengthStringAttributesOfOtherWritersAreRead) {
  h5::File file = h5::File::create(path_for("fixed_attribute.h5"), h5::CreateMode::exclusive);
  const h5::Handle type(H5Tcopy(H5T_C_S1));
  ASSERT_GE(H5Tset_size(type.get(), 8), 0);
  const h5::Handle space(H5Screate(H5S_SCALAR));
  const h5::Handle attribute(H5Acreate2(file.get(), "fixed", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  ASSERT_GE(H5Awrite(attribute.get(), type.get(), "abc\0\0\0\0\0"), 0);
  EXPECT_EQ(h5::read_attribute<std::string>(file, "fixed"), "abc");
}

TEST_F(Hdf5Test, StringDatasetsRoundTrip) {
  const fs::path path = path_for("strings.h5");
  const std::vector<std::string> errors{"", "step 1200: non-finite attention", "ε out of range ✓", "x"};
  {
    h5::File file = h5::File::create(path, h5::CreateMode::exclusive);
    h5::write_string_dataset(file, "points/error", errors);
    h5::write_string_dataset(file, "points/none", {});
  }
  const h5::File file = h5::File::open(path, h5::Access::read_only);
  EXPECT_EQ(h5::read_string_dataset(file, "points/error"), errors);
  EXPECT_TRUE(h5::read_string_dataset(file, "points/none").empty());
  const h5::Handle type(H5Dget_type(h5::open_dataset(file, "points/error").get()));
  EXPECT_EQ(H5Tis_variable_str(type.get()), 0);
  EXPECT_EQ(H5Tget_size(type.get()), errors[1].size());  // the longest
  EXPECT_THROW(h5::read_string_dataset(file, "points/missing"), h5::Error);
}

TEST_F(Hdf5Test, VariableLengthStringDatasetsOfOtherWritersAreRead) {
  h5::File file = h5::File::create(path_for("h5py_strings.h5"), h5::CreateMode::exclusive);
  const h5::Handle type(H5Tcopy(H5T_C_S1));
  ASSERT_GE(H5Tset_size(type.get(), H5T_VARIABLE), 0);
  const hsize_t count = 3;
  const h5::Handle space(H5Screate_simple(1, &count, nullptr));
  const h5::Handle dataset(H5Dcreate2(file.get(), "names", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  const char* names[] = {"beta", "", "gamma"};
  ASSERT_GE(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, names), 0);
  EXPECT_EQ(h5::read_string_dataset(file, "names"), (std::vector<std::string>{"beta", "", "gamma"}));
  h5::create_dataset<double>(file, "numbers", {2});
  EXPECT_THROW(h5::read_string_dataset(file, "numbers"), std::runtime_error);
}

TEST_F(Hdf5Test, HandlesOwnTheirIdentifiers) {
  hid_t id = H5I_INVALID_HID;
  {
    h5::Handle first(H5Screate(H5S_SCALAR));
    id = first.get();
    h5::Handle second = std::move(first);
    EXPECT_FALSE(first.valid());
    EXPECT_EQ(second.get(), id);
    EXPECT_GT(H5Iis_valid(id), 0);
  }
  EXPECT_EQ(H5Iis_valid(id), 0);

  h5::Handle kept(H5Screate(H5S_SCALAR));
  id = kept.release();
  EXPECT_FALSE(kept.valid());
  EXPECT_GT(H5Iis_valid(id), 0);
  h5::Handle closed(id);
  closed.close();
  EXPECT_FALSE(closed.valid());
  EXPECT_EQ(H5Iis_valid(id), 0);
  closed.close();

  h5::Handle bogus(static_cast<hid_t>(0x7fff0000));
  EXPECT_THROW(bogus.close(), h5::Error);
}

TEST_F(Hdf5Test, FilesFlushAndCloseExplicitly) {
  const fs::path path = path_for("close.h5");
  h5::File file = h5::File::create(path, h5::CreateMode::exclusive);
  EXPECT_EQ(file.path(), path);
  h5::write_attribute(file, "format_version", 1);
  file.flush();
  file.close();
  EXPECT_FALSE(file.valid());
  file.close();
  h5::File reopened = h5::File::open(path, h5::Access::read_write);
  EXPECT_EQ(h5::read_attribute<std::int64_t>(reopened, "format_version"), 1);
  h5::File moved = std::move(reopened);
  EXPECT_EQ(moved.path(), path);
  EXPECT_TRUE(moved.valid());
}

TEST(Hdf5Check, PassesResultsAndThrowsOnFailure) {
  EXPECT_EQ(h5::check(3, "H5Fake", "context"), 3);
  const std::string message = message_of([] { h5::check(-1, "H5Fake", "somewhere.h5:/x"); });
  EXPECT_EQ(message.rfind("H5Fake failed for somewhere.h5:/x", 0), 0U) << message;
  EXPECT_THROW(h5::check_id(H5I_INVALID_HID, "H5Fake", ""), h5::Error);
}

TEST(Hdf5Version, IsTheLibraryOfTheHeaders) {
  std::ostringstream expected;
  expected << H5_VERS_MAJOR << '.' << H5_VERS_MINOR << '.' << H5_VERS_RELEASE;
  EXPECT_EQ(h5::hdf5_library_version(), expected.str());
}

}  // namespace
