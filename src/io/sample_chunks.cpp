#include "attnmf/io/sample_chunks.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "attnmf/io/hdf5.hpp"

namespace attnmf::io {

namespace {

// libdeflate rather than zlib: the same zlib-format stream that HDF5's deflate filter reads back,
// made about twice as fast at level 1 (340 against 160 MB/s of shuffled samples on the 2-core
// machines here), which is what keeps the compression inside a sweep's noise.
struct Compressor {
  Compressor() : handle(libdeflate_alloc_compressor(1)) {
    if (!handle) throw std::bad_alloc();
  }
  ~Compressor() { libdeflate_free_compressor(handle); }
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;
  libdeflate_compressor* handle;
};

// Whether a byte plane of the shuffled samples is noise to deflate: the order-0 entropy of its bytes
// is within 0.05 bit of 8. The low mantissa bytes of an aperiodic orbit are: deflate finds neither
// repeats nor a skewed histogram there (it gains nothing on those planes, 2–4 % on the next two),
// while they take most of its time.
bool looks_random(const unsigned char* plane, std::size_t n) {
  if (n < 4096) return false;  // too few bytes to tell; and cheap to compress
  std::array<std::size_t, 256> counts{};
  for (std::size_t i = 0; i < n; ++i) ++counts[plane[i]];
  double entropy = 0.0;
  for (const std::size_t c : counts)
    if (c > 0) {
      const double p = static_cast<double>(c) / static_cast<double>(n);
      entropy -= p * std::log2(p);
    }
  return entropy >= 7.95;
}

// Whether the last value of the record appears earlier in it, bit for bit: an orbit that recurs
// exactly (a fixed point, a periodic orbit), whose planes deflate finds long repeats in even where
// their bytes are evenly spread (a period of thousands of steps).
bool recurs(std::span<const double> values, std::size_t row) {
  if (values.size() < 2 * row || row == 0) return false;
  const double* last = values.data() + values.size() - row;
  for (std::size_t i = 0; i + row < values.size(); i += row)
    if (std::memcmp(values.data() + i, last, row * sizeof(double)) == 0) return true;
  return false;
}

// How many of the leading byte planes of `shuffled` (width planes of count bytes) are noise.
int leading_noise_planes(const std::vector<unsigned char>& shuffled, std::size_t count, std::size_t width,
                         std::span<const double> values, std::size_t row) {
  if (recurs(values, row)) return 0;
  std::size_t planes = 0;
  while (planes < width && looks_random(shuffled.data() + planes * count, count)) ++planes;
  return static_cast<int>(planes);
}

// HDF5's shuffle of the values as a float64 or float32 dataset stores them (IEEE little-endian on any
// host): byte k of every value, for k = 0, 1, …. One plane at a time, so that the writes run in order
// and the loop is a vector shift and narrowing (a value at a time scattered its bytes a plane apart).
template <class Bits>
void shuffle_into(std::span<const double> values, unsigned char* shuffled) {
  const std::size_t count = values.size();
  std::vector<Bits> bits(count);
  for (std::size_t i = 0; i < count; ++i) {
    if constexpr (sizeof(Bits) == 4) bits[i] = std::bit_cast<Bits>(static_cast<float>(values[i]));
    else bits[i] = std::bit_cast<Bits>(values[i]);
  }
  for (std::size_t k = 0; k < sizeof(Bits); ++k) {
    unsigned char* plane = shuffled + k * count;
    for (std::size_t i = 0; i < count; ++i) plane[i] = static_cast<unsigned char>(bits[i] >> (8 * k));
  }
}

std::vector<unsigned char> shuffle(std::span<const double> values, bool float32) {
  std::vector<unsigned char> shuffled(values.size() * (float32 ? 4 : 8));
  if (float32) shuffle_into<std::uint32_t>(values, shuffled.data());
  else shuffle_into<std::uint64_t>(values, shuffled.data());
  return shuffled;
}

std::string describe_errno(const std::filesystem::path& path, const char* what) {
  return "sample spool '" + path.string() + "': " + what + ": " + std::strerror(errno);
}

}  // namespace

std::vector<unsigned char> encode_chunk(std::span<const double> values, bool float32, std::size_t row) {
  const std::size_t count = values.size(), width = float32 ? 4 : 8;
  const std::vector<unsigned char> shuffled = shuffle(values, float32);
  // The leading (low) byte planes that are noise go into the stream as deflate's stored blocks, the
  // rest through the compressor: still one zlib stream (RFC 1950/1951), as HDF5's filter reads it.
  // Stored blocks end on a byte boundary, where the compressor's raw stream begins; it refers only
  // to its own bytes. On a chaotic orbit's samples this takes a third of the time for the same
  // size (5 of 8 planes stored); an orbit that recurs is compressed whole.
  const std::size_t raw = static_cast<std::size_t>(leading_noise_planes(shuffled, count, width, values, row)) * count;
  thread_local Compressor compressor;  // allocating one costs more than compressing a small chunk
  constexpr std::size_t kStoredBlock = 65535, kStoredHeader = 5;
  std::vector<unsigned char> out(2 + raw + (raw / kStoredBlock + 2) * kStoredHeader +
                                 libdeflate_deflate_compress_bound(compressor.handle, shuffled.size() - raw) + 4);
  std::size_t at = 0;
  out[at++] = 0x78;  // deflate with a 32 KB window
  out[at++] = 0x01;  // fastest level; (0x78 · 256 + 0x01) is a multiple of 31
  const bool all_stored = raw == shuffled.size();
  for (std::size_t first = 0; first < raw; first += kStoredBlock) {
    const std::size_t length = std::min(kStoredBlock, raw - first);
    out[at++] = all_stored && first + length == raw ? 0x01 : 0x00;  // BFINAL, BTYPE = stored, padding
    out[at++] = static_cast<unsigned char>(length);
    out[at++] = static_cast<unsigned char>(length >> 8);
    out[at++] = static_cast<unsigned char>(~length);
    out[at++] = static_cast<unsigned char>(~length >> 8);
    std::memcpy(out.data() + at, shuffled.data() + first, length);
    at += length;
  }
  if (raw == 0 && shuffled.empty()) {
    // An empty chunk: one empty final stored block.
    const unsigned char empty[kStoredHeader] = {0x01, 0x00, 0x00, 0xff, 0xff};
    std::memcpy(out.data() + at, empty, kStoredHeader);
    at += kStoredHeader;
  } else if (!all_stored) {
    const std::size_t size = libdeflate_deflate_compress(compressor.handle, shuffled.data() + raw, shuffled.size() - raw,
                                                         out.data() + at, out.size() - at - 4);
    if (size == 0) throw std::runtime_error("encode_chunk: deflate failed");  // the bound makes this unreachable
    at += size;
  }
  const std::uint32_t adler = libdeflate_adler32(1, shuffled.data(), shuffled.size());
  for (int shift = 24; shift >= 0; shift -= 8) out[at++] = static_cast<unsigned char>(adler >> shift);
  out.resize(at);
  return out;
}

int stored_planes(std::span<const double> values, bool float32, std::size_t row) {
  return leading_noise_planes(shuffle(values, float32), values.size(), float32 ? 4 : 8, values, row);
}

std::vector<double> decode_chunk(std::span<const unsigned char> bytes, std::size_t count, bool float32) {
  const std::size_t width = float32 ? 4 : 8;
  std::vector<unsigned char> shuffled(count * width);
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  if (!d) throw std::bad_alloc();
  std::size_t got = 0;
  const libdeflate_result r = libdeflate_zlib_decompress(d, bytes.data(), bytes.size(), shuffled.data(), shuffled.size(), &got);
  libdeflate_free_decompressor(d);
  if (r != LIBDEFLATE_SUCCESS || got != shuffled.size()) throw std::runtime_error("decode_chunk: not a chunk of " + std::to_string(count) + " values");
  std::vector<double> values(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::uint64_t bits = 0;
    for (std::size_t k = 0; k < width; ++k) bits |= static_cast<std::uint64_t>(shuffled[k * count + i]) << (8 * k);
    values[i] = float32 ? static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(bits))) : std::bit_cast<double>(bits);
  }
  return values;
}

