// attnmf info as a user runs it: on finished, interrupted, running (journal only), damaged, foreign
// and missing files. Whatever is wrong, the answer is one line and an exit code, never an HDF5
// error stack.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "attnmf/io/hdf5.hpp"
#include "attnmf/io/journal.hpp"
#include "attnmf/sweep/point.hpp"

namespace {

namespace fs = std::filesystem;
namespace h5 = attnmf::io::h5;

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t lines(const std::string& text) {
  std::size_t count = 0;
  for (char c : text) count += c == '\n' ? 1 : 0;
  return count;
}

// Nothing of HDF5's own error reporting: neither its automatic stack nor the one h5::Error carries.
bool has_hdf5_stack(const std::string& text) {
  return text.find("HDF5-DIAG") != std::string::npos || text.find("error stack") != std::string::npos ||
         text.find("H5F") != std::string::npos || text.find("major:") != std::string::npos;
}

class InfoCommand : public ::testing::Test {
 protected:
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("attnmf-info-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  // Runs `attnmf ARGUMENTS` from the source directory (where the job files are).
  Result run(const std::string& arguments) const {
    const std::string command = "cd " ATTNMF_SOURCE_DIR " && " + std::string(ATTNMF_BINARY) + " " + arguments + " > " +
                                (dir / "out.txt").string() + " 2> " + (dir / "err.txt").string();
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "out.txt"), slurp(dir / "err.txt")};
  }
  Result info(const fs::path& file) const { return run("info " + file.string()); }

  // A file that cannot be reported on: exit code 2, one line on stderr that names the file and
  // holds `reason`, nothing on stdout.
  void expect_refused(const fs::path& file, const std::string& reason) const {
    const Result r = info(file);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(lines(r.err), 1U) << r.err;
    EXPECT_NE(r.err.find(file.string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
    EXPECT_FALSE(has_hdf5_stack(r.err)) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }

  std::string sweep_arguments(const fs::path& output, const std::string& beta, long long steps) const {
    return "sweep --config jobs/fig3b.ini --sweep.beta " + beta + " --run.steps " + std::to_string(steps) +
           " --run.transient " + std::to_string(steps / 2) +
           " --analysis.lyapunov 0 --analysis.samples 1000 --parallel.threads_per_rank 1 -q --output.file " + output.string();
  }
  fs::path trajectory_file() const {
    const fs::path file = dir / "trajectory.h5";
    const Result r = run("trajectory --config jobs/paper-trajectory.ini --run.steps 3000 --run.transient 1000 -q "
                         "--output.file " + file.string());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return file;
  }
};

// "12 of 40 points done" → 12, or -1.
long long points_done(const std::string& text, long long total) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex("(\\d+) of " + std::to_string(total) + " points done"))) return -1;
  return std::stoll(match[1]);
}

TEST_F(InfoCommand, MissingFile) { expect_refused(dir / "nothing.h5", "no such file"); }

TEST_F(InfoCommand, ADirectory) { expect_refused(dir, "is a directory"); }

TEST_F(InfoCommand, RandomBytesAreNotAnHdf5File) {
  std::string bytes;
  std::uint32_t x = 12345;
  for (int i = 0; i < 5000; ++i) bytes += static_cast<char>((x = x * 1664525u + 1013904223u) >> 24);
  std::ofstream(dir / "random.h5", std::ios::binary) << bytes;
  expect_refused(dir / "random.h5", "not an HDF5 file");
}

TEST_F(InfoCommand, TruncatedHdf5File) {
  const fs::path file = trajectory_file();
  const auto size = fs::file_size(file);
  fs::resize_file(file, size / 2);
  expect_refused(file, "truncated");
}

// An HDF5 file that attnmf did not write is not "an attnmf unknown file".
TEST_F(InfoCommand, ForeignHdf5File) {
  {
    h5::File file = h5::File::create(dir / "foreign.h5", h5::CreateMode::exclusive);
    const std::vector<double> data{1, 2, 3};
    h5::write_all<double>(h5::create_dataset<double>(file, "data", {3}), data);
    h5::write_attribute(file, "title", "someone else's");
  }
  expect_refused(dir / "foreign.h5", "not an attnmf result file");
  {
    h5::File file = h5::File::open(dir / "foreign.h5", h5::Access::read_write);
    h5::write_attribute(file, "kind", "sweep");
  }
  expect_refused(dir / "foreign.h5", "not an attnmf result file");
}

