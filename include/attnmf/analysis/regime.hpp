#pragma once
// The regimes a point is classified into, with their codes (what files store) and names: the one
// place both are written. Files carry the names too (docs/file-format.md), so that tools read them
// from the file rather than keeping a copy.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace attnmf::analysis {

enum class Regime : std::int8_t {
  undetermined = -1,
  fixed_point = 0,
  periodic = 1,
  quasi_periodic = 2,
  chaotic = 3,
  hyperchaotic = 4,
  // Two exponents in the zero band: motion on a 2-torus (the authors' "double quasi-periodic").
  // Its code comes after the others so that files written before it keep their meaning.
  two_torus = 5,
};

struct RegimeName {
  Regime regime;
  std::string_view name;
};
// Every regime in the order of its code.
inline constexpr std::array<RegimeName, 7> kRegimes = {{
    {Regime::undetermined, "undetermined"},
    {Regime::fixed_point, "fixed point"},
    {Regime::periodic, "periodic"},
    {Regime::quasi_periodic, "quasi-periodic"},
    {Regime::chaotic, "chaotic"},
    {Regime::hyperchaotic, "hyperchaotic"},
    {Regime::two_torus, "2-torus"},
}};

inline constexpr int code(Regime regime) { return static_cast<int>(regime); }
// The position of `regime` in kRegimes (code + 1): for tables of counts per regime.
inline constexpr std::size_t regime_index(Regime regime) { return static_cast<std::size_t>(code(regime) + 1); }
// The regime of a stored code; codes outside −1 … 5 are undetermined.
inline constexpr Regime regime_of_code(int code) {
  return code >= -1 && code <= 5 ? static_cast<Regime>(code) : Regime::undetermined;
}
inline constexpr std::string_view to_string(Regime regime) { return kRegimes[regime_index(regime)].name; }
// "-1 undetermined, 0 fixed point, …, 5 2-torus": the legend files keep beside the codes.
std::string regime_legend();

}  // namespace attnmf::analysis
