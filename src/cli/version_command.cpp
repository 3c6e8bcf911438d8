// attnmf --version: what a bug report or a methods section needs to name this build.
#include <hdf5.h>
#include <mpi.h>

#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "attnmf/dynamics/engine.hpp"
#include "attnmf/version.hpp"
#include "commands.hpp"

namespace attnmf::cli {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// The MPI library's own description, first line only (MPI_Get_library_version may be called before
// MPI_Init, so that --version starts no MPI runtime).
std::string mpi_library() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  if (MPI_Get_library_version(text, &length) != MPI_SUCCESS) return "?";
  std::string line(text, static_cast<std::size_t>(length));
  line = line.substr(0, line.find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\0' || line.back() == '\r')) line.pop_back();
  int major = 0, minor = 0;
  if (MPI_Get_version(&major, &minor) == MPI_SUCCESS)
    line += " (MPI standard " + std::to_string(major) + "." + std::to_string(minor) + ")";
  return line;
}

std::string hdf5_library() {
  unsigned major = 0, minor = 0, release = 0;
  const auto dotted = [](unsigned a, unsigned b, unsigned c) {
    return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c);
  };
  const std::string headers = dotted(H5_VERS_MAJOR, H5_VERS_MINOR, H5_VERS_RELEASE);
  std::string text = H5get_libversion(&major, &minor, &release) >= 0 ? dotted(major, minor, release) : std::string("?");
#ifdef H5_HAVE_PARALLEL
  text += ", parallel";
#else
  text += ", serial";
#endif
  // The library found at run time may be another release than the headers compiled against.
  if (text.rfind(headers + ",", 0) != 0) text += " (built with the headers of " + headers + ")";
  return text;
}

}  // namespace

int version_command() {
  std::cout << "attnmf " << project_version << '\n';
  if (*git_describe != '\0') std::cout << "git describe: " << git_describe << '\n';
  std::cout << "software_version (recorded in result files): " << software_version << ", file format " << file_format_version
            << '\n';
  std::cout << "HDF5: " << hdf5_library() << '\n';
  std::cout << "MPI: " << mpi_library() << '\n';
  std::cout << "simd kernels: " << joined(dynamics::known_instruction_sets()) << "; this CPU runs ";
  try {
    std::cout << joined(dynamics::instruction_sets()) << '\n';
  } catch (const std::invalid_argument& e) {  // a bad ATTNMF_SIMD_LIMIT
    std::cout << "? (" << e.what() << ")\n";
  }
  return exit_success;
}

}  // namespace attnmf::cli
