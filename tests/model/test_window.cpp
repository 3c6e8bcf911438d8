// random_window: the construction its header documents, recomputed here from splitmix64's published
// first output; shape, positions and history taken from the base; a pure function of
// (seed, point, start); values uniform on [−1, 1).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "attnmf/model/window.hpp"

namespace {

using attnmf::model::random_window;
using attnmf::model::Window;

// A window as a trajectory started from a token holds it early on: history 0, rotating positions.
Window base_window(int features = 3, int context = 4) {
  Window w;
  w.features = features;
  w.context = context;
  w.history = 0;
  for (int d = 0; d < context; ++d) {
    for (int a = 0; a < features; ++a) w.attention.push_back(0.25 * a - 0.1 * d);
    w.positions.push_back((context - d) % context);
  }
  return w;
}

// splitmix64 as Vigna's reference code has it: the state advanced by the golden gamma, then mixed.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The value of slot d, feature a, by the formula of window.hpp.
double documented_value(std::uint64_t seed, long long point, int start, int d, int a) {
  const std::uint64_t h =
      splitmix64(splitmix64(splitmix64(splitmix64(splitmix64(seed) ^ static_cast<std::uint64_t>(point)) ^ static_cast<std::uint64_t>(start)) ^
                            static_cast<std::uint64_t>(d)) ^
                 static_cast<std::uint64_t>(a));
  return 2.0 * (static_cast<double>(h >> 11) * 0x1.0p-53) - 1.0;
}

TEST(RandomWindow, IsTheDocumentedSplitmixConstruction) {
  // The published first output of splitmix64 from state 0 pins the generator itself.
  EXPECT_EQ(splitmix64(0), 0xe220a8397b1dcdafULL);
  const std::vector<std::tuple<std::uint64_t, long long, int>> cases = {{1, 0, 1}, {0, 0, 0}, {42, 4000, 15}, {~0ULL, -1, -1}};
  for (const auto& [seed, point, start] : cases) {
    const Window w = random_window(base_window(), seed, point, start);
    for (int d = 0; d < w.context; ++d)
      for (int a = 0; a < w.features; ++a)
        EXPECT_EQ(w.slot(d)[a], documented_value(seed, point, start, d, a)) << "seed " << seed << " point " << point << " start " << start;
  }
}

TEST(RandomWindow, KeepsTheShapeAndPositionsOfTheBaseAndIsFull) {
  for (const auto& [m, l] : std::vector<std::pair<int, int>>{{3, 4}, {1, 1}, {16, 8}}) {
    const Window base = base_window(m, l);
    const Window w = random_window(base, 7, 3, 2);
    EXPECT_EQ(w.features, m);
    EXPECT_EQ(w.context, l);
    EXPECT_EQ(w.history, l - 1);
    EXPECT_EQ(w.positions, base.positions);
    ASSERT_EQ(w.attention.size(), base.attention.size());
    EXPECT_NE(w.attention, base.attention);
  }
  Window odd = base_window();
  odd.positions = {3, 1, 0, 2};
  EXPECT_EQ(random_window(odd, 1, 0, 1).positions, odd.positions);
}

TEST(RandomWindow, IsAPureFunctionOfSeedPointAndStart) {
  const Window base = base_window();
  const Window w = random_window(base, 1, 10, 2);
  EXPECT_EQ(random_window(base, 1, 10, 2).attention, w.attention);
  // The base's attention values do not enter: only its shape and positions.
  Window other_values = base;
  for (double& x : other_values.attention) x = 0.5;
  EXPECT_EQ(random_window(other_values, 1, 10, 2).attention, w.attention);
  // Any one of seed, point and start changed changes every value.
  for (const Window& changed : {random_window(base, 2, 10, 2), random_window(base, 1, 11, 2), random_window(base, 1, 10, 3),
                                random_window(base, 1, 10, 0)})
    for (std::size_t i = 0; i < w.attention.size(); ++i) EXPECT_NE(changed.attention[i], w.attention[i]) << i;
  // Nor do two slots or two features of one window repeat a value.
  for (std::size_t i = 0; i < w.attention.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) EXPECT_NE(w.attention[i], w.attention[j]);
}

TEST(RandomWindow, ValuesAreUniformOnMinusOneToOne) {
  // 3000 windows of 4 × 3 values: 36000 draws. The mean of U[−1, 1) is 0 with a standard error of
  // √(1/3 / 36000) = 0.003, its variance 1/3 with a standard error of √(4/45 / 36000) = 0.0016; ten
  // bins of width 0.2 hold 3600 each, ± 57.
  const Window base = base_window();
  std::vector<double> values;
  for (long long point = 0; point < 1000; ++point)
    for (int start = 1; start <= 3; ++start) {
      const Window w = random_window(base, 1, point, start);
      values.insert(values.end(), w.attention.begin(), w.attention.end());
    }
  double mean = 0.0, square = 0.0;
  std::vector<int> bins(10, 0);
  for (double x : values) {
    ASSERT_GE(x, -1.0);
    ASSERT_LT(x, 1.0);
    mean += x;
    square += x * x;
    ++bins[static_cast<std::size_t>((x + 1.0) / 0.2)];
  }
  const auto n = static_cast<double>(values.size());
  mean /= n;
  EXPECT_NEAR(mean, 0.0, 0.015);
  EXPECT_NEAR(square / n - mean * mean, 1.0 / 3.0, 0.008);
  for (int count : bins) EXPECT_NEAR(count, 3600, 300);
  // Neighbouring draws are uncorrelated: successive values, and the same value of successive starts.
  double lag = 0.0;
  for (std::size_t i = 1; i < values.size(); ++i) lag += values[i] * values[i - 1];
  EXPECT_NEAR(lag / (n - 1) / (1.0 / 3.0), 0.0, 0.03);
  double across = 0.0;
  for (std::size_t i = 12; i < values.size(); ++i) across += values[i] * values[i - 12];
  EXPECT_NEAR(across / (n - 12) / (1.0 / 3.0), 0.0, 0.03);
}

TEST(RandomWindow, RefusesAMalformedBase) {
  Window short_attention = base_window();
  short_attention.attention.pop_back();
  EXPECT_THROW(random_window(short_attention, 1, 0, 1), std::invalid_argument);
  Window short_positions = base_window();
  short_positions.positions.pop_back();
  EXPECT_THROW(random_window(short_positions, 1, 0, 1), std::invalid_argument);
  EXPECT_THROW(random_window(Window{}, 1, 0, 1), std::invalid_argument);
}

}  // namespace
