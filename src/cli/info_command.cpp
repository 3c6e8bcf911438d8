// attnmf info FILE: what a result file holds, read from the file alone (and, for a sweep that is
// running or was interrupted, from its journal).
#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "attnmf/analysis/regime.hpp"
#include "attnmf/config/config.hpp"
#include "attnmf/io/hdf5.hpp"
#include "attnmf/io/journal.hpp"
#include "attnmf/io/progress.hpp"
#include "attnmf/io/result_file.hpp"
#include "attnmf/model/network.hpp"
#include "attnmf/version.hpp"
#include "commands.hpp"

namespace attnmf::cli {
namespace {

namespace fs = std::filesystem;
namespace h5 = io::h5;

constexpr const char* usage = R"(usage: attnmf info FILE

Prints what a trajectory or sweep file holds: the configuration it was made with, the software
that made it, progress (points done, failed, pending), counts per regime, and where the time went.
For a sweep that is running or was interrupted it says how far it got and how to continue it
(--resume); when its HDF5 file cannot be read, the journal beside it (FILE.journal/) is read instead.

Numbers the file holds (/provenance) are printed with all their digits; durations worked out from
them (compute time in all, per point) with two decimals.

Exit codes: 0 reported, 2 the file cannot be reported on (missing, not HDF5, damaged, not written by
attnmf); the reason is printed as one line.

--color WHEN is accepted as by every command (info writes no log lines to colour).
)";

// Why a file cannot be reported on: one line, naming the file.
class Unreportable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A number the file holds, as the file holds it: the shortest text that reads back as the same
// double (114.67, 123456.75, 4, 1e-07), never a stream's default six significant digits.
std::string number(double x) { return fmt::format("{}", x); }

// A duration worked out from the file (a sum, a mean): two decimals, three significant digits below
// a tenth of a second.
std::string seconds(double s) {
  char text[64];
  std::snprintf(text, sizeof text, std::isfinite(s) && s != 0.0 && std::abs(s) < 0.1 ? "%.3g" : "%.2f", s);
  return std::string(text) + " s";
}

std::string padded(std::string text, std::size_t width) {
  if (text.size() < width) text.resize(width, ' ');
  return text;
}

// The first line of an exception's message, without the HDF5 error stack that h5::Error appends;
// the innermost entry of that stack, which says what HDF5 found, is kept in brackets.
std::string one_line(const std::exception& e) {
  const std::string what = e.what();
  std::string head = what.substr(0, what.find('\n'));
  constexpr std::string_view stack_marker = "; HDF5 error stack:";
  if (const auto at = head.find(stack_marker); at != std::string::npos) head.erase(at);
  if (const auto last = what.rfind("\n  "); last != std::string::npos) {
    std::string innermost = what.substr(last + 3);
    if (const auto colon = innermost.find(": "); colon != std::string::npos) innermost.erase(0, colon + 2);
    if (!innermost.empty()) head += " (HDF5: " + innermost + ")";
  }
  return head;
}

// HDF5 looks for its signature at byte 0 and at 512, 1024, 2048, … (after a user block).
bool has_hdf5_signature(const fs::path& path) {
  static constexpr char signature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  std::ifstream in(path, std::ios::binary);
  std::error_code error;
  const auto size = fs::file_size(path, error);
  if (!in || error) return false;
  for (std::uintmax_t offset = 0; offset + 8 <= size; offset = offset == 0 ? 512 : 2 * offset) {
    char bytes[8];
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in.read(bytes, 8)) return false;
    if (std::memcmp(bytes, signature, 8) == 0) return true;
  }
  return false;
}

