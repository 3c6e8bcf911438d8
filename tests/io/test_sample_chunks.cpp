// Compressed samples: chunks that attnmf shuffles and deflates itself must be what HDF5's own filters
// read back, value for value, in float64 and float32, whole chunks and a short last one.

#include "attnmf/io/sample_chunks.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <vector>

#include "attnmf/io/hdf5.hpp"

namespace {

namespace fs = std::filesystem;
namespace h5 = attnmf::io::h5;
using attnmf::io::SampleChunking;

// Chaotic-looking values with some repeats, NaN and infinities: every byte pattern a sample can have.
std::vector<double> samples_of(std::size_t count, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-0.6, 0.6);
  std::vector<double> x(count);
  for (std::size_t i = 0; i < count; ++i) x[i] = i % 7 == 3 ? x[i - 1] : u(rng);
  x[1] = std::numeric_limits<double>::quiet_NaN();
  x[2] = -std::numeric_limits<double>::infinity();
  x[5] = 1e-310;  // subnormal in float64, zero in float32
  return x;
}

class SampleChunks : public ::testing::TestWithParam<bool> {
 protected:
  fs::path dir = fs::temp_directory_path() / ("attnmf-chunks-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }
};

TEST_P(SampleChunks, EncodedChunksDecodeToTheValues) {
  const bool float32 = GetParam();
  const auto x = samples_of(3000, 7);
  const auto stored = attnmf::io::encode_chunk(x, float32);
  EXPECT_LT(stored.size(), x.size() * (float32 ? 4 : 8));
  const auto back = attnmf::io::decode_chunk(stored, x.size(), float32);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double expected = float32 ? static_cast<double>(static_cast<float>(x[i])) : x[i];
    EXPECT_EQ(0, std::memcmp(&back[i], &expected, sizeof(double))) << i;
  }
}

// Spooled chunks written past the filters into a deflated dataset: HDF5 reads every point's samples
// back as it would have stored them itself, unwritten points as the fill value.
TEST_P(SampleChunks, HdfFiltersReadTheSpooledChunks) {
  const bool float32 = GetParam();
  // 5 points of S = 10 rows, M = 3.
  const SampleChunking chunking{10, 3, float32};
  const fs::path file = dir / "s.h5", spool_path = dir / "rank-0.samples";
  {
    h5::File f = h5::File::create(file, h5::CreateMode::exclusive);
    if (float32) h5::create_deflated_dataset<float>(f, "points/samples", {5, 10, 3}, chunking.chunk_dims(), std::nanf(""));
    else h5::create_deflated_dataset<double>(f, "points/samples", {5, 10, 3}, chunking.chunk_dims(), std::nan(""));
    f.close();
  }
  attnmf::io::SampleSpool spool(spool_path, chunking);
  std::vector<std::vector<double>> written(5);
  for (long long p : {3, 0, 4}) {  // out of order, point 1 and 2 never written
    written[static_cast<std::size_t>(p)] = samples_of(30, static_cast<unsigned>(p + 1));
    spool.add(p, written[static_cast<std::size_t>(p)]);
  }
  EXPECT_THROW(spool.add(1, std::vector<double>(29)), std::invalid_argument);
  spool.close();
  EXPECT_EQ(spool.chunks().size(), 3U);
  attnmf::io::write_spooled_chunks(file, "points/samples", chunking, {{spool_path, spool.chunks()}});

  const h5::File f = h5::File::open(file, h5::Access::read_only);
  const h5::Handle d = h5::open_dataset(f, "points/samples");
  const auto all = h5::read_all<double>(d);
  for (std::size_t p = 0; p < 5; ++p)
    for (std::size_t i = 0; i < 30; ++i) {
      const double got = all[p * 30 + i];
      if (written[p].empty()) {
        EXPECT_TRUE(std::isnan(got)) << p;
        continue;
      }
      const double x = written[p][i];
      const double expected = float32 ? static_cast<double>(static_cast<float>(x)) : x;
      EXPECT_EQ(0, std::memcmp(&got, &expected, sizeof(double))) << "point " << p << " value " << i;
    }
  // The file holds the filters: h5py and netCDF readers see shuffle and deflate.
  const hid_t plist = H5Dget_create_plist(d.get());
  EXPECT_EQ(H5Pget_nfilters(plist), 2);
  H5Pclose(plist);
}

// A point longer than the chunk cap: two chunks, the second mostly padding, read back whole.
TEST_P(SampleChunks, APointOfSeveralChunksReadsBackWhole) {
  const bool float32 = GetParam();
  const long long S = SampleChunking::max_rows_per_chunk + 5;
  const SampleChunking chunking{S, 1, float32};
  const fs::path file = dir / "long.h5", spool_path = dir / "long.samples";
  {
    h5::File f = h5::File::create(file, h5::CreateMode::exclusive);
    if (float32) h5::create_deflated_dataset<float>(f, "samples", {2, static_cast<hsize_t>(S), 1}, chunking.chunk_dims(), 0.0F);
    else h5::create_deflated_dataset<double>(f, "samples", {2, static_cast<hsize_t>(S), 1}, chunking.chunk_dims(), 0.0);
    f.close();
  }
  attnmf::io::SampleSpool spool(spool_path, chunking);
  const auto x = samples_of(static_cast<std::size_t>(S), 11);
  spool.add(1, x);
  spool.close();
  EXPECT_EQ(spool.chunks().size(), 2U);
  attnmf::io::write_spooled_chunks(file, "samples", chunking, {{spool_path, spool.chunks()}});
  const h5::File f = h5::File::open(file, h5::Access::read_only);
  const auto back = h5::read_rows<double>(h5::open_dataset(f, "samples"), 1, 1);
  ASSERT_EQ(back.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double expected = float32 ? static_cast<double>(static_cast<float>(x[i])) : x[i];
    EXPECT_EQ(0, std::memcmp(&back[i], &expected, sizeof(double))) << i;
  }
}