SampleSpool::SampleSpool(std::filesystem::path path, SampleChunking chunking)
    : path_(std::move(path)), chunking_(chunking), file_(std::fopen(path_.c_str(), "wb")) {
  if (!file_) throw std::runtime_error(describe_errno(path_, "cannot create"));
}

void SampleSpool::add(long long point, std::span<const double> samples) {
  const auto M = static_cast<std::size_t>(chunking_.features);
  if (samples.size() != static_cast<std::size_t>(chunking_.samples) * M)
    throw std::invalid_argument("sample spool: point " + std::to_string(point) + " has " + std::to_string(samples.size()) +
                                " samples, not " + std::to_string(chunking_.samples * chunking_.features));
  if (!file_) throw std::logic_error("sample spool '" + path_.string() + "' is closed");
  const auto rows = static_cast<std::size_t>(chunking_.rows_per_chunk());
  for (long long piece = 0; piece < chunking_.chunks_per_point(); ++piece) {
    const std::size_t first = static_cast<std::size_t>(piece) * rows * M;
    // The last chunk holds fewer rows: HDF5 pads it to the full chunk, whose tail it never reads.
    std::vector<double> values(rows * M, 0.0);
    const std::size_t n = std::min(values.size(), samples.size() - first);
    std::copy_n(samples.begin() + static_cast<std::ptrdiff_t>(first), n, values.begin());
    const std::vector<unsigned char> stored = encode_chunk(values, chunking_.float32, M);
    if (std::fwrite(stored.data(), 1, stored.size(), file_.get()) != stored.size())
      throw std::runtime_error(describe_errno(path_, "cannot write"));
    chunks_.push_back({point, piece, size_, static_cast<std::int64_t>(stored.size())});
    size_ += static_cast<std::int64_t>(stored.size());
  }
}