// What is wrong with a file HDF5 could not open, in words.
std::string open_failure(const fs::path& path, const h5::Error& e) {
  if (std::ifstream probe(path, std::ios::binary); !probe)
    return std::string("cannot be opened for reading: ") + std::strerror(errno);
  const std::string what = e.what();
  if (what.find("unable to lock file") != std::string::npos)
    return "locked by another process that has it open for writing";
  if (!has_hdf5_signature(path)) return "not an HDF5 file (no HDF5 signature)";
  if (const auto at = what.find("truncated file"); at != std::string::npos) {
    std::error_code error;
    const auto size = fs::file_size(path, error);
    std::string text = "a truncated HDF5 file";
    if (const auto stored = what.find("stored_eof = ", at); stored != std::string::npos && !error) {
      const std::string expected = what.substr(stored + 13, what.find_first_not_of("0123456789", stored + 13) - stored - 13);
      text += ": " + std::to_string(size) + " bytes of the " + expected + " it was written with";
    }
    return text;
  }
  return "a damaged HDF5 file: " + one_line(e);
}

void print_configuration(const h5::Handle& file, std::ostream& out) {
  out << "configuration:\n";
  for (const auto& [key, value] : io::read_configuration(file)) out << "  " << padded(key, 28) << value << '\n';
}

void print_provenance(const h5::Handle& file, std::ostream& out) {
  if (!h5::exists(file, "provenance")) return;
  const h5::Handle p = h5::open_group(file, "provenance");
  out << "provenance:\n";
  for (const std::string& name : h5::attribute_names(p)) {
    std::string value;
    try {
      value = h5::read_attribute<std::string>(p, name);
    } catch (const std::exception&) {
      value = number(h5::read_attribute<double>(p, name));
    }
    out << "  " << padded(name, 28) << value << '\n';
  }
}

// "attnmf sweep … --resume": the command that started the sweep, as /provenance recorded it, with
// --resume; without a record, its shape.
std::string resume_command(const std::optional<std::string>& command_line, const fs::path& path) {
  const std::string generic = "attnmf sweep --config CONFIG --output.file " + path.string() +
                              " --resume (with the configuration and output.file the sweep was started with)";
  if (!command_line || command_line->find(" sweep") == std::string::npos) return generic;
  std::string command = *command_line;
  for (std::size_t at; (at = command.find(" --resume")) != std::string::npos;) command.erase(at, 9);
  return command + " --resume (from the directory it was started in)";
}

std::string journal_note(const fs::path& journal, bool present) {
  return present ? "journal " + journal.string() + "/ present"
                 : "its journal " + journal.string() + "/ is missing, so --resume cannot continue it";
}

