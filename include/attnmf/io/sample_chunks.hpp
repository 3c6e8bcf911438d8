#pragma once
// /points/samples compressed with HDF5's own shuffle and deflate filters, so that every HDF5 reader
// (h5py, xarray, netCDF, h5dump) decodes it, without what parallel HDF5 asks of filtered datasets.
//
// Parallel HDF5 writes a filtered dataset only collectively: every rank in the same H5Dwrite. The
// ranks of a sweep write their points independently, as each is done, and meet only at the start
// and the end. So each rank compresses the samples of the points it writes itself, in the sweep's
// own time (about 3 ms of CPU per point of Fig. 3's size), and appends the chunks, exactly as the
// filters would have stored them, to a spool file of its own in the journal directory. When the
// parallel file is closed, rank 0 reopens it alone and writes every rank's spooled chunks past the
// filters (H5Dwrite_chunk): plain I/O of the compressed bytes, a few seconds for Fig. 3a.
//
// A spool is not a checkpoint: the journal holds the samples of every finished point, and a resumed
// sweep rebuilds the file, and so the spools, from it. A spool of a run that was killed is simply
// left in the journal directory, which the finished sweep removes.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <hdf5.h>

namespace attnmf::io {

// How the samples of a sweep are cut into chunks: a point's S rows of M values are chunks of
// [1][rows_per_chunk][M] (its last chunk may hold fewer rows), stored as float64 or float32.
struct SampleChunking {
  long long samples = 0;  // S
  int features = 0;       // M
  bool float32 = false;
  // At most 2^18 rows (6 MB at M = 3 in float64): HDF5 chunks must stay under 4 GB, and a reader
  // of a few rows should not inflate hundreds of megabytes.
  static constexpr long long max_rows_per_chunk = 1LL << 18;
  long long rows_per_chunk() const { return samples < max_rows_per_chunk ? samples : max_rows_per_chunk; }
  long long chunks_per_point() const { return samples == 0 ? 0 : (samples + rows_per_chunk() - 1) / rows_per_chunk(); }
  std::vector<hsize_t> chunk_dims() const {
    return {1, static_cast<hsize_t>(rows_per_chunk()), static_cast<hsize_t>(features)};
  }
};

// The bytes HDF5's shuffle then deflate filters store for `values` (rows × M samples) written to a
// float64 or float32 dataset: each value as a little-endian IEEE number (float32 rounded to nearest),
// the k-th bytes of all values together for k = 0, 1, … (shuffle), then zlib's format: deflate at
// level 1, but for the leading byte planes whose bytes look like noise, which are stored blocks (when
// the last row of `row` values does not recur earlier, i.e. the orbit is not exactly periodic).
std::vector<unsigned char> encode_chunk(std::span<const double> values, bool float32, std::size_t row = 1);
// How many byte planes encode_chunk stores rather than deflates (tests).
int stored_planes(std::span<const double> values, bool float32, std::size_t row = 1);
// The inverse (tests, checks): `count` values from the stored bytes of a chunk.
std::vector<double> decode_chunk(std::span<const unsigned char> bytes, std::size_t count, bool float32);

// Where one chunk of a point sits in a spool file.
struct SpooledChunk {
  std::int64_t point = 0;
  std::int64_t piece = 0;  // the chunk's index along the sample axis
  std::int64_t offset = 0;
  std::int64_t size = 0;
};

// One rank's chunks of this run, appended to `path` as points are written.
class SampleSpool {
 public:
  SampleSpool(std::filesystem::path path, SampleChunking chunking);
  // The S·M samples of `point`, oldest first (std::invalid_argument for another size).
  void add(long long point, std::span<const double> samples);
  // Flushes and closes the file (a write error surfaces here at the latest, as std::runtime_error).
  void close();
  const std::vector<SpooledChunk>& chunks() const { return chunks_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  struct Closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  std::filesystem::path path_;
  SampleChunking chunking_;
  std::unique_ptr<std::FILE, Closer> file_;
  std::int64_t size_ = 0;
  std::vector<SpooledChunk> chunks_;
};

// Serially, with no other process holding `file` open: every spool's chunks into `dataset`, a
// dataset of h5::create_deflated_dataset chunked as `chunking` says.
struct Spool {
  std::filesystem::path path;
  std::vector<SpooledChunk> chunks;
};
void write_spooled_chunks(const std::filesystem::path& file, std::string_view dataset, const SampleChunking& chunking,
                          const std::vector<Spool>& spools);

}  // namespace attnmf::io