// The samples of an aperiodic orbit: the low mantissa bytes are noise, which the encoder stores
// rather than deflates (most of deflate's time, nothing of its gain), and HDF5's filters still read
// the chunk back value for value. An orbit that recurs exactly, with the same noisy bytes, is
// deflated whole: its repeats are what deflate finds.
TEST_P(SampleChunks, NoisePlanesAreStoredUnlessTheOrbitRecurs) {
  const bool float32 = GetParam();
  const std::size_t width = float32 ? 4 : 8;
  const SampleChunking chunking{20000, 3, float32};
  // Values in [0.25, 0.5) with every mantissa bit drawn (uniform_real_distribution leaves the lowest
  // ones skewed): noise in each low byte, as on a chaotic orbit.
  std::mt19937_64 rng(5);
  const auto noise = [&] { return std::bit_cast<double>((0x3fdULL << 52) | (rng() & ((1ULL << 52) - 1))); };
  std::vector<double> chaotic(60000), periodic(60000);
  for (double& x : chaotic) x = noise();
  for (std::size_t i = 0; i < periodic.size(); ++i) periodic[i] = i < 15000 ? noise() : periodic[i - 15000];  // period 5000 rows
  const fs::path file = dir / "noise.h5", spool_path = dir / "noise.samples";
  {
    h5::File f = h5::File::create(file, h5::CreateMode::exclusive);
    if (float32) h5::create_deflated_dataset<float>(f, "samples", {2, 20000, 3}, chunking.chunk_dims(), 0.0F);
    else h5::create_deflated_dataset<double>(f, "samples", {2, 20000, 3}, chunking.chunk_dims(), 0.0);
    f.close();
  }
  attnmf::io::SampleSpool spool(spool_path, chunking);
  spool.add(0, chaotic);
  spool.add(1, periodic);
  spool.close();
  // The noise: the six low bytes of a float64 (the seventh holds the exponent's low bits), the two
  // low ones of a float32.
  EXPECT_EQ(attnmf::io::stored_planes(chaotic, float32, 3), float32 ? 2 : 6);
  EXPECT_EQ(attnmf::io::stored_planes(periodic, float32, 3), 0);
  const double raw = static_cast<double>(60000 * width);
  // The sign-and-exponent plane (and in float64 the top of the mantissa) deflate; the rest is stored.
  EXPECT_GT(static_cast<double>(spool.chunks()[0].size), 0.6 * raw);
  EXPECT_LT(static_cast<double>(spool.chunks()[0].size), 1.0 * raw);
  EXPECT_LT(static_cast<double>(spool.chunks()[1].size), 0.4 * raw);
  attnmf::io::write_spooled_chunks(file, "samples", chunking, {{spool_path, spool.chunks()}});
  const h5::File f = h5::File::open(file, h5::Access::read_only);
  const h5::Handle d = h5::open_dataset(f, "samples");
  for (long long p = 0; p < 2; ++p) {
    const auto back = h5::read_rows<double>(d, p, 1);
    const std::vector<double>& x = p == 0 ? chaotic : periodic;
    ASSERT_EQ(back.size(), x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double expected = float32 ? static_cast<double>(static_cast<float>(x[i])) : x[i];
      ASSERT_EQ(0, std::memcmp(&back[i], &expected, sizeof(double))) << "point " << p << " value " << i;
    }
  }
}

TEST(SampleChunking, LongRecordsAreCutIntoChunksOfAtMostTheCap) {
  const SampleChunking small{20000, 3, false};
  EXPECT_EQ(small.rows_per_chunk(), 20000);
  EXPECT_EQ(small.chunks_per_point(), 1);
  const SampleChunking long_record{SampleChunking::max_rows_per_chunk * 2 + 1, 3, false};
  EXPECT_EQ(long_record.rows_per_chunk(), SampleChunking::max_rows_per_chunk);
  EXPECT_EQ(long_record.chunks_per_point(), 3);
}

TEST(SampleChunking, AMissingSpoolIsAnError) {
  const fs::path dir = fs::temp_directory_path() / ("attnmf-chunks-missing-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const SampleChunking chunking{4, 1, false};
  {
    h5::File f = h5::File::create(dir / "s.h5", h5::CreateMode::exclusive);
    h5::create_deflated_dataset<double>(f, "samples", {1, 4, 1}, chunking.chunk_dims(), 0.0);
    f.close();
  }
  EXPECT_THROW(attnmf::io::write_spooled_chunks(dir / "s.h5", "samples", chunking, {{dir / "gone", {{0, 0, 0, 10}}}}),
               std::runtime_error);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Precision, SampleChunks, ::testing::Values(false, true),
                         [](const auto& param_info) { return param_info.param ? std::string("float32") : std::string("float64"); });

}  // namespace
