#pragma once
// The subcommands of the attnmf executable. Each returns the process exit code.

#include <string>

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

// Stop requests: set from signal handlers, polled by long-running work.
void install_stop_handlers();
bool stop_requested();
int stop_signal();

}  // namespace attnmf::cli
