#include "attnmf/model/window.hpp"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "attnmf/model/mean_field_map.hpp"

namespace attnmf::model {

Window read_window_file(const std::filesystem::path& path, const MeanFieldMap& map) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open window file '" + path.string() + "'");
  const int M = map.features(), L = map.context(), P = map.positional_bits();
  Window w;
  w.features = M;
  w.context = L;
  w.history = L - 1;
  std::vector<std::vector<double>> codes;
  std::string line;
  int number = 0;
  const auto fail = [&](const std::string& what) {
    throw std::runtime_error("window file '" + path.string() + "', line " + std::to_string(number) + ": " + what);
  };
  while (std::getline(in, line)) {
    ++number;
    std::istringstream fields(line);
    std::string tag;
    if (!(fields >> tag) || tag[0] == '#') continue;
    if (tag != "att" && tag != "pe") fail("expected a row starting with 'att' or 'pe', found '" + tag + "'");
    std::vector<double> values;
    std::string token;
    while (fields >> token) {
      std::size_t used = 0;
      double x = 0.0;
      try {
        x = std::stod(token, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != token.size() || !std::isfinite(x)) fail("'" + token + "' is not a finite number");
      values.push_back(x);
    }
    if (tag == "att") {
      if (static_cast<int>(values.size()) != M)
        fail("an att row needs M = " + std::to_string(M) + " values, found " + std::to_string(values.size()));
      w.attention.insert(w.attention.end(), values.begin(), values.end());
    } else {
      if (static_cast<int>(values.size()) != P)
        fail("a pe row needs P = " + std::to_string(P) + " values, found " + std::to_string(values.size()));
      codes.push_back(values);
    }
  }
  ++number;
  if (static_cast<int>(w.attention.size()) != L * M)
    fail("expected L = " + std::to_string(L) + " att rows, found " + std::to_string(w.attention.size() / M));
  if (static_cast<int>(codes.size()) != L)
    fail("expected L = " + std::to_string(L) + " pe rows, found " + std::to_string(codes.size()));
  for (const auto& code : codes) {
    try {
      w.positions.push_back(map.position_of(code));
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
  }
  return w;
}

void write_window_file(const std::filesystem::path& path, const Window& window, const MeanFieldMap& map) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write window file '" + path.string() + "'");
  out << "# attnmf context window (newest first): att rows d=0..L-1, then pe rows\n";
  out << std::setprecision(std::numeric_limits<double>::max_digits10);
  for (int d = 0; d < window.context; ++d) {
    out << "att";
    for (int a = 0; a < window.features; ++a) out << ' ' << window.slot(d)[a];
    out << '\n';
  }
  for (int d = 0; d < window.context; ++d) {
    out << "pe";
    for (double bit : map.positional_code(window.positions[d])) out << ' ' << (bit > 0 ? "1.0" : "-1.0");
    out << '\n';
  }
  if (!out) throw std::runtime_error("writing window file '" + path.string() + "' failed");
}

Window token_window(const MeanFieldMap& map, std::span<const int> token) {
  const MeanFields m = map.token_mean_fields(token);
  Window w;
  w.features = map.features();
  w.context = map.context();
  w.history = 0;
  const int L = map.context();
  for (int d = 0; d < L; ++d) {
    w.attention.insert(w.attention.end(), m.value.begin(), m.value.end());
    w.positions.push_back((L - d) % L);
  }
  return w;
}

namespace {

// splitmix64 (Steele, Lea & Flood 2014; Vigna's reference code): the state advanced by the golden
// gamma, then the finaliser. Its first output from state 0 is 0xe220a8397b1dcdaf.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

Window random_window(const Window& base, unsigned long long seed, long long point, int start) {
  const int M = base.features, L = base.context;
  if (M < 1 || L < 1 || base.attention.size() != static_cast<std::size_t>(L) * static_cast<std::size_t>(M) ||
      base.positions.size() != static_cast<std::size_t>(L))
    throw std::invalid_argument("random_window: the base window holds " + std::to_string(base.attention.size()) + " attention values and " +
                                std::to_string(base.positions.size()) + " positions, not L = " + std::to_string(L) + " slots of M = " +
                                std::to_string(M));
  Window w = base;
  w.history = L - 1;
  // The key of one value absorbs (seed, point, start, slot, feature) in that order, each through
  // splitmix64, a bijection of the 64-bit state: with the other fields fixed, two values of any one
  // field give two different keys (so no two starts of a point, no two slots of a window, share one).
  const std::uint64_t prefix =
      splitmix64(splitmix64(splitmix64(seed) ^ static_cast<std::uint64_t>(point)) ^ static_cast<std::uint64_t>(start));
  for (int d = 0; d < L; ++d) {
    const std::uint64_t slot_key = splitmix64(prefix ^ static_cast<std::uint64_t>(d));
    for (int a = 0; a < M; ++a) {
      const std::uint64_t bits = splitmix64(slot_key ^ static_cast<std::uint64_t>(a));
      // The top 53 bits as u ∈ [0, 1) on the grid 2^−53; 2u − 1 is exact, so the value lies in [−1, 1).
      const double u = static_cast<double>(bits >> 11) * 0x1.0p-53;
      w.attention[static_cast<std::size_t>(d) * static_cast<std::size_t>(M) + static_cast<std::size_t>(a)] = 2.0 * u - 1.0;
    }
  }
  return w;
}

}  // namespace attnmf::model
