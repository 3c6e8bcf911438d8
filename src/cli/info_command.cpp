// attnmf info FILE: what a result file holds, read from the file alone.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <numeric>

#include "attnmf/io/hdf5.hpp"
#include "attnmf/io/progress.hpp"
#include "attnmf/io/result_file.hpp"
#include "commands.hpp"

namespace attnmf::cli {
namespace {

namespace h5 = io::h5;

constexpr const char* usage = R"(usage: attnmf info FILE

Prints what a trajectory or sweep file holds: the configuration it was made with, the software
that made it, progress (points done, failed, pending), counts per regime, and where the time went.
)";

void print_configuration(const h5::Handle& file) {
  std::cout << "configuration:\n";
  for (const auto& [key, value] : io::read_configuration(file)) std::cout << "  " << std::left << std::setw(28) << key << value << '\n';
}

void print_provenance(const h5::Handle& file) {
  if (!h5::exists(file, "provenance")) return;
  const h5::Handle p = h5::open_group(file, "provenance");
  std::cout << "provenance:\n";
  for (const std::string& name : h5::attribute_names(p)) {
    std::cout << "  " << std::left << std::setw(28) << name;
    try {
      std::cout << h5::read_attribute<std::string>(p, name) << '\n';
    } catch (const std::exception&) {
      std::cout << h5::read_attribute<double>(p, name) << '\n';
    }
  }
}

void print_sweep(const h5::Handle& file) {
  const auto status = h5::read_all<std::uint8_t>(h5::open_dataset(file, "points/status"));
  const auto regime = h5::read_all<std::int8_t>(h5::open_dataset(file, "points/regime"));
  const auto n = status.size();
  std::array<long long, 3> by_status{};
  std::array<long long, 6> by_regime{};
  for (std::size_t i = 0; i < n; ++i) {
    by_status[std::min<std::size_t>(status[i], 2)]++;
    if (status[i] == 1) by_regime[static_cast<std::size_t>(std::clamp<int>(regime[i], -1, 4) + 1)]++;
  }
  std::cout << "grid: " << h5::dims(h5::open_dataset(file, "grid/beta"))[0] << " beta x "
            << h5::dims(h5::open_dataset(file, "grid/gamma"))[0] << " gamma x "
            << h5::dims(h5::open_dataset(file, "grid/epsilon"))[0] << " epsilon = " << n << " points\n";
  std::cout << "progress: " << by_status[1] << " done, " << by_status[2] << " failed, " << by_status[0] << " pending ("
            << std::fixed << std::setprecision(1) << 100.0 * static_cast<double>(by_status[1] + by_status[2]) / static_cast<double>(std::max<std::size_t>(n, 1))
            << "%)\n" << std::defaultfloat;
  const char* names[6] = {"undetermined", "fixed point", "periodic", "quasi-periodic", "chaotic", "hyperchaotic"};
  std::cout << "regimes of the done points:\n";
  for (int r = 0; r < 6; ++r) std::cout << "  " << std::left << std::setw(16) << names[r] << by_regime[r] << '\n';
  if (by_status[2] > 0 && h5::exists(file, "points/error")) {
    const auto errors = h5::read_string_dataset(file, "points/error");
    std::cout << "failed points (first 10):\n";
    int shown = 0;
    for (std::size_t i = 0; i < n && shown < 10; ++i)
      if (status[i] == 2) {
        std::cout << "  " << i << ": " << (i < errors.size() ? errors[i] : std::string("(no reason recorded)")) << '\n';
        ++shown;
      }
  }
  // Where the time went: compute seconds per point.
  const auto seconds = h5::read_all<double>(h5::open_dataset(file, "provenance/point_seconds"));
  std::vector<std::size_t> timed;
  double total = 0.0;
  for (std::size_t i = 0; i < seconds.size(); ++i)
    if (std::isfinite(seconds[i])) {
      timed.push_back(i);
      total += seconds[i];
    }
  if (!timed.empty()) {
    std::sort(timed.begin(), timed.end(), [&](std::size_t a, std::size_t b) { return seconds[a] > seconds[b]; });
    std::cout << "compute time: " << io::format_duration(total) << " in all (" << total << " s), "
              << total / static_cast<double>(timed.size()) << " s per point; slowest:";
    for (std::size_t i = 0; i < std::min<std::size_t>(3, timed.size()); ++i)
      std::cout << " point " << timed[i] << " (" << seconds[timed[i]] << " s)";
    std::cout << '\n';
  }
}

void print_trajectory(const h5::Handle& file) {
  const auto shape = h5::dims(h5::open_dataset(file, "trajectory/att"));
  const auto first = h5::read_attribute<std::int64_t>(h5::open_group(file, "trajectory"), "first_step");
  std::cout << "trajectory: " << shape[0] << " recorded steps of M = " << shape[1] << " features, steps " << first << " to "
            << first + static_cast<std::int64_t>(shape[0]) - 1 << '\n';
}

}  // namespace

int info_command(int argc, const char* const argv[]) {
  if (argc != 1 || std::strcmp(argv[0], "--help") == 0 || std::strcmp(argv[0], "-h") == 0) {
    (argc == 1 ? std::cout : std::cerr) << usage;
    return argc == 1 ? exit_success : exit_usage;
  }
  try {
    const h5::File file = h5::File::open(argv[0], h5::Access::read_only);
    const std::string kind = h5::has_attribute(file, "kind") ? h5::read_attribute<std::string>(file, "kind") : "unknown";
    std::cout << argv[0] << ": attnmf " << kind << " file, format "
              << (h5::has_attribute(file, "format_version") ? std::to_string(h5::read_attribute<std::int64_t>(file, "format_version")) : "?")
              << ", written by attnmf "
              << (h5::has_attribute(file, "software_version") ? h5::read_attribute<std::string>(file, "software_version") : "?") << '\n';
    if (kind == "sweep") print_sweep(file);
    else if (kind == "trajectory") print_trajectory(file);
    print_configuration(file);
    print_provenance(file);
  } catch (const std::exception& e) {
    std::cerr << "attnmf info: " << e.what() << '\n';
    return exit_failure;
  }
  return exit_success;
}

}  // namespace attnmf::cli
