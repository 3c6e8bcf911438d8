#pragma once
// The subcommands of the attnmf executable. Each returns the process exit code.

#include <string>
#include <string_view>

namespace attnmf::cli {

// Exit codes job scripts can test.
inline constexpr int exit_success = 0;
inline constexpr int exit_failure = 1;      // the run failed (I/O, numerical failure, …)
inline constexpr int exit_usage = 2;        // bad command line or configuration: nothing was done
inline constexpr int exit_interrupted = 3;  // stopped by SIGINT/SIGTERM/SIGUSR1
inline constexpr int exit_fault = 4;        // a sweep stopped by a fault on some rank: --resume continues

int trajectory_command(int argc, const char* const argv[], const std::string& command_line);
int sweep_command(int argc, char** argv, const std::string& command_line);
int info_command(int argc, const char* const argv[]);
// attnmf --version: the versions of attnmf, of the libraries it runs on and its simd kernels.
int version_command();

// --color WHEN of every subcommand (logging.cpp).
enum class ColorMode { automatic, always, never };
// "auto", "always" or "never"; throws std::invalid_argument naming the text otherwise.
ColorMode parse_color_mode(std::string_view text);
// Removes every "--color WHEN" and "--color=WHEN" from argv[1..argc) (the last one given counts;
// automatic without one), before or after the subcommand's name. Throws std::invalid_argument.
ColorMode take_color_option(int& argc, char** argv);
// Whether the log is coloured: always, never, or (auto) when stdout is a terminal that shows colour,
// NO_COLOR is empty or unset, and the process is not a rank started by an MPI or SLURM launcher.
bool log_in_colour(ColorMode mode);
// spdlog's default logger on stdout with the log pattern of every subcommand, coloured or not.
void configure_logging(ColorMode mode);

// Stop requests: set from signal handlers, polled by long-running work.
void install_stop_handlers();
bool stop_requested();
int stop_signal();

}  // namespace attnmf::cli
