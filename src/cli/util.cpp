#include <csignal>
#include <cmath>
#include <cstdio>

#include "commands.hpp"

namespace attnmf::cli {
namespace {
volatile std::sig_atomic_t received_signal = 0;
extern "C" void on_stop_signal(int signal) { received_signal = signal; }
}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGINT, SIGTERM, SIGUSR1}) sigaction(signal, &action, nullptr);
}

bool stop_requested() { return received_signal != 0; }
int stop_signal() { return received_signal; }

std::string format_rate(double per_second, const char* unit) {
  char text[64];
  if (per_second >= 1e9) std::snprintf(text, sizeof text, "%.2f G %s/s", per_second / 1e9, unit);
  else if (per_second >= 1e6) std::snprintf(text, sizeof text, "%.2f M %s/s", per_second / 1e6, unit);
  else if (per_second >= 1e3) std::snprintf(text, sizeof text, "%.2f k %s/s", per_second / 1e3, unit);
  else std::snprintf(text, sizeof text, "%.2f %s/s", per_second, unit);
  return text;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<long long>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", total / 3600, (total / 60) % 60, total % 60);
  return text;
}

}  // namespace attnmf::cli