void print_sweep(const h5::Handle& file, const fs::path& path, bool journal_present, std::ostream& out) {
  const auto status = h5::read_all<std::uint8_t>(h5::open_dataset(file, "points/status"));
  const auto regime = h5::read_all<std::int8_t>(h5::open_dataset(file, "points/regime"));
  const auto n = status.size();
  if (regime.size() != n) throw std::runtime_error("/points/status and /points/regime differ in length");
  std::array<long long, 3> by_status{};
  std::array<long long, analysis::kRegimes.size()> by_regime{};
  for (std::size_t i = 0; i < n; ++i) {
    by_status[std::min<std::size_t>(status[i], 2)]++;
    if (status[i] == 1) by_regime[analysis::regime_index(analysis::regime_of_code(regime[i]))]++;
  }
  const bool complete = h5::has_attribute(file, "complete") && h5::read_attribute<std::int64_t>(file, "complete") == 1;
  if (!complete) {
    std::optional<std::string> command_line;
    if (h5::exists(file, "provenance")) {
      const h5::Handle p = h5::open_group(file, "provenance");
      if (h5::has_attribute(p, "command_line")) command_line = h5::read_attribute<std::string>(p, "command_line");
    }
    // The recorded command resumes the recorded output.file: of no use for a file moved since.
    if (command_line && h5::has_attribute(file, "output.file")) {
      std::error_code error;
      if (!fs::equivalent(h5::read_attribute<std::string>(file, "output.file"), path, error)) command_line.reset();
    }
    const fs::path journal = io::journal_directory(path);
    out << "incomplete sweep (interrupted, or still running): " << by_status[1] + by_status[2] << " of " << n
        << " points done; " << journal_note(journal, journal_present);
    if (journal_present) out << "; continue with: " << resume_command(command_line, path);
    out << '\n';
  }
  const bool network = h5::exists(file, "grid/size");
  out << "grid: " << h5::dims(h5::open_dataset(file, "grid/beta"))[0] << " beta x "
      << h5::dims(h5::open_dataset(file, "grid/gamma"))[0] << " gamma x "
      << h5::dims(h5::open_dataset(file, "grid/epsilon"))[0] << " epsilon";
  if (network) out << " x " << h5::dims(h5::open_dataset(file, "grid/size"))[0] << " network sizes";
  out << " = " << n << " points\n";
  char percent[32];
  std::snprintf(percent, sizeof percent, "%.1f",
                100.0 * static_cast<double>(by_status[1] + by_status[2]) / static_cast<double>(std::max<std::size_t>(n, 1)));
  out << "progress: " << by_status[1] << " done, " << by_status[2] << " failed, " << by_status[0] << " pending ("
      << percent << "%)\n";
  out << "regimes of the done points:\n";
  for (const analysis::RegimeName& r : analysis::kRegimes)
    out << "  " << padded(std::string(r.name), 16) << by_regime[analysis::regime_index(r.regime)] << '\n';
  if (h5::exists(file, "starts")) {
    // Several starts per point: how many attractors the done points show.
    const auto starts = h5::read_attribute<std::int64_t>(h5::open_group(file, "starts"), "starts");
    const auto count = h5::read_all<std::int32_t>(h5::open_dataset(file, "points/attractor_count"));
    std::map<int, long long> by_count;
    for (std::size_t i = 0; i < n && i < count.size(); ++i)
      if (status[i] == 1) ++by_count[count[i]];
    out << "starts per point: " << starts << "; done points by the number of attractors their starts reached:";
    for (const auto& [attractors, points] : by_count) out << ' ' << attractors << ": " << points << ';';
    out << (h5::exists(file, "attractors") ? " (/attractors)\n" : " (/attractors is written when the sweep closes)\n");
  }
  if (network && h5::exists(file, "network/recognised")) {
    // The finite network: per size, how many done points were recognised on their mean-field attractor.
    const auto sizes = h5::read_all<std::int64_t>(h5::open_dataset(file, "grid/size"));
    const auto size = h5::read_all<std::int64_t>(h5::open_dataset(file, "network/size"));
    const auto recognised = h5::read_all<std::int8_t>(h5::open_dataset(file, "network/recognised"));
    const auto replicas = h5::read_attribute<std::int64_t>(h5::open_group(file, "network"), "replicas");
    out << "finite network, " << replicas << " replicas per point; done points whose replica 0 is recognised on its "
        << "mean-field attractor, by N:";
    for (const std::int64_t N : sizes) {
      long long done = 0, seen = 0;
      for (std::size_t i = 0; i < n && i < size.size(); ++i)
        if (status[i] == 1 && size[i] == N) {
          ++done;
          seen += recognised[i * static_cast<std::size_t>(replicas)] == 1;
        }
      out << ' ' << N << ": " << seen << '/' << done << ';';
    }
    out << " (/network)\n";
    // Which algorithm drew the tokens (network.algorithm = auto decides per N).
    const auto algorithm = h5::read_all<std::uint8_t>(h5::open_dataset(file, "network/algorithm"));
    std::map<int, long long> by_algorithm;
    for (std::size_t i = 0; i < n && i < algorithm.size(); ++i)
      if (status[i] == 1) ++by_algorithm[algorithm[i]];
    out << "network.algorithm " << h5::read_attribute<std::string>(h5::open_group(file, "network"), "algorithm")
        << ", done points by the algorithm that ran:";
    for (const auto& [code, points] : by_algorithm)
      out << ' ' << (code < static_cast<int>(model::kNetworkAlgorithmNames.size()) ? std::string(model::kNetworkAlgorithmNames[static_cast<std::size_t>(code)]) : std::to_string(code))
          << ": " << points << ';';
    out << '\n';
  }
  if (by_status[2] > 0 && h5::exists(file, "points/error")) {
    const auto errors = h5::read_string_dataset(file, "points/error");
    out << "failed points (first 10):\n";
    int shown = 0;
    for (std::size_t i = 0; i < n && shown < 10; ++i)
      if (status[i] == 2) {
        out << "  " << i << ": " << (i < errors.size() ? errors[i] : std::string("(no reason recorded)")) << '\n';
        ++shown;
      }
  }
  // Where the time went: compute seconds per point.
  if (!h5::exists(file, "provenance/point_seconds")) return;
  const auto point_seconds = h5::read_all<double>(h5::open_dataset(file, "provenance/point_seconds"));
  std::vector<std::size_t> timed;
  double total = 0.0;
  for (std::size_t i = 0; i < point_seconds.size(); ++i)
    if (std::isfinite(point_seconds[i])) {
      timed.push_back(i);
      total += point_seconds[i];
    }
  if (!timed.empty()) {
    std::sort(timed.begin(), timed.end(), [&](std::size_t a, std::size_t b) { return point_seconds[a] > point_seconds[b]; });
    out << "compute time: " << io::format_duration(total) << " in all (" << seconds(total) << "), "
        << seconds(total / static_cast<double>(timed.size())) << " per point; slowest:";
    for (std::size_t i = 0; i < std::min<std::size_t>(3, timed.size()); ++i)
      out << " point " << timed[i] << " (" << seconds(point_seconds[timed[i]]) << ")";
    out << '\n';
  }
}

