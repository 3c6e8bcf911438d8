#include "attnmf/io/hdf5.hpp"

// The high-level library, for dimension scales (H5DS); it needs hdf5.h first.
#include <hdf5_hl.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <numeric>

namespace attnmf::io::h5 {
namespace {

// Where a call happened. It is put into words only when the call fails: naming the file and the
// object takes HDF5 calls of their own, which cost time on every success and would clear the
// error stack the message must keep.
struct Site {
  hid_t location = H5I_INVALID_HID;
  std::string_view path;
  std::string_view attribute;
};

template <class NameFunction>
std::string name_of(NameFunction get_name, hid_t id) {
  const ssize_t length = get_name(id, nullptr, 0);
  if (length < 0) return "?";
  std::string name(static_cast<std::size_t>(length), '\0');
  get_name(id, name.data(), name.size() + 1);
  return name;
}

std::string describe(const Site& site) {
  std::string text;
  if (site.location < 0) {
    text = site.path;
  } else {
    text = name_of(H5Fget_name, site.location) + ":";
    if (!site.path.starts_with('/')) {
      const std::string object = name_of(H5Iget_name, site.location);
      text += object;
      if (!site.path.empty() && !object.ends_with('/')) text += '/';
    }
    text += site.path;
  }
  if (!site.attribute.empty()) text += " attribute '" + std::string(site.attribute) + "'";
  return text;
}

// HDF5's error stack, outermost call first, one "function: description" line per entry.
std::string error_stack() {
  std::string text;
  const auto add_entry = [](unsigned, const H5E_error2_t* entry, void* lines) noexcept -> herr_t {
    try {
      auto& out = *static_cast<std::string*>(lines);
      out += "\n  ";
      out += entry->func_name != nullptr ? entry->func_name : "?";
      out += ": ";
      // Some descriptions embed a ctime() date with its newline; one entry stays on one line.
      std::string description = entry->desc != nullptr ? entry->desc : "";
      std::replace(description.begin(), description.end(), '\n', ' ');
      out += description;
      return 0;
    } catch (...) {
      return -1;
    }
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, add_entry, &text);
  return text;
}

[[noreturn]] void fail(const char* function, const Site& site) {
  std::string stack = error_stack();  // first: describe() calls HDF5, which clears the stack
  throw Error(function, describe(site), stack);
}

template <std::signed_integral Result>
Result check(Result result, const char* function, const Site& site) {
  if (result < 0) fail(function, site);
  return result;
}

Handle check_id(hid_t id, const char* function, const Site& site) { return Handle(check(id, function, site)); }

// For the few calls whose failure value is not negative.
template <class Result>
Result check_unless(Result result, Result failure, const char* function, const Site& site) {
  if (result == failure) fail(function, site);
  return result;
}

// The function's name comes from the call itself, so that no message can name the wrong one.
#define ATTNMF_H5_CALL(function, site, ...) check(function(__VA_ARGS__), #function, site)
#define ATTNMF_H5_OPEN(function, site, ...) check_id(function(__VA_ARGS__), #function, site)
#define ATTNMF_H5_CALL_UNLESS(failure, function, site, ...) \
  check_unless(function(__VA_ARGS__), failure, #function, site)

// Lazily rather than at static initialisation: HDF5 must start after MPI_Init, so that it can
// close its files before MPI_Finalize.
void silence_automatic_error_printing() {
  static const bool silenced = [] {
    const Site nowhere;
    ATTNMF_H5_CALL(H5Eset_auto2, nowhere, H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  static_cast<void>(silenced);
}

struct CloseResult {
  herr_t result;
  const char* function;
};

CloseResult close_by_type(hid_t id) noexcept {
  switch (H5Iget_type(id)) {
    case H5I_FILE: return {H5Fclose(id), "H5Fclose"};
    case H5I_GROUP: return {H5Gclose(id), "H5Gclose"};
    case H5I_DATASET: return {H5Dclose(id), "H5Dclose"};
    case H5I_DATASPACE: return {H5Sclose(id), "H5Sclose"};
    case H5I_DATATYPE: return {H5Tclose(id), "H5Tclose"};
    case H5I_ATTR: return {H5Aclose(id), "H5Aclose"};
    case H5I_GENPROP_LST: return {H5Pclose(id), "H5Pclose"};
    case H5I_BADID: return {-1, "H5Iget_type"};
    default: return {H5Idec_ref(id) < 0 ? -1 : 0, "H5Idec_ref"};
  }
}

struct TypePair {
  hid_t memory;
  hid_t stored;
};

// The element types in memory and in the file, which is little-endian so that files are the same
// whichever machine writes them.
template <class T>
TypePair types_of() {
  if constexpr (std::same_as<T, double>) return {H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE};
  else if constexpr (std::same_as<T, float>) return {H5T_NATIVE_FLOAT, H5T_IEEE_F32LE};
  else if constexpr (std::same_as<T, std::int8_t>) return {H5T_NATIVE_INT8, H5T_STD_I8LE};
  else if constexpr (std::same_as<T, std::uint8_t>) return {H5T_NATIVE_UINT8, H5T_STD_U8LE};
  else if constexpr (std::same_as<T, std::int32_t>) return {H5T_NATIVE_INT32, H5T_STD_I32LE};
  else if constexpr (std::same_as<T, std::int64_t>) return {H5T_NATIVE_INT64, H5T_STD_I64LE};
  else return {H5T_NATIVE_UINT64, H5T_STD_U64LE};
}

std::size_t element_count(const std::vector<hsize_t>& extent) {
  return std::accumulate(extent.begin(), extent.end(), std::size_t{1}, std::multiplies<>());
}

Handle link_creation_list(const Site& site) {
  Handle list = ATTNMF_H5_OPEN(H5Pcreate, site, H5P_LINK_CREATE);
  ATTNMF_H5_CALL(H5Pset_create_intermediate_group, site, list.get(), 1U);
  return list;
}

Handle file_access_list(MPI_Comm comm, const Site& site) {
  Handle list = ATTNMF_H5_OPEN(H5Pcreate, site, H5P_FILE_ACCESS);
  if (comm == MPI_COMM_NULL) ATTNMF_H5_CALL(H5Pset_fapl_sec2, site, list.get());
  else ATTNMF_H5_CALL(H5Pset_fapl_mpio, site, list.get(), comm, MPI_INFO_NULL);
  return list;
}

bool uses_mpi(const Handle& object, const Site& site) {
  const Handle file = ATTNMF_H5_OPEN(H5Iget_file_id, site, object.get());
  const Handle access = ATTNMF_H5_OPEN(H5Fget_access_plist, site, file.get());
  return ATTNMF_H5_CALL(H5Pget_driver, site, access.get()) == H5FD_MPIO;
}

Handle transfer_list(const Handle& dataset, Transfer transfer, const Site& site) {
  Handle list = ATTNMF_H5_OPEN(H5Pcreate, site, H5P_DATASET_XFER);
  // Independent transfer is HDF5's default, and serial files know no other.
  if (transfer == Transfer::collective && uses_mpi(dataset, site))
    ATTNMF_H5_CALL(H5Pset_dxpl_mpio, site, list.get(), H5FD_MPIO_COLLECTIVE);
  return list;
}

struct Rows {
  Handle file_space;
  Handle memory_space;
  std::size_t elements;
};

Rows select_rows(const Handle& dataset, hsize_t first_row, hsize_t row_count, const Site& site) {
  std::vector<hsize_t> count = dims(dataset);
  if (count.empty()) throw std::invalid_argument(describe(site) + ": a scalar dataset has no rows");
  if (first_row > count[0] || row_count > count[0] - first_row)
    throw std::out_of_range(describe(site) + ": rows [" + std::to_string(first_row) + ", " +
                            std::to_string(first_row + row_count) + ") beyond its " + std::to_string(count[0]) +
                            " rows");
  std::vector<hsize_t> start(count.size(), 0);
  start[0] = first_row;
  count[0] = row_count;
  const int rank = static_cast<int>(count.size());
  Rows rows{ATTNMF_H5_OPEN(H5Dget_space, site, dataset.get()),
            ATTNMF_H5_OPEN(H5Screate_simple, site, rank, count.data(), nullptr), element_count(count)};
  if (row_count == 0) {
    // A rank without rows still takes part in a collective transfer, with nothing selected.
    ATTNMF_H5_CALL(H5Sselect_none, site, rows.file_space.get());
    ATTNMF_H5_CALL(H5Sselect_none, site, rows.memory_space.get());
  } else {
    ATTNMF_H5_CALL(H5Sselect_hyperslab, site, rows.file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                   count.data(), nullptr);
  }
  return rows;
}

void check_size(std::size_t size, std::size_t expected, const Site& site) {
  if (size != expected)
    throw std::invalid_argument(describe(site) + ": " + std::to_string(size) + " values given where " +
                                std::to_string(expected) + " are needed");
}

// A fixed-length string type of `length` bytes, or a variable-length one for length 0.
Handle string_type(std::size_t length, const Site& site) {
  Handle type = ATTNMF_H5_OPEN(H5Tcopy, site, H5T_C_S1);
  ATTNMF_H5_CALL(H5Tset_size, site, type.get(), length == 0 ? H5T_VARIABLE : length);
  ATTNMF_H5_CALL(H5Tset_cset, site, type.get(), H5T_CSET_UTF8);
  ATTNMF_H5_CALL(H5Tset_strpad, site, type.get(), length == 0 ? H5T_STR_NULLTERM : H5T_STR_NULLPAD);
  return type;
}

struct FreeLibraryMemory {
  void operator()(char* memory) const noexcept { H5free_memory(memory); }
};

// Reads `count` strings stored with `type` through read(memory_type, buffer). The memory type is
// the stored one, because HDF5 does not convert between character sets.
template <class Read>
std::vector<std::string> read_strings(const Handle& type, std::size_t count, const Site& site, Read read) {
  if (ATTNMF_H5_CALL_UNLESS(H5T_NO_CLASS, H5Tget_class, site, type.get()) != H5T_STRING)
    throw std::runtime_error(describe(site) + ": holds no strings");
  std::vector<std::string> values;
  values.reserve(count);
  if (count == 0) return values;
  if (ATTNMF_H5_CALL(H5Tis_variable_str, site, type.get()) > 0) {
    std::vector<char*> pointers(count, nullptr);
    std::vector<std::unique_ptr<char, FreeLibraryMemory>> owners(count);  // allocated before the read
    read(type.get(), pointers.data());
    for (std::size_t i = 0; i < count; ++i) owners[i].reset(pointers[i]);
    for (const auto& value : owners) values.emplace_back(value ? value.get() : "");
  } else {
    const std::size_t length = ATTNMF_H5_CALL_UNLESS(std::size_t{0}, H5Tget_size, site, type.get());
    std::vector<char> buffer(count * length);
    read(type.get(), buffer.data());
    for (auto value = buffer.begin(); value != buffer.end(); value += static_cast<std::ptrdiff_t>(length))
      values.emplace_back(value, std::find(value, value + static_cast<std::ptrdiff_t>(length), '\0'));
  }
  return values;
}

void write_attribute_data(const Handle& location, std::string_view name, hid_t stored_type, hid_t memory_type,
                          const Handle& space, const void* data, bool empty = false) {
  const std::string attribute(name);
  Site site;
  site.location = location.get();
  site.attribute = attribute;
  if (ATTNMF_H5_CALL(H5Aexists, site, location.get(), attribute.c_str()) > 0)
    ATTNMF_H5_CALL(H5Adelete, site, location.get(), attribute.c_str());
  const Handle created = ATTNMF_H5_OPEN(H5Acreate2, site, location.get(), attribute.c_str(), stored_type,
                                        space.get(), H5P_DEFAULT, H5P_DEFAULT);
  if (!empty) ATTNMF_H5_CALL(H5Awrite, site, created.get(), memory_type, data);
}

Handle scalar_space() {
  const Site nowhere;
  return ATTNMF_H5_OPEN(H5Screate, nowhere, H5S_SCALAR);
}

}  // namespace

Error::Error(std::string_view function, std::string_view context, std::string_view error_stack)
    : std::runtime_error(std::string(function) + " failed" + (context.empty() ? "" : " for " + std::string(context)) +
                         (error_stack.empty() ? "; HDF5 left no error stack"
                                              : "; HDF5 error stack:" + std::string(error_stack))) {}

void throw_error(const char* function, std::string_view context) { throw Error(function, context, error_stack()); }

Handle check_id(hid_t id, const char* function, std::string_view context) {
  return Handle(check(id, function, context));
}

Handle::Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    if (valid()) close_by_type(id_);
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
  }
  return *this;
}

Handle::~Handle() {
  if (valid()) close_by_type(id_);
}

hid_t Handle::release() noexcept { return std::exchange(id_, H5I_INVALID_HID); }

void Handle::close() {
  if (!valid()) return;
  const hid_t id = release();  // a failed close must not be retried by the destructor
  if (const CloseResult closed = close_by_type(id); closed.result < 0) {
    Site site;
    site.location = id;
    fail(closed.function, site);
  }
}

File File::create(const std::filesystem::path& path, CreateMode mode, MPI_Comm comm) {
  silence_automatic_error_printing();
  Site site;
  site.path = path.native();
  const Handle access = file_access_list(comm, site);
  const unsigned flags = mode == CreateMode::exclusive ? H5F_ACC_EXCL : H5F_ACC_TRUNC;
  return File(ATTNMF_H5_OPEN(H5Fcreate, site, path.c_str(), flags, H5P_DEFAULT, access.get()), path);
}

File File::open(const std::filesystem::path& path, Access access, MPI_Comm comm) {
  silence_automatic_error_printing();
  Site site;
  site.path = path.native();
  const Handle access_list = file_access_list(comm, site);
  const unsigned flags = access == Access::read_only ? H5F_ACC_RDONLY : H5F_ACC_RDWR;
  return File(ATTNMF_H5_OPEN(H5Fopen, site, path.c_str(), flags, access_list.get()), path);
}

void File::flush() {
  Site site;
  site.path = path_.native();
  ATTNMF_H5_CALL(H5Fflush, site, get(), H5F_SCOPE_LOCAL);
}

void File::close() {
  if (!valid()) return;
  Site site;
  site.path = path_.native();
  ATTNMF_H5_CALL(H5Fclose, site, release());
}

std::string hdf5_library_version() {
  silence_automatic_error_printing();
  unsigned major = 0;
  unsigned minor = 0;
  unsigned release = 0;
  const Site nowhere;
  ATTNMF_H5_CALL(H5get_libversion, nowhere, &major, &minor, &release);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

Handle create_group(const Handle& parent, std::string_view path) {
  const std::string name(path);
  const Site site{parent.get(), name, {}};
  const Handle links = link_creation_list(site);
  return ATTNMF_H5_OPEN(H5Gcreate2, site, parent.get(), name.c_str(), links.get(), H5P_DEFAULT, H5P_DEFAULT);
}

Handle open_group(const Handle& parent, std::string_view path) {
  const std::string name(path);
  const Site site{parent.get(), name, {}};
  return ATTNMF_H5_OPEN(H5Gopen2, site, parent.get(), name.c_str(), H5P_DEFAULT);
}

bool exists(const Handle& location, std::string_view path) {
  const Site site{location.get(), path, {}};
  Handle opened;  // the group reached so far, when it is not `location`
  hid_t group = location.get();
  if (path.starts_with('/')) {
    opened = ATTNMF_H5_OPEN(H5Oopen, site, group, "/", H5P_DEFAULT);
    group = opened.get();
  }
  // H5Lexists on "a/b" fails rather than answering when "a" is missing, so walk link by link.
  std::size_t begin = 0;
  while (begin < path.size()) {
    const std::size_t end = std::min(path.find('/', begin), path.size());
    const std::string name(path.substr(begin, end - begin));
    begin = end + 1;
    if (name.empty()) continue;
    // A soft link may dangle, and a link on the way may lead to a dataset rather than a group.
    if (ATTNMF_H5_CALL(H5Lexists, site, group, name.c_str(), H5P_DEFAULT) == 0) return false;
    if (ATTNMF_H5_CALL(H5Oexists_by_name, site, group, name.c_str(), H5P_DEFAULT) == 0) return false;
    if (path.find_first_not_of('/', begin) == std::string_view::npos) return true;
    Handle next = ATTNMF_H5_OPEN(H5Oopen, site, group, name.c_str(), H5P_DEFAULT);
    if (ATTNMF_H5_CALL_UNLESS(H5I_BADID, H5Iget_type, site, next.get()) != H5I_GROUP) return false;
    opened = std::move(next);
    group = opened.get();
  }
  return true;
}

std::vector<std::string> dataset_paths(const Handle& group) {
  const Site site{group.get(), {}, {}};
  struct Visit {
    hid_t group;
    std::vector<std::string> paths;
  } visit{group.get(), {}};
  const auto add_dataset = [](hid_t, const char* name, const H5L_info_t* info, void* data) noexcept -> herr_t {
    try {
      auto& v = *static_cast<Visit*>(data);
      if (info->type != H5L_TYPE_HARD) return 0;  // a soft or external link is no dataset of the group
      const hid_t object = H5Oopen(v.group, name, H5P_DEFAULT);
      if (object < 0) return -1;
      const bool dataset = H5Iget_type(object) == H5I_DATASET;
      H5Oclose(object);
      if (dataset) v.paths.emplace_back(name);
      return 0;
    } catch (...) {
      return -1;
    }
  };
  ATTNMF_H5_CALL(H5Lvisit, site, group.get(), H5_INDEX_NAME, H5_ITER_INC, add_dataset, &visit);
  std::sort(visit.paths.begin(), visit.paths.end());
  return visit.paths;
}
namespace {

template <Element T>
Handle create_dataset_with(const Handle& location, std::string_view path, const std::vector<hsize_t>& dims,
                           const std::vector<hsize_t>& chunk_dims, T fill_value, bool deflated) {
  const std::string name(path);
  const Site site{location.get(), name, {}};
  if (dims.empty()) throw std::invalid_argument(describe(site) + ": a dataset needs at least one dimension");
  if (!chunk_dims.empty() && chunk_dims.size() != dims.size())
    throw std::invalid_argument(describe(site) + ": chunk rank differs from the dataset rank");
  const int rank = static_cast<int>(dims.size());
  const Handle space = ATTNMF_H5_OPEN(H5Screate_simple, site, rank, dims.data(), nullptr);
  const Handle creation = ATTNMF_H5_OPEN(H5Pcreate, site, H5P_DATASET_CREATE);
  if (!chunk_dims.empty()) ATTNMF_H5_CALL(H5Pset_chunk, site, creation.get(), rank, chunk_dims.data());
  if (deflated) {
    if (chunk_dims.empty()) throw std::invalid_argument(describe(site) + ": a filtered dataset needs chunks");
    // Applied in this order on writing: the bytes of each element spread over the chunk (shuffle),
    // then deflate. Chunks that are never written read as the fill value.
    ATTNMF_H5_CALL(H5Pset_shuffle, site, creation.get());
    ATTNMF_H5_CALL(H5Pset_deflate, site, creation.get(), 1U);
  }
  ATTNMF_H5_CALL(H5Pset_fill_value, site, creation.get(), types_of<T>().memory, &fill_value);
  const Handle links = link_creation_list(site);
  return ATTNMF_H5_OPEN(H5Dcreate2, site, location.get(), name.c_str(), types_of<T>().stored, space.get(),
                        links.get(), creation.get(), H5P_DEFAULT);
}

}  // namespace

template <Element T>
Handle create_dataset(const Handle& location, std::string_view path, const std::vector<hsize_t>& dims,
                      const std::vector<hsize_t>& chunk_dims, T fill_value) {
  return create_dataset_with<T>(location, path, dims, chunk_dims, fill_value, false);
}

template <Element T>
Handle create_deflated_dataset(const Handle& location, std::string_view path, const std::vector<hsize_t>& dims,
                               const std::vector<hsize_t>& chunk_dims, T fill_value) {
  return create_dataset_with<T>(location, path, dims, chunk_dims, fill_value, true);
}

void write_filtered_chunk(const Handle& dataset, const std::vector<hsize_t>& offset, std::span<const unsigned char> bytes) {
  const Site site{dataset.get(), {}, {}};
  if (offset.size() != dims(dataset).size()) throw std::invalid_argument(describe(site) + ": chunk offset of another rank");
  // Filter mask 0: every filter of the dataset's pipeline was applied to these bytes.
  ATTNMF_H5_CALL(H5Dwrite_chunk, site, dataset.get(), H5P_DEFAULT, 0U, offset.data(), bytes.size(), bytes.data());
}

Handle open_dataset(const Handle& location, std::string_view path) {
  const std::string name(path);
  const Site site{location.get(), name, {}};
  return ATTNMF_H5_OPEN(H5Dopen2, site, location.get(), name.c_str(), H5P_DEFAULT);
}

std::vector<hsize_t> dims(const Handle& dataset) {
  const Site site{dataset.get(), {}, {}};
  const Handle space = ATTNMF_H5_OPEN(H5Dget_space, site, dataset.get());
  std::vector<hsize_t> extent(static_cast<std::size_t>(ATTNMF_H5_CALL(H5Sget_simple_extent_ndims, site, space.get())));
  ATTNMF_H5_CALL(H5Sget_simple_extent_dims, site, space.get(), extent.data(), nullptr);
  return extent;
}

template <Element T>
void write_all(const Handle& dataset, std::span<const T> data) {
  const Site site{dataset.get(), {}, {}};
  check_size(data.size(), element_count(dims(dataset)), site);
  if (data.empty()) return;  // HDF5 refuses the null pointer an empty span may hold
  ATTNMF_H5_CALL(H5Dwrite, site, dataset.get(), types_of<T>().memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
}

template <Element T>
std::vector<T> read_all(const Handle& dataset) {
  const Site site{dataset.get(), {}, {}};
  std::vector<T> data(element_count(dims(dataset)));
  if (data.empty()) return data;
  ATTNMF_H5_CALL(H5Dread, site, dataset.get(), types_of<T>().memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
  return data;
}

template <Element T>
void write_rows(const Handle& dataset, hsize_t first_row, hsize_t row_count, std::span<const T> data,
                Transfer transfer) {
  const Site site{dataset.get(), {}, {}};
  const Rows rows = select_rows(dataset, first_row, row_count, site);
  check_size(data.size(), rows.elements, site);
  const Handle list = transfer_list(dataset, transfer, site);
  ATTNMF_H5_CALL(H5Dwrite, site, dataset.get(), types_of<T>().memory, rows.memory_space.get(),
                 rows.file_space.get(), list.get(), data.data());
}

template <Element T>
void write_inner_rows(const Handle& dataset, hsize_t outer, hsize_t first_row, hsize_t row_count, std::span<const T> data) {
  const Site site{dataset.get(), {}, {}};
  std::vector<hsize_t> count = dims(dataset);
  if (count.size() < 2) throw std::invalid_argument(describe(site) + ": inner rows need at least two dimensions");
  if (outer >= count[0] || first_row > count[1] || row_count > count[1] - first_row)
    throw std::out_of_range(describe(site) + ": entry " + std::to_string(outer) + ", rows [" + std::to_string(first_row) +
                            ", " + std::to_string(first_row + row_count) + ") beyond its " + std::to_string(count[0]) +
                            " x " + std::to_string(count[1]));
  std::vector<hsize_t> start(count.size(), 0);
  start[0] = outer;
  start[1] = first_row;
  count[0] = 1;
  count[1] = row_count;
  check_size(data.size(), element_count(count), site);
  if (row_count == 0) return;
  const Handle file_space = ATTNMF_H5_OPEN(H5Dget_space, site, dataset.get());
  const Handle memory_space = ATTNMF_H5_OPEN(H5Screate_simple, site, static_cast<int>(count.size()), count.data(), nullptr);
  ATTNMF_H5_CALL(H5Sselect_hyperslab, site, file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
  ATTNMF_H5_CALL(H5Dwrite, site, dataset.get(), types_of<T>().memory, memory_space.get(), file_space.get(), H5P_DEFAULT,
                 data.data());
}

template <Element T>
std::vector<T> read_rows(const Handle& dataset, hsize_t first_row, hsize_t row_count, Transfer transfer) {
  const Site site{dataset.get(), {}, {}};
  const Rows rows = select_rows(dataset, first_row, row_count, site);
  std::vector<T> data(rows.elements);
  const Handle list = transfer_list(dataset, transfer, site);
  ATTNMF_H5_CALL(H5Dread, site, dataset.get(), types_of<T>().memory, rows.memory_space.get(),
                 rows.file_space.get(), list.get(), data.data());
  return data;
}

#define ATTNMF_H5_INSTANTIATE(T)                                                                              \
  template Handle create_dataset<T>(const Handle&, std::string_view, const std::vector<hsize_t>&,            \
                                    const std::vector<hsize_t>&, T);                                         \
  template Handle create_deflated_dataset<T>(const Handle&, std::string_view, const std::vector<hsize_t>&,   \
                                             const std::vector<hsize_t>&, T);                                \
  template void write_all<T>(const Handle&, std::span<const T>);                                             \
  template std::vector<T> read_all<T>(const Handle&);                                                        \
  template void write_rows<T>(const Handle&, hsize_t, hsize_t, std::span<const T>, Transfer);                \
  template std::vector<T> read_rows<T>(const Handle&, hsize_t, hsize_t, Transfer);                          \
  template void write_inner_rows<T>(const Handle&, hsize_t, hsize_t, hsize_t, std::span<const T>);
ATTNMF_H5_INSTANTIATE(double)
ATTNMF_H5_INSTANTIATE(float)
ATTNMF_H5_INSTANTIATE(std::int8_t)
ATTNMF_H5_INSTANTIATE(std::uint8_t)
ATTNMF_H5_INSTANTIATE(std::int32_t)
ATTNMF_H5_INSTANTIATE(std::int64_t)
ATTNMF_H5_INSTANTIATE(std::uint64_t)
#undef ATTNMF_H5_INSTANTIATE

void write_string_dataset(const Handle& location, std::string_view path, const std::vector<std::string>& values) {
  const std::string name(path);
  const Site site{location.get(), name, {}};
  std::size_t length = 1;  // HDF5 has no strings of length 0
  for (const std::string& value : values) length = std::max(length, value.size());
  const Handle type = string_type(length, site);
  const hsize_t count = values.size();
  const Handle space = ATTNMF_H5_OPEN(H5Screate_simple, site, 1, &count, nullptr);
  const Handle links = link_creation_list(site);
  const Handle dataset = ATTNMF_H5_OPEN(H5Dcreate2, site, location.get(), name.c_str(), type.get(), space.get(),
                                        links.get(), H5P_DEFAULT, H5P_DEFAULT);
  if (values.empty()) return;
  std::vector<char> buffer(values.size() * length, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) std::copy(values[i].begin(), values[i].end(), &buffer[i * length]);
  ATTNMF_H5_CALL(H5Dwrite, site, dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data());
}

std::vector<std::string> read_string_dataset(const Handle& location, std::string_view path) {
  const std::string name(path);
  const Site site{location.get(), name, {}};
  const Handle dataset = ATTNMF_H5_OPEN(H5Dopen2, site, location.get(), name.c_str(), H5P_DEFAULT);
  const Handle type = ATTNMF_H5_OPEN(H5Dget_type, site, dataset.get());
  return read_strings(type, element_count(dims(dataset)), site, [&](hid_t memory_type, void* buffer) {
    ATTNMF_H5_CALL(H5Dread, site, dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
  });
}

void write_attribute(const Handle& location, std::string_view name, std::string_view value) {
  const Site site{location.get(), {}, name};
  const Handle type = string_type(0, site);
  const std::string text(value);
  const char* pointer = text.c_str();
  write_attribute_data(location, name, type.get(), type.get(), scalar_space(), &pointer);
}

void write_attribute(const Handle& location, std::string_view name, double value) {
  write_attribute_data(location, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, scalar_space(), &value);
}

void write_attribute(const Handle& location, std::string_view name, std::int64_t value) {
  write_attribute_data(location, name, H5T_STD_I64LE, H5T_NATIVE_INT64, scalar_space(), &value);
}

template <Element T>
void write_attribute(const Handle& location, std::string_view name, std::span<const T> values) {
  const Site site{location.get(), {}, name};
  const hsize_t count = values.size();
  const Handle space = ATTNMF_H5_OPEN(H5Screate_simple, site, 1, &count, nullptr);
  write_attribute_data(location, name, types_of<T>().stored, types_of<T>().memory, space, values.data(), values.empty());
}

void write_attribute(const Handle& location, std::string_view name, std::span<const double> values) {
  write_attribute<double>(location, name, values);
}

void write_attribute(const Handle& location, std::string_view name, std::span<const std::int64_t> values) {
  write_attribute<std::int64_t>(location, name, values);
}

#define ATTNMF_H5_INSTANTIATE(T) template void write_attribute<T>(const Handle&, std::string_view, std::span<const T>);
ATTNMF_H5_INSTANTIATE(double)
ATTNMF_H5_INSTANTIATE(float)
ATTNMF_H5_INSTANTIATE(std::int8_t)
ATTNMF_H5_INSTANTIATE(std::uint8_t)
ATTNMF_H5_INSTANTIATE(std::int32_t)
ATTNMF_H5_INSTANTIATE(std::int64_t)
ATTNMF_H5_INSTANTIATE(std::uint64_t)
#undef ATTNMF_H5_INSTANTIATE

void write_attribute_typed_as(const Handle& location, std::string_view name, std::span<const std::int64_t> values,
                              const Handle& dataset) {
  const Site site{location.get(), {}, name};
  const Handle type = ATTNMF_H5_OPEN(H5Dget_type, site, dataset.get());
  if (ATTNMF_H5_CALL_UNLESS(H5T_NO_CLASS, H5Tget_class, site, type.get()) != H5T_INTEGER)
    throw std::invalid_argument(describe(site) + ": integers stored in the type of a dataset of no integer type");
  // HDF5 would clip a value the type cannot hold without a word; say so instead.
  const std::size_t bits = 8 * ATTNMF_H5_CALL_UNLESS(std::size_t{0}, H5Tget_size, site, type.get());
  const bool is_signed = ATTNMF_H5_CALL_UNLESS(H5T_SGN_ERROR, H5Tget_sign, site, type.get()) == H5T_SGN_2;
  for (const std::int64_t value : values) {
    const bool fits = bits >= 64 ? (is_signed || value >= 0)
                                 : is_signed ? value >= -(std::int64_t{1} << (bits - 1)) && value < (std::int64_t{1} << (bits - 1))
                                             : value >= 0 && value < (std::int64_t{1} << bits);
    if (!fits)
      throw std::out_of_range(describe(site) + ": " + std::to_string(value) + " does not fit the dataset's " +
                              std::to_string(bits) + "-bit " + (is_signed ? "signed" : "unsigned") + " integers");
  }
  const hsize_t count = values.size();
  const Handle space = ATTNMF_H5_OPEN(H5Screate_simple, site, 1, &count, nullptr);
  write_attribute_data(location, name, type.get(), H5T_NATIVE_INT64, space, values.data(), values.empty());
}

void write_attribute(const Handle& location, std::string_view name, std::span<const std::string> values) {
  const Site site{location.get(), {}, name};
  const Handle type = string_type(0, site);
  const hsize_t count = values.size();
  const Handle space = ATTNMF_H5_OPEN(H5Screate_simple, site, 1, &count, nullptr);
  std::vector<const char*> pointers;
  for (const std::string& value : values) pointers.push_back(value.c_str());
  write_attribute_data(location, name, type.get(), type.get(), space, pointers.data(), values.empty());
}

template <AttributeValue T>
T read_attribute(const Handle& location, std::string_view name) {
  const std::string attribute(name);
  const Site site{location.get(), {}, attribute};
  const Handle opened = ATTNMF_H5_OPEN(H5Aopen, site, location.get(), attribute.c_str(), H5P_DEFAULT);
  const Handle space = ATTNMF_H5_OPEN(H5Aget_space, site, opened.get());
  const auto count = static_cast<std::size_t>(ATTNMF_H5_CALL(H5Sget_simple_extent_npoints, site, space.get()));
  const auto read = [&](hid_t memory_type, void* buffer) {
    ATTNMF_H5_CALL(H5Aread, site, opened.get(), memory_type, buffer);
  };
  if constexpr (std::same_as<T, std::vector<double>>) {
    std::vector<double> values(count);
    if (count > 0) read(H5T_NATIVE_DOUBLE, values.data());
    return values;
  } else {
    if (count != 1)
      throw std::runtime_error(describe(site) + ": holds " + std::to_string(count) + " values, not one");
    if constexpr (std::same_as<T, std::string>) {
      return read_strings(ATTNMF_H5_OPEN(H5Aget_type, site, opened.get()), 1, site, read).front();
    } else {
      T value{};
      read(types_of<T>().memory, &value);
      return value;
    }
  }
}

template std::string read_attribute<std::string>(const Handle&, std::string_view);
template double read_attribute<double>(const Handle&, std::string_view);
template std::int64_t read_attribute<std::int64_t>(const Handle&, std::string_view);
template std::vector<double> read_attribute<std::vector<double>>(const Handle&, std::string_view);

bool has_attribute(const Handle& location, std::string_view name) {
  const std::string attribute(name);
  const Site site{location.get(), {}, attribute};
  return ATTNMF_H5_CALL(H5Aexists, site, location.get(), attribute.c_str()) > 0;
}

AttributeType attribute_type(const Handle& location, std::string_view name) {
  const std::string attribute(name);
  const Site site{location.get(), {}, attribute};
  const Handle opened = ATTNMF_H5_OPEN(H5Aopen, site, location.get(), attribute.c_str(), H5P_DEFAULT);
  const Handle type = ATTNMF_H5_OPEN(H5Aget_type, site, opened.get());
  switch (ATTNMF_H5_CALL_UNLESS(H5T_NO_CLASS, H5Tget_class, site, type.get())) {
    case H5T_STRING: return AttributeType::text;
    case H5T_INTEGER: return AttributeType::integer;
    case H5T_FLOAT: return AttributeType::real;
    default: return AttributeType::other;
  }
}

std::vector<std::string> attribute_names(const Handle& location) {
  const Site site{location.get(), {}, {}};
  std::vector<std::string> names;
  const auto add_name = [](hid_t, const char* name, const H5A_info_t*, void* list) noexcept -> herr_t {
    try {
      static_cast<std::vector<std::string>*>(list)->emplace_back(name);
      return 0;
    } catch (...) {
      return -1;
    }
  };
  ATTNMF_H5_CALL(H5Aiterate2, site, location.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, add_name, &names);
  return names;
}

void make_dimension_scale(const Handle& dataset, std::string_view name) {
  const std::string text(name);
  const Site site{dataset.get(), {}, {}};
  ATTNMF_H5_CALL(H5DSset_scale, site, dataset.get(), text.c_str());
}

bool is_dimension_scale(const Handle& dataset) {
  const Site site{dataset.get(), {}, {}};
  return ATTNMF_H5_CALL(H5DSis_scale, site, dataset.get()) > 0;
}

void attach_dimension_scale(const Handle& dataset, const Handle& scale, unsigned axis) {
  const Site site{dataset.get(), {}, {}};
  // H5DSattach_scale checks the axis itself, but says only that it failed.
  if (axis >= dims(dataset).size())
    throw std::out_of_range(describe(site) + ": no axis " + std::to_string(axis) + " to attach a dimension scale to");
  ATTNMF_H5_CALL(H5DSattach_scale, site, dataset.get(), scale.get(), axis);
}

std::vector<std::string> attached_scales(const Handle& dataset, unsigned axis) {
  const Site site{dataset.get(), {}, {}};
  std::vector<std::string> paths;
  if (axis >= dims(dataset).size()) return paths;
  if (ATTNMF_H5_CALL(H5DSget_num_scales, site, dataset.get(), axis) <= 0) return paths;
  const auto add_path = [](hid_t, unsigned, hid_t scale, void* list) noexcept -> herr_t {
    try {
      static_cast<std::vector<std::string>*>(list)->push_back(name_of(H5Iget_name, scale));
      return 0;
    } catch (...) {
      return -1;
    }
  };
  ATTNMF_H5_CALL(H5DSiterate_scales, site, dataset.get(), axis, nullptr, add_path, &paths);
  return paths;
}

#undef ATTNMF_H5_CALL
#undef ATTNMF_H5_OPEN
#undef ATTNMF_H5_CALL_UNLESS

}  // namespace attnmf::io::h5