// An attnmf file damaged inside (its superblock intact): one line, no partial report on stdout.
TEST_F(InfoCommand, DamagedInside) {
  const fs::path file = trajectory_file();
  {
    h5::File f = h5::File::open(file, h5::Access::read_write);
    h5::write_attribute(h5::open_group(f, "trajectory"), "first_step", "not a number");
  }
  expect_refused(file, "damaged");
}

// A file that is text, not HDF5 (a CSV export, a log given by mistake).
TEST_F(InfoCommand, ATextFileIsNotAnHdf5File) {
  std::ofstream(dir / "points.csv") << "beta,regime\n1.25,periodic\n1.26,chaotic\n";
  expect_refused(dir / "points.csv", "not an HDF5 file");
}

// The numbers of /provenance as the file holds them (the shortest text that reads back as the same
// double), durations worked out from them with two decimals, whatever was printed before them.
TEST_F(InfoCommand, NumbersArePrintedAsTheFileHoldsThem) {
  const fs::path file = dir / "sweep.h5";
  Result r = run(sweep_arguments(file, "1.25:1.26:3", 20000));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  {
    h5::File f = h5::File::open(file, h5::Access::read_write);
    const std::vector<double> seconds{100.5, 60.25, 59.52};
    h5::write_all<double>(h5::open_dataset(f, "provenance/point_seconds"), seconds);
    const h5::Handle provenance = h5::open_group(f, "provenance");
    h5::write_attribute(provenance, "wall_seconds", 114.67);
    h5::write_attribute(provenance, "point_steps_per_second", 123456.75);
    h5::write_attribute(provenance, "ranks", 4.0);
    h5::write_attribute(provenance, "threads_per_rank", 0.1 + 0.2);
    h5::write_attribute(provenance, "speedup", 1.5e-7);
  }
  r = info(file);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("progress: 3 done, 0 failed, 0 pending (100.0%)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("compute time: 0:03:40 in all (220.27 s), 73.42 s per point; slowest: point 0 (100.50 s) "
                       "point 1 (60.25 s) point 2 (59.52 s)"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n  wall_seconds +114\\.67\n"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n  point_steps_per_second +123456\\.75\n"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n  ranks +4\n"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n  threads_per_rank +0\\.30000000000000004\n"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n  speedup +1\\.5e-07\n"))) << r.out;
  EXPECT_EQ(r.out.find("incomplete"), std::string::npos) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

// A sweep stopped by SIGTERM leaves its file incomplete (complete = 0) and its journal; info says how
// far it got and how to continue, from the file, and from the journal when the file cannot be read.
TEST_F(InfoCommand, InterruptedSweep) {
  const fs::path file = dir / "sweep.h5";
  const std::string command = "cd " ATTNMF_SOURCE_DIR " && { " + std::string(ATTNMF_BINARY) + " " +
                              sweep_arguments(file, "1.25:1.26:64", 2000000) + " > " + (dir / "sweep.log").string() +
                              " 2>&1 & pid=$!; sleep 1; kill -TERM $pid; wait $pid; }";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 3) << "the sweep was not interrupted: " << slurp(dir / "sweep.log");
  const fs::path journal = attnmf::io::journal_directory(file);
  ASSERT_TRUE(fs::is_directory(journal));

  Result r = info(file);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  std::string line;
  for (std::istringstream in(r.out); std::getline(in, line);)
    if (line.find("incomplete") != std::string::npos) break;
  const long long done = points_done(line, 64);
  EXPECT_GE(done, 0) << r.out;
  EXPECT_NE(r.out.find("progress: " + std::to_string(done) + " done"), std::string::npos) << r.out;
  EXPECT_NE(line.find("journal " + journal.string() + "/ present"), std::string::npos) << line;
  EXPECT_NE(line.find(" sweep --config jobs/fig3b.ini "), std::string::npos) << line;
  EXPECT_NE(line.find("--output.file " + file.string() + " --resume"), std::string::npos) << line;

  // The HDF5 file damaged by a kill in the middle of a write, or not yet on disk: the journal counts.
  for (const char* state : {"truncated", "missing"}) {
    if (std::string(state) == "truncated") fs::resize_file(file, fs::file_size(file) / 2);
    else fs::remove(file);
    r = info(file);
    EXPECT_EQ(r.exit_code, 0) << state << '\n' << r.out << r.err;
    EXPECT_EQ(lines(r.out), 1U) << state << '\n' << r.out;
    EXPECT_EQ(points_done(r.out, 64), done) << state << '\n' << r.out;
    EXPECT_NE(r.out.find("journal " + journal.string() + "/"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("attnmf sweep --config"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--resume"), std::string::npos) << r.out;
    EXPECT_FALSE(has_hdf5_stack(r.out + r.err)) << r.out << r.err;
  }
}

// While a sweep runs its HDF5 file may be unreadable: the journal alone tells the points done.
TEST_F(InfoCommand, JournalOnly) {
  const fs::path file = dir / "running.h5";
  const fs::path journal = attnmf::io::journal_directory(file);
  fs::create_directories(journal);
  attnmf::io::write_manifest(journal, {{"model.beta", "1.27"},
                                       {"sweep.beta", "1:2:4"},
                                       {"sweep.gamma", "220"},
                                       {"sweep.epsilon", "0,0.5,1"}});
  {
    attnmf::io::JournalWriter writer(journal / "run-1-rank-0.journal");
    for (long long index : {0, 5, 7, 11}) {
      attnmf::records::PointResult point;
      point.index = index;
      point.status = index == 7 ? attnmf::records::PointStatus::failed : attnmf::records::PointStatus::done;
      writer.append(point);
    }
  }
  // No HDF5 file yet, and then one whose superblock is not yet written.
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) std::ofstream(file, std::ios::binary) << std::string(4096, '\0');
    const Result r = info(file);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(lines(r.out), 1U) << r.out;
    EXPECT_EQ(points_done(r.out, 12), 4) << r.out;
    EXPECT_NE(r.out.find("1 failed"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(file.string()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("journal"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("attnmf sweep --config"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--resume"), std::string::npos) << r.out;
    EXPECT_TRUE(r.err.empty()) << r.err;
  }
  // Neither the file nor its journal can be read: nothing to report.
  const fs::path record = journal / "run-1-rank-0.journal";
  std::string bytes = slurp(record);
  bytes[bytes.size() / 3] ^= 0x5a;
  bytes[bytes.size() / 3 + 1] ^= 0x5a;
  std::ofstream(record, std::ios::binary | std::ios::trunc) << bytes;
  expect_refused(file, "journal");
}

// A real sweep's wall time and speed, as attnmf sweep wrote them: every digit the file holds (a
// stream's default precision would print 0.0395 for 0.039515011, and "%.2f" 0.04).
TEST_F(InfoCommand, WallTimeOfARealSweepWithTheFilesDigits) {
  const fs::path file = dir / "sweep.h5";
  Result r = run(sweep_arguments(file, "1.25:1.26:3", 20000));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  double wall = 0.0, rate = 0.0;
  {
    const h5::File f = h5::File::open(file, h5::Access::read_only);
    const h5::Handle provenance = h5::open_group(f, "provenance");
    wall = h5::read_attribute<double>(provenance, "wall_seconds");
    rate = h5::read_attribute<double>(provenance, "point_steps_per_second");
  }
  r = info(file);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& [name, value] : {std::pair<std::string, double>{"wall_seconds", wall}, {"point_steps_per_second", rate}}) {
    std::string line;
    for (std::istringstream in(r.out); std::getline(in, line);)
      if (line.rfind("  " + name + " ", 0) == 0) break;
    ASSERT_EQ(line.rfind("  " + name + " ", 0), 0U) << r.out;
    const std::string shown = line.substr(line.find_first_not_of(' ', name.size() + 2));
    EXPECT_EQ(std::stod(shown), value) << name << ": '" << shown << "' is not the file's " << std::setprecision(17) << value;
    // The shortest such text: the digits of a value that has few keep to them (no 0.50000000000000001).
    char shortest[64];
    const auto end = std::to_chars(shortest, shortest + sizeof shortest, value).ptr;
    EXPECT_EQ(shown, std::string(shortest, end)) << name;
  }
}

TEST_F(InfoCommand, UsageErrors) {
  EXPECT_EQ(run("info").exit_code, 2);
  EXPECT_EQ(run("info a.h5 b.h5").exit_code, 2);
  EXPECT_EQ(run("info --help").exit_code, 0);
}

}  // namespace
