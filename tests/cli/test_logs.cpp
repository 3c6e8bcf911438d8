// The log as users see it: coloured on their terminal, plain in a file (also under mpirun, which
// gives every rank a pty of its own), NO_COLOR honoured, --color to decide; and attnmf --version.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "attnmf/dynamics/engine.hpp"
#include "attnmf/version.hpp"

namespace {

namespace fs = std::filesystem;

// Whatever the environment of the test run, the child starts without these, so that "auto" decides
// from what each test sets (a ctest run inside an srun step or with NO_COLOR exported included).
const std::string clean_environment =
    "env -u NO_COLOR -u OMPI_COMM_WORLD_SIZE -u PMIX_RANK -u PMI_RANK -u SLURM_PROCID -u SLURM_STEP_ID TERM=xterm ";

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

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

bool has_escape(const std::string& text) { return text.find('\x1b') != std::string::npos; }

// The level of an info line coloured as spdlog colours it (green, then reset).
bool has_coloured_info(const std::string& text) { return text.find("[\x1b[32minfo\x1b[m]") != std::string::npos; }

// The sweep's summary line in the format other tools parse (bench/*.sh, the resume tests), the
// level between brackets, coloured or not.
bool has_done_line(const std::string& text) {
  static const std::regex done(
      R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[(\x1b\[32m)?info(\x1b\[m)?\] done: 3 points \(0 failed\) in \d+:\d\d:\d\d \([0-9.]+ s\), [0-9.]+ [kMG]? ?point-steps/s on 2 ranks x 1 threads)");
  return std::regex_search(text, done);
}

class Logs : public ::testing::Test {
 protected:
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("attnmf-logs-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  }
  void TearDown() override { fs::remove_all(dir); }

  std::string trajectory_arguments(const std::string& name) const {
    return "trajectory --config jobs/paper-trajectory.ini --run.steps 3000 --run.transient 1000 --output.file " +
           (dir / name).string();
  }
  std::string sweep_arguments(const std::string& name) const {
    return "sweep --config jobs/fig3b.ini --sweep.beta 1.25:1.26:3 --run.steps 20000 --run.transient 10000 "
           "--analysis.lyapunov 0 --analysis.samples 1000 --parallel.threads_per_rank 1 --output.file " +
           (dir / name).string();
  }

  // `prefix attnmf arguments` from the source directory, stdout and stderr to files.
  Result run(const std::string& prefix, const std::string& arguments) const {
    const std::string command = "cd " ATTNMF_SOURCE_DIR " && " + prefix + std::string(ATTNMF_BINARY) + " " + arguments +
                                " > " + (dir / "out.txt").string() + " 2> " + (dir / "err.txt").string();
    const int status = std::system(command.c_str());
    return {exit_code(status), slurp(dir / "out.txt"), slurp(dir / "err.txt")};
  }

  // `prefix attnmf arguments` with a pseudo-terminal as stdout, as on the user's terminal; stderr to a
  // file. Returns what the terminal showed.
  Result run_on_terminal(const std::string& prefix, const std::string& arguments) const {
    const std::string command = "cd " ATTNMF_SOURCE_DIR " && " + prefix + std::string(ATTNMF_BINARY) + " " + arguments +
                                " 2> " + (dir / "err.txt").string();
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
      ADD_FAILURE() << "no pseudo-terminal: " << std::strerror(errno);
      return {-1, "", ""};
    }
    const std::string slave_name = ::ptsname(master);
    const pid_t child = ::fork();
    if (child == 0) {
      ::setsid();
      const int slave = ::open(slave_name.c_str(), O_RDWR);
      if (slave < 0) ::_exit(127);
      ::dup2(slave, STDOUT_FILENO);
      ::close(slave);
      ::close(master);
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::string shown;
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(master, buffer, sizeof buffer);
      if (n > 0) shown.append(buffer, static_cast<std::size_t>(n));
      else if (n < 0 && errno == EINTR) continue;
      else break;  // EIO: the last holder of the terminal has gone
    }
    ::close(master);
    int status = 0;
    ::waitpid(child, &status, 0);
    return {exit_code(status), shown, slurp(dir / "err.txt")};
  }
};

// `mpirun -np 2 attnmf sweep ... > log`: the ranks' stdout is a pty of mpirun's, the user's a file.
TEST_F(Logs, MpirunToAFileHasNoEscapeCodes) {
  // Whether this launcher gives the ranks a terminal, which is what makes the test worth its name.
  const int pty = std::system(ATTNMF_MPIEXEC " --oversubscribe -np 1 sh -c 'test -t 1' > /dev/null 2>&1");
  if (exit_code(pty) != 0) std::cout << "note: " ATTNMF_MPIEXEC " does not give the ranks a terminal for stdout\n";
  const std::string mpirun = clean_environment + ATTNMF_MPIEXEC " --oversubscribe --bind-to none -np 2 ";
  Result r = run(mpirun, sweep_arguments("auto.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(has_escape(r.out)) << r.out;
  EXPECT_FALSE(has_escape(r.err)) << r.err;
  EXPECT_TRUE(has_done_line(r.out)) << r.out;

  r = run(mpirun, sweep_arguments("never.h5") + " --color never");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(has_escape(r.out)) << r.out;

  // The value may be given as --color=WHEN, and before the subcommand.
  for (const std::string& arguments :
       {sweep_arguments("always.h5") + " --color always", "--color=always " + sweep_arguments("always-before.h5")}) {
    r = run(mpirun, arguments);
    ASSERT_EQ(r.exit_code, 0) << arguments << '\n' << r.out << r.err;
    EXPECT_TRUE(has_coloured_info(r.out)) << arguments << '\n' << r.out;
    EXPECT_TRUE(has_done_line(r.out)) << arguments << '\n' << r.out;
  }
}

// On the user's terminal: colour, unless NO_COLOR (no-color.org: any non-empty value) or --color never.
TEST_F(Logs, OnATerminal) {
  Result r = run_on_terminal(clean_environment, trajectory_arguments("auto.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has_coloured_info(r.out)) << r.out;

  r = run_on_terminal(clean_environment + "NO_COLOR=1 ", trajectory_arguments("no-color.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(has_escape(r.out)) << r.out;
  EXPECT_NE(r.out.find("] [info] "), std::string::npos) << r.out;

  r = run_on_terminal(clean_environment + "NO_COLOR= ", trajectory_arguments("empty-no-color.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has_coloured_info(r.out)) << "an empty NO_COLOR does not count\n" << r.out;

  r = run_on_terminal(clean_environment + "NO_COLOR=1 ", trajectory_arguments("always.h5") + " --color always");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has_coloured_info(r.out)) << "--color always overrides NO_COLOR\n" << r.out;

  r = run_on_terminal(clean_environment, trajectory_arguments("never.h5") + " --color never");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(has_escape(r.out)) << r.out;

  r = run_on_terminal(clean_environment + "TERM=dumb ", trajectory_arguments("dumb.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(has_escape(r.out)) << r.out;
}

// A rank of a launcher with a terminal of its own: auto says no colour (the launcher's variables
// alone, without running a launcher, decide).
TEST_F(Logs, LauncherVariablesTurnColourOffInAuto) {
  for (const char* variables : {"OMPI_COMM_WORLD_SIZE=1 ", "PMIX_RANK=0 ", "PMI_RANK=0 ", "SLURM_PROCID=0 SLURM_STEP_ID=0 "}) {
    const Result r = run_on_terminal(clean_environment + variables, trajectory_arguments("rank.h5"));
    ASSERT_EQ(r.exit_code, 0) << variables << '\n' << r.out << r.err;
    EXPECT_FALSE(has_escape(r.out)) << variables << '\n' << r.out;
    fs::remove(dir / "rank.h5");
  }
  // SLURM_PROCID without a job step is the batch script's own environment, not a task of srun's.
  const Result r = run_on_terminal(clean_environment + "SLURM_PROCID=0 ", trajectory_arguments("batch.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has_coloured_info(r.out)) << r.out;
}

TEST_F(Logs, AFileHasNoEscapeCodes) {
  const Result r = run(clean_environment, trajectory_arguments("file.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(has_escape(r.out)) << r.out;
  EXPECT_NE(r.out.find("] [info] done in "), std::string::npos) << r.out;
}

TEST_F(Logs, BadColorValues) {
  for (const std::string& arguments : {trajectory_arguments("x.h5") + " --color sometimes", std::string("sweep --color"),
                                       std::string("--color= info x.h5")}) {
    const Result r = run("", arguments);
    EXPECT_EQ(r.exit_code, 2) << arguments;
    EXPECT_NE(r.err.find("--color"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  EXPECT_FALSE(fs::exists(dir / "x.h5"));
}

TEST_F(Logs, HelpNamesTheOption) {
  for (const char* arguments : {"--help", "sweep --help", "trajectory --help", "info --help"}) {
    const Result r = run("", arguments);
    EXPECT_EQ(r.exit_code, 0) << arguments;
    EXPECT_NE(r.out.find("--color"), std::string::npos) << arguments << '\n' << r.out;
  }
  const Result r = run("", "--help");
  EXPECT_NE(r.out.find("NO_COLOR"), std::string::npos) << r.out;
}

TEST(Version, NamesTheBuild) {
  unsigned major = 0, minor = 0, release = 0;
  ASSERT_GE(H5get_libversion(&major, &minor, &release), 0);
  const std::string hdf5 = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
  const fs::path out = fs::temp_directory_path() / ("attnmf-version-" + std::to_string(::getpid()) + ".txt");
  for (const char* arguments : {"--version", "version", "--color never --version"}) {
    const int status = std::system((std::string(ATTNMF_BINARY) + " " + arguments + " > " + out.string() + " 2>&1").c_str());
    const std::string text = slurp(out);
    EXPECT_EQ(exit_code(status), 0) << arguments << '\n' << text;
    EXPECT_EQ(text.rfind(std::string("attnmf ") + attnmf::project_version + "\n", 0), 0U) << text;
    EXPECT_NE(text.find(attnmf::software_version), std::string::npos) << text;
    if (*attnmf::git_describe != '\0') {
      EXPECT_NE(text.find(std::string("git describe: ") + attnmf::git_describe), std::string::npos) << text;
    }
    EXPECT_NE(text.find("file format " + std::to_string(attnmf::file_format_version)), std::string::npos) << text;
    EXPECT_NE(text.find("HDF5: " + hdf5), std::string::npos) << text;
    EXPECT_TRUE(std::regex_search(text, std::regex("\nMPI: [^\n]+\\(MPI standard \\d\\.\\d\\)\n"))) << text;
    std::string kernels;
    for (const std::string& name : attnmf::dynamics::known_instruction_sets()) kernels += (kernels.empty() ? "" : ", ") + name;
    EXPECT_NE(text.find("simd kernels: " + kernels + ";"), std::string::npos) << text;
  }
  fs::remove(out);
}

}  // namespace