void print_trajectory(const h5::Handle& file, std::ostream& out) {
  const auto shape = h5::dims(h5::open_dataset(file, "trajectory/att"));
  if (shape.size() != 2) throw std::runtime_error("/trajectory/att is not two-dimensional");
  const auto first = h5::read_attribute<std::int64_t>(h5::open_group(file, "trajectory"), "first_step");
  out << "trajectory: " << shape[0] << " recorded steps of M = " << shape[1] << " features, steps " << first << " to "
      << first + static_cast<std::int64_t>(shape[0]) - 1 << '\n';
}

// The whole summary of a file HDF5 opened. Throws Unreportable for a file attnmf did not write.
void print_file(const h5::File& file, const fs::path& path, bool journal_present, std::ostream& out) {
  if (!h5::has_attribute(file, "format_version") || !h5::has_attribute(file, "kind"))
    throw Unreportable(path.string() + ": an HDF5 file, but not an attnmf result file (it has no 'format_version' and 'kind' attributes)");
  const std::string kind = h5::read_attribute<std::string>(file, "kind");
  const std::int64_t format = h5::read_attribute<std::int64_t>(file, "format_version");
  if (kind != "sweep" && kind != "trajectory")
    throw Unreportable(path.string() + ": not an attnmf result file (its kind is '" + kind + "', not 'sweep' or 'trajectory')");
  if (format > file_format_version)
    throw Unreportable(path.string() + ": written in file format " + std::to_string(format) + ", newer than format " +
                       std::to_string(file_format_version) + " that this attnmf (" + software_version + ") reads");
  out << path.string() << ": attnmf " << kind << " file, format " << format << ", written by attnmf "
      << (h5::has_attribute(file, "software_version") ? h5::read_attribute<std::string>(file, "software_version") : "?") << '\n';
  if (kind == "sweep") print_sweep(file, path, journal_present, out);
  else print_trajectory(file, out);
  print_configuration(file, out);
  print_provenance(file, out);
}

