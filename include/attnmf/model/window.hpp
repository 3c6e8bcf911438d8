#pragma once
// The state of the map: the context window of attention values and positions (docs/model.md §2–§3).

#include <filesystem>
#include <span>
#include <vector>

namespace attnmf::model {

class MeanFieldMap;

// A window as users and files see it: L attention vectors and L positions, newest first.
// `history` is how many slots after the newest hold a token already (L − 1 in a full window; fewer
// early in a trajectory started from a token, whose window grows).
struct Window {
  int features = 0;
  int context = 0;
  int history = 0;
  std::vector<double> attention;  // [L][M], newest first
  std::vector<int> positions;     // [L], newest first

  const double* slot(int d) const { return attention.data() + static_cast<std::size_t>(d) * features; }
};

// Reads a window file in the format of jobs/paper_checkpoint_window.txt: `att` rows then `pe` rows,
// newest first, `#` comments. Throws std::runtime_error naming the file and line on any problem,
// including a shape that does not fit the map (M values per att row, P per pe row, L rows each).
Window read_window_file(const std::filesystem::path& path, const MeanFieldMap& map);
void write_window_file(const std::filesystem::path& path, const Window& window, const MeanFieldMap& map);

// The window a trajectory started from a token begins with (docs/model.md §3): the token's mean
// fields give the first attention over a one-slot window (the softmax over one slot is exactly 1,
// so that attention is its value mean field), and the window then grows by one slot per step
// (history 0). The positional window starts full, the newest slot at position 0, then L−1, …, 1.
// Every slot holds that first attention, although only the newest takes part: this is what
// reproduces the authors' trajectories. Throws std::invalid_argument for a token of the wrong length.
Window token_window(const MeanFieldMap& map, std::span<const int> token);

// The window of an extra start of a grid point (init.starts > 1, docs/attractors.md): the shape and
// positions of `base` (the configured start), full (history L − 1: every slot holds a token, so every
// drawn value takes part), with every attention value drawn independently and uniformly from
// [−1, 1) — the range of an attention, a convex combination of value mean fields in [−1, 1] — by a
// counter-based generator of (seed, point, start, slot, feature) alone: the same window on every
// rank, thread and run, whatever else is drawn. The value of slot d, feature a is
//   h = g(g(g(g(g(seed) ^ point) ^ start) ^ d) ^ a),   u = (h >> 11) · 2^−53,   A[d][a] = 2u − 1,
// with g(x) = splitmix64's output for state x (x + 0x9e3779b97f4a7c15 through its finaliser:
// z ^= z >> 30, z *= 0xbf58476d1ce4e5b9, z ^= z >> 27, z *= 0x94d049bb133111eb, z ^= z >> 31), all
// arithmetic modulo 2^64 and point, start, d, a converted to 64 bits two's complement. Throws
// std::invalid_argument when `base` does not hold L·M attention values and L positions.
Window random_window(const Window& base, unsigned long long seed, long long point, int start);

}  // namespace attnmf::model
