#include "attnmf/io/progress.hpp"

#include <cmath>
#include <cstdio>

namespace attnmf::io {

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

}  // namespace attnmf::io