// A sweep whose HDF5 file cannot be read (`why`) but whose journal is there: while a sweep runs
// and after a kill, the journal is what holds its points.
void print_from_journal(const fs::path& path, const fs::path& journal, const std::string& why, std::ostream& out) {
  io::JournalContents contents;
  try {
    contents = io::read_journal_directory(journal);
  } catch (const std::exception& e) {
    throw Unreportable(path.string() + ": " + why + ", and its journal " + journal.string() + "/ cannot be read either: " + one_line(e));
  }
  std::optional<std::size_t> total;
  try {
    std::size_t count = 1;
    bool known = true;
    const auto manifest = io::read_manifest(journal);
    for (const char* axis : {"sweep.beta", "sweep.gamma", "sweep.epsilon"}) {
      const auto entry = std::find_if(manifest.begin(), manifest.end(), [&](const auto& kv) { return kv.first == axis; });
      if (entry == manifest.end()) known = false;
      else count *= config::parse_grid(axis, entry->second).values.size();
    }
    if (known) total = count;
  } catch (const std::exception&) {
    // Without a readable manifest the number of points is unknown; the journal's points still count.
  }
  std::size_t failed = 0;
  for (const auto& [index, point] : contents.points) failed += point.status == records::PointStatus::failed ? 1 : 0;
  out << path.string() << ": incomplete attnmf sweep (interrupted, or still running): " << contents.points.size();
  if (total) out << " of " << *total;
  out << " points done";
  if (failed > 0) out << " (" << failed << " failed)";
  if (!contents.in_flight.empty()) out << ", " << contents.in_flight.size() << " more saved mid-trajectory";
  out << ", according to its journal " << journal.string() << "/ (the HDF5 file itself cannot be read now: " << why
      << "; --resume rebuilds it from the journal); continue with: " << resume_command(std::nullopt, path) << '\n';
}

void report(const fs::path& path, std::ostringstream& out) {
  std::error_code error;
  const fs::path journal = io::journal_directory(path);
  const bool journal_present = fs::is_directory(journal, error);
  const auto status = fs::status(path, error);
  if (!fs::exists(status)) {
    if (journal_present) return print_from_journal(path, journal, "no such file", out);
    throw Unreportable(path.string() + ": no such file");
  }
  if (fs::is_directory(status)) throw Unreportable(path.string() + ": is a directory, not a result file");
  std::optional<h5::File> file;
  std::string why;
  try {
    file.emplace(h5::File::open(path, h5::Access::read_only));
  } catch (const h5::Error& e) {
    why = open_failure(path, e);
  }
  if (!file) {
    if (journal_present) return print_from_journal(path, journal, why, out);
    throw Unreportable(path.string() + ": " + why);
  }
  try {
    print_file(*file, path, journal_present, out);
  } catch (const Unreportable&) {
    throw;
  } catch (const std::exception& e) {
    // Opened, but something in it cannot be read: damaged, or caught in the middle of a write.
    if (!journal_present) throw Unreportable(path.string() + ": a damaged attnmf result file: " + one_line(e));
    out.str("");
    file.reset();
    print_from_journal(path, journal, one_line(e), out);
  }
}

}  // namespace

int info_command(int argc, const char* const argv[]) {
  if (argc != 1 || std::strcmp(argv[0], "--help") == 0 || std::strcmp(argv[0], "-h") == 0) {
    (argc == 1 ? std::cout : std::cerr) << usage;
    return argc == 1 ? exit_success : exit_usage;
  }
  // The report is assembled first and printed only when it is whole, so that a file which fails
  // half-way leaves one line on stderr and nothing on stdout.
  std::ostringstream out;
  try {
    report(argv[0], out);
  } catch (const Unreportable& e) {
    std::cerr << "attnmf info: " << e.what() << '\n';
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "attnmf info: " << argv[0] << ": " << one_line(e) << '\n';
    return exit_usage;
  }
  std::cout << out.str() << std::flush;
  return exit_success;
}

}  // namespace attnmf::cli