void SampleSpool::close() {
  if (!file_) return;
  std::FILE* f = file_.release();
  const bool flushed = std::fflush(f) == 0;
  const bool closed = std::fclose(f) == 0;
  if (!flushed || !closed) throw std::runtime_error(describe_errno(path_, "cannot write"));
}

void write_spooled_chunks(const std::filesystem::path& file, std::string_view dataset, const SampleChunking& chunking,
                          const std::vector<Spool>& spools) {
  h5::File f = h5::File::open(file, h5::Access::read_write);
  {
    const h5::Handle d = h5::open_dataset(f, dataset);
    std::vector<unsigned char> bytes;
    for (const Spool& spool : spools) {
      if (spool.chunks.empty()) continue;
      std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(spool.path.c_str(), "rb"), &std::fclose);
      if (!in) throw std::runtime_error(describe_errno(spool.path, "cannot open"));
      for (const SpooledChunk& c : spool.chunks) {
        bytes.resize(static_cast<std::size_t>(c.size));
        if (std::fseek(in.get(), static_cast<long>(c.offset), SEEK_SET) != 0 ||
            std::fread(bytes.data(), 1, bytes.size(), in.get()) != bytes.size())
          throw std::runtime_error("sample spool '" + spool.path.string() + "': chunk of point " + std::to_string(c.point) +
                                   " beyond its end (" + std::to_string(c.offset + c.size) + " bytes)");
        h5::write_filtered_chunk(
            d, {static_cast<hsize_t>(c.point), static_cast<hsize_t>(c.piece * chunking.rows_per_chunk()), 0}, bytes);
      }
    }
  }
  f.close();
}

}  // namespace attnmf::io
