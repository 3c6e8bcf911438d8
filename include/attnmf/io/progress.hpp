#pragma once
// How progress reads in logs: "1.20 M steps/s", "0:01:05".

#include <string>

namespace attnmf::io {

std::string format_rate(double per_second, const char* unit);
std::string format_duration(double seconds);

}  // namespace attnmf::io
