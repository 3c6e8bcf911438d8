#pragma once
// The checked HDF5 layer: every HDF5 C call of attnmf goes through check() or check_id(), which
// turn a failure into h5::Error carrying HDF5's own error stack, and every identifier is owned by
// a Handle. Serial files use the sec2 driver; files opened with a communicator use MPI-IO.

#include <hdf5.h>
#include <mpi.h>

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attnmf::io::h5 {

// A failed HDF5 call. what() names the function, the context (file and object path) and lists
// the HDF5 error stack, outermost call first, as "function: description" lines.
class Error : public std::runtime_error {
 public:
  Error(std::string_view function, std::string_view context, std::string_view error_stack);
};

// Throws Error with the HDF5 error stack as it is now, so call it right after the failed call.
[[noreturn]] void throw_error(const char* function, std::string_view context);

// The checked call: returns `result`, or throws Error when it is negative, which is HDF5's failure
// value for identifiers, herr_t, htri_t and sizes alike.
template <std::signed_integral Result>
Result check(Result result, const char* function, std::string_view context) {
  if (result < 0) throw_error(function, context);
  return result;
}

// Owns one HDF5 identifier and closes it with the H5*close that fits its type.
class Handle {
 public:
  Handle() noexcept = default;
  explicit Handle(hid_t id) noexcept : id_(id) {}
  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  // A destructor must not throw: a failed close is dropped here. Call close() to see it.
  ~Handle();

  hid_t get() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }
  // Gives up ownership: the caller closes the identifier.
  hid_t release() noexcept;
  void close();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// check() for calls that return a new identifier: the result is owned at once.
Handle check_id(hid_t id, const char* function, std::string_view context);

enum class CreateMode { exclusive, truncate };
enum class Access { read_only, read_write };
// Only meaningful for files opened with a communicator; serial files ignore it.
enum class Transfer { independent, collective };

// A file is a Handle to its root group that remembers its path. With a communicator other than
// MPI_COMM_NULL the file uses MPI-IO, and creating, opening, flushing and closing it, as well as
// creating groups, datasets and attributes in it, are collective over that communicator.
class File : public Handle {
 public:
  // `exclusive` fails, leaving the file untouched, when the path exists already.
  static File create(const std::filesystem::path& path, CreateMode mode, MPI_Comm comm = MPI_COMM_NULL);
  static File open(const std::filesystem::path& path, Access access, MPI_Comm comm = MPI_COMM_NULL);

  const std::filesystem::path& path() const noexcept { return path_; }
  void flush();
  // Unlike the destructor, reports a failure. With MPI-IO, every object of the file must be
  // closed first.
  void close();

 private:
  File(Handle file, std::filesystem::path path) noexcept : Handle(std::move(file)), path_(std::move(path)) {}
  std::filesystem::path path_;
};

// "1.10.8": the library the program runs with, which may differ from the headers it was built with.
std::string hdf5_library_version();

// Paths are relative to `location` (a file, a group) or absolute; groups missing on the way to
// a new object are created.
Handle create_group(const Handle& parent, std::string_view path);
Handle open_group(const Handle& parent, std::string_view path);
// False, never an error, when any link on the way is missing or is not a group.
bool exists(const Handle& location, std::string_view path);
// The paths, relative to `group`, of every dataset in it and in the groups below it, in
// alphabetical order ("points/final_window/attention", "points/regime", …).
std::vector<std::string> dataset_paths(const Handle& group);

template <class T, class... Allowed>
concept one_of = (std::same_as<T, Allowed> || ...);
// Element types of datasets, stored little-endian whatever the machine.
template <class T>
concept Element = one_of<T, double, float, std::int8_t, std::uint8_t, std::int32_t, std::int64_t, std::uint64_t>;

// An empty `chunk_dims` gives a contiguous dataset; unwritten elements read as `fill_value`.
template <Element T>
Handle create_dataset(const Handle& location, std::string_view path, const std::vector<hsize_t>& dims,
                      const std::vector<hsize_t>& chunk_dims = {}, T fill_value = T{});
// A chunked dataset whose chunks pass HDF5's shuffle then deflate filters (level 1), which every
// HDF5 reader decodes. In a file opened with MPI-IO, parallel HDF5 writes filtered chunks only
// collectively; attnmf writes its own already filtered chunks with write_filtered_chunk instead.
template <Element T>
Handle create_deflated_dataset(const Handle& location, std::string_view path, const std::vector<hsize_t>& dims,
                               const std::vector<hsize_t>& chunk_dims, T fill_value = T{});
// One chunk of a dataset of create_deflated_dataset, as stored: `bytes` are the shuffled, deflated
// (zlib format) elements of the chunk at element offset `offset`, written past the filters
// (H5Dwrite_chunk). Serial files only: a file opened with MPI-IO keeps its chunk index consistent
// across the ranks only through collective writes.
void write_filtered_chunk(const Handle& dataset, const std::vector<hsize_t>& offset, std::span<const unsigned char> bytes);
Handle open_dataset(const Handle& location, std::string_view path);
std::vector<hsize_t> dims(const Handle& dataset);

// Whole datasets. The data size must be the product of the dimensions (std::invalid_argument).
template <Element T>
void write_all(const Handle& dataset, std::span<const T> data);
template <Element T>
std::vector<T> read_all(const Handle& dataset);

// Rows [first_row, first_row + row_count) along the first dimension, row-major. Rows outside the
// extent throw std::out_of_range; data of another size than row_count × the product of the other
// dimensions throws std::invalid_argument. With Transfer::collective every rank must call, those
// without rows with row_count = 0.
template <Element T>
void write_rows(const Handle& dataset, hsize_t first_row, hsize_t row_count, std::span<const T> data,
                Transfer transfer = Transfer::independent);
template <Element T>
std::vector<T> read_rows(const Handle& dataset, hsize_t first_row, hsize_t row_count,
                         Transfer transfer = Transfer::independent);
// The same along the second dimension, within entry `outer` of the first:
// dataset[outer][first_row, first_row + row_count)[...] (a replica's rows of a [R][T][M] dataset).
template <Element T>
void write_inner_rows(const Handle& dataset, hsize_t outer, hsize_t first_row, hsize_t row_count, std::span<const T> data);

// One-dimensional datasets of fixed-length UTF-8 strings, as long as the longest one and padded
// with NUL bytes. Reading also accepts variable-length strings (h5py's default); a string ends
// at its first NUL.
void write_string_dataset(const Handle& location, std::string_view path, const std::vector<std::string>& values);
std::vector<std::string> read_string_dataset(const Handle& location, std::string_view path);

// Attributes of a file (its root group), group or dataset. Writing replaces an attribute of the
// same name whatever its type. Strings are written as scalar variable-length UTF-8 strings, which
// h5py reads as str; reading also accepts fixed-length strings. Numbers are scalars, vectors
// one-dimensional; reading converts between numeric types as HDF5 does.
void write_attribute(const Handle& location, std::string_view name, std::string_view value);
void write_attribute(const Handle& location, std::string_view name, double value);
void write_attribute(const Handle& location, std::string_view name, std::int64_t value);
// One-dimensional arrays of numbers, of any element type, and of (variable-length, UTF-8) strings.
// The double and int64 forms take a std::vector as it is.
void write_attribute(const Handle& location, std::string_view name, std::span<const double> values);
void write_attribute(const Handle& location, std::string_view name, std::span<const std::int64_t> values);
template <Element T>
void write_attribute(const Handle& location, std::string_view name, std::span<const T> values);
void write_attribute(const Handle& location, std::string_view name, std::span<const std::string> values);
// A one-dimensional array of integers stored in the element type of `dataset` (HDF5 converts them;
// a value the type cannot hold throws std::out_of_range): what CF's flag_values must be.
void write_attribute_typed_as(const Handle& location, std::string_view name, std::span<const std::int64_t> values,
                              const Handle& dataset);
// Any other integer, so that write_attribute(location, name, 3) is not ambiguous; values beyond
// the range of int64_t throw std::out_of_range.
template <std::integral Integer>
  requires(!one_of<Integer, bool, std::int64_t>)
void write_attribute(const Handle& location, std::string_view name, Integer value) {
  if (!std::in_range<std::int64_t>(value))
    throw std::out_of_range("attribute " + std::string(name) + ": integer beyond the range of int64");
  write_attribute(location, name, static_cast<std::int64_t>(value));
}

template <class T>
concept AttributeValue = one_of<T, std::string, double, std::int64_t, std::vector<double>>;
// Scalars must be stored as a single value (std::runtime_error otherwise).
template <AttributeValue T>
T read_attribute(const Handle& location, std::string_view name);
bool has_attribute(const Handle& location, std::string_view name);
// What an attribute holds, to read it with the right read_attribute.
enum class AttributeType { text, integer, real, other };
AttributeType attribute_type(const Handle& location, std::string_view name);
// In alphabetical order.
std::vector<std::string> attribute_names(const Handle& location);

// Dimension scales (HDF5's high-level H5DS interface): a one-dimensional dataset that labels an axis
// of other datasets. netCDF readers (netCDF-C, h5netcdf and so xarray) take the scales attached to
// a dataset as its dimensions, named by the scale dataset's own name; without them they see only
// anonymous "phony" dimensions. In a file opened with a communicator these calls change metadata
// and must be made by every rank with the same arguments.
// Marks `dataset` as a scale whose NAME attribute is `name`.
void make_dimension_scale(const Handle& dataset, std::string_view name);
bool is_dimension_scale(const Handle& dataset);
// Attaches `scale` to axis `axis` of `dataset`; attaching it again changes nothing.
void attach_dimension_scale(const Handle& dataset, const Handle& scale, unsigned axis);
// The paths of the scales attached to axis `axis` of `dataset`, in the order they were attached.
std::vector<std::string> attached_scales(const Handle& dataset, unsigned axis);

}  // namespace attnmf::io::h5
