#include "attnmf/analysis/attractors.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace attnmf::analysis {

namespace {

// One start's samples as rows of M values.
struct Rows {
  const double* data = nullptr;
  long long count = 0;
  int features = 0;
  const double* row(long long r) const { return data + r * features; }
};

// Whether the max-norm distance of two rows is within the tolerance; stops at the first feature beyond.
bool within_tolerance(const double* x, const double* y, int features, double tolerance) {
  for (int k = 0; k < features; ++k)
    if (!(std::abs(x[k] - y[k]) <= tolerance)) return false;
  return true;
}

// Periodic orbits. A record that holds at least p rows has one full period in its last p rows;
// phase k of a record is its row (rows − n + k), n = min(rows, p). Shift s pairs phase k of `a` with
// phase (k + s) mod p of `b`. With a full period in both, every phase is compared; with fewer rows,
// only the phases both records hold (always at least one pair at s = 0, so no shift is vacuous).
// A shift is abandoned at its first pair beyond the tolerance, so the cost is about p pairs for
// every shift that fails early plus n for the one that matches, not p².
bool same_periodic_orbit(const Rows& a, const Rows& b, int period, double tolerance) {
  const long long p = period;
  const long long na = std::min(a.count, p), nb = std::min(b.count, p);
  if (na == 0 || nb == 0) return false;
  const long long a0 = a.count - na, b0 = b.count - nb;
  for (long long s = 0; s < p; ++s) {
    // k + s lies in [0, na + p) ⊂ [0, 2p): phase (k + s) mod p < nb when k + s ∈ [0, nb) or [p, p + nb).
    const std::array<std::array<long long, 2>, 2> ranges = {{{0, std::min(na, nb - s)},
                                                             {std::max(0LL, p - s), std::min(na, p + nb - s)}}};
    bool compared = false, within = true;
    for (const auto& [first, last] : ranges) {
      for (long long k = first; k < last && within; ++k) {
        const long long j = (k + s) % p;
        within = within_tolerance(a.row(a0 + k), b.row(b0 + j), a.features, tolerance);
        compared = true;
      }
    }
    if (compared && within) return true;
  }
  return false;
}

// Aperiodic sets: which rows of one record lie within the tolerance of some row of another. Each
// record's rows are binned on a grid of cells of side `tolerance` over their first min(M, 3)
// coordinates; a row within the tolerance (max norm) of x lies in x's cell or one of its 3^d − 1
// neighbours, so a query looks at those cells only (the full M-feature distance is checked on the
// rows they hold): at most 27 look-ups per row instead of a pass over every row of the other.
// A cell index is floor(x / tolerance), so a pair at a distance within rounding of the tolerance
// itself may be missed, where the verdict is arbitrary anyway.
class CellGrid {
 public:
  CellGrid(const Rows& rows, double tolerance)
      : features_(rows.features), dims_(std::min(rows.features, kMaxDims)), tolerance_(tolerance) {
    // An open-addressed table from a key to its cell, cells numbered in the order of their first
    // row, then the rows copied cell by cell (in row order within a cell), each cell's rows
    // contiguous: a look-up reads one slot and one stretch of memory. Two passes, no sort: the
    // layout is the evidence's alone.
    const auto count = static_cast<std::size_t>(rows.count);
    // While the rows are binned the table is sized for one cell per row; then for the cells there are
    // (a few thousand for 2·10⁴ samples of a chaotic set), so that it stays in the cache.
    table_.assign(capacity_for(count), Slot{});
    std::vector<long long> cell_of_row(count);
    std::vector<long long> size;
    for (std::size_t r = 0; r < count; ++r) {
      const std::uint64_t key = key_of(rows.row(static_cast<long long>(r)));
      Slot& slot = table_[slot_of(key)];
      if (slot.key == kNone) {
        slot = Slot{key, static_cast<long long>(keys_.size())};
        keys_.push_back(key);
        size.push_back(0);
      }
      cell_of_row[r] = slot.cell;
      ++size[static_cast<std::size_t>(slot.cell)];
    }
    table_.assign(capacity_for(keys_.size()), Slot{});
    for (std::size_t u = 0; u < keys_.size(); ++u) table_[slot_of(keys_[u])] = Slot{keys_[u], static_cast<long long>(u)};
    begin_.assign(keys_.size() + 1, 0);
    for (std::size_t u = 0; u < keys_.size(); ++u) begin_[u + 1] = begin_[u] + size[u];
    std::vector<long long> next(begin_.begin(), begin_.end() - 1);
    sorted_.resize(count * static_cast<std::size_t>(features_));
    for (std::size_t r = 0; r < count; ++r) {
      const double* row = rows.row(static_cast<long long>(r));
      double* to = sorted_.data() + next[static_cast<std::size_t>(cell_of_row[r])]++ * features_;
      for (int k = 0; k < features_; ++k) to[k] = row[k];
    }
    // The key offsets of a cell's neighbours, the cell itself first (where the record is dense,
    // that is where a neighbour usually is).
    neighbour_offsets_.push_back(0);
    const int neighbours = dims_ == 1 ? 3 : dims_ == 2 ? 9 : 27;
    for (int n = 0; n < neighbours; ++n) {
      std::uint64_t offset = 0;
      for (int d = 0, rest = n; d < dims_; ++d, rest /= 3)
        offset += static_cast<std::uint64_t>(rest % 3 - 1) << (kFieldBits * (kMaxDims - 1 - d));  // mod 2^64: −1 subtracts
      if (offset != 0) neighbour_offsets_.push_back(offset);
    }
  }

  // Whether at least `fraction` of the rows of `a` (a grid of the same tolerance) lie within the
  // tolerance of a row of this one. Stops as soon as the answer is known either way. a's rows are
  // taken cell by cell, so that the look-ups of a cell's neighbours here are made once for all its
  // rows (and the rows they lead to stay in the cache: in time order, consecutive samples of a
  // chaotic orbit are far apart); the count, hence the verdict, does not depend on the order.
  bool covers(const CellGrid& a, double fraction) const {
    const auto rows = static_cast<long long>(a.sorted_.size()) / features_;
    const auto required = static_cast<long long>(std::ceil(fraction * static_cast<double>(rows)));
    const long long allowed_misses = rows - required;
    constexpr long long unknown = -2;
    std::array<long long, 27> neighbour{};  // the cells here of a's cell's neighbours, as they are looked up
    long long hits = 0, misses = 0;
    for (std::size_t u = 0; u < a.keys_.size(); ++u) {
      neighbour.fill(unknown);
      for (const double* x = a.first_row(u); x != a.end_row(u); x += features_) {
        bool hit = false;
        for (std::size_t n = 0; n < neighbour_offsets_.size() && !hit; ++n) {
          if (neighbour[n] == unknown) neighbour[n] = table_[slot_of(a.keys_[u] + neighbour_offsets_[n])].cell;
          if (neighbour[n] < 0) continue;
          const auto v = static_cast<std::size_t>(neighbour[n]);
          for (const double* y = first_row(v); y != end_row(v) && !hit; y += features_)
            hit = within_tolerance(x, y, features_, tolerance_);
        }
        if (hit) {
          if (++hits >= required) return true;
        } else if (++misses > allowed_misses) {
          return false;
        }
      }
    }
    return hits >= required;
  }

 private:
  static constexpr int kMaxDims = 3;
  static constexpr std::uint64_t kNone = ~std::uint64_t{0};

  // A cell's key packs its d indices, each clamped to ±2^19 and offset by 2^20, into fields of 21
  // bits (unused dimensions hold 2^20): keys order cells lexicographically, and a neighbour's key
  // (index ± 1) is the key plus an offset, never carried into the next field. The clamp merges the
  // cells beyond ±2^19 tolerances from 0 into the outermost ones, which costs look-ups, not
  // correctness (clamping never separates indices that differ by at most 1); for m^o_se in [−1, 1]
  // it takes a tolerance below 2·10⁻⁶ to reach it.
  static constexpr int kFieldBits = 21;
  static constexpr double kIndexLimit = 524288.0;  // 2^19
  static constexpr std::uint64_t kIndexOffset = std::uint64_t{1} << 20;

  std::uint64_t key_of(const double* x) const {
    std::uint64_t key = 0;
    for (int d = 0; d < kMaxDims; ++d) {
      const double index = d < dims_ ? std::clamp(std::floor(x[d] / tolerance_), -kIndexLimit, kIndexLimit) : 0.0;
      key = (key << kFieldBits) | (static_cast<std::uint64_t>(static_cast<std::int64_t>(index)) + kIndexOffset);
    }
    return key;
  }

  // splitmix64's finaliser: neighbouring cells, whose keys differ in low bits of a field, land in
  // unrelated slots.
  static std::size_t hash(std::uint64_t h) {
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<std::size_t>(h ^ (h >> 31));
  }

  // At most half the slots are ever taken, so every probe sequence ends at an empty slot.
  static std::size_t capacity_for(std::size_t cells) {
    std::size_t capacity = 16;
    while (capacity < 2 * cells) capacity *= 2;
    return capacity;
  }
  // The slot that holds `key`, or the empty one where it would go (linear probing).
  std::size_t slot_of(std::uint64_t key) const {
    const std::size_t mask = table_.size() - 1;
    std::size_t slot = hash(key) & mask;
    while (table_[slot].key != kNone && table_[slot].key != key) slot = (slot + 1) & mask;
    return slot;
  }

  // Cell u's rows.
  const double* first_row(std::size_t u) const { return sorted_.data() + begin_[u] * features_; }
  const double* end_row(std::size_t u) const { return sorted_.data() + begin_[u + 1] * features_; }

  struct Slot {
    std::uint64_t key = kNone;  // kNone: an empty slot (no cell's key has its top bit set)
    long long cell = -1;        // −1 in an empty slot
  };

  int features_, dims_;
  double tolerance_;  // the side of a cell
  std::vector<double> sorted_;         // the rows, [rows][M], cell by cell
  std::vector<std::uint64_t> keys_;    // the occupied cells' keys, in the order of their first row
  std::vector<long long> begin_;       // cell u's rows are begin_[u] … begin_[u + 1] − 1 of sorted_
  std::vector<Slot> table_;            // open addressing: key → cell
  std::vector<std::uint64_t> neighbour_offsets_;
};

void check_settings(const GroupingSettings& s) {
  std::string problems;
  if (!(std::isfinite(s.periodic_tolerance) && s.periodic_tolerance >= 0))
    problems += " periodic_tolerance = " + std::to_string(s.periodic_tolerance) + " (must be finite and >= 0);";
  if (!(std::isfinite(s.aperiodic_tolerance) && s.aperiodic_tolerance > 0))
    problems += " aperiodic_tolerance = " + std::to_string(s.aperiodic_tolerance) + " (must be finite and > 0);";
  if (!(s.cover_fraction >= 0 && s.cover_fraction <= 1))
    problems += " cover_fraction = " + std::to_string(s.cover_fraction) + " (must be in [0, 1]);";
  if (!problems.empty()) throw std::invalid_argument("group_attractors: invalid settings:" + problems);
}

}  // namespace

std::vector<int> group_attractors(std::span<const StartEvidence> starts, const GroupingSettings& settings) {
  check_settings(settings);
  const auto n = starts.size();
  std::vector<Rows> rows(n);
  int features = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const StartEvidence& e = starts[i];
    if (!e.usable) continue;
    const std::string who = "group_attractors: start " + std::to_string(i);
    if (e.features < 1) throw std::invalid_argument(who + " has features = " + std::to_string(e.features) + " (must be >= 1)");
    if (e.samples.size() % static_cast<std::size_t>(e.features) != 0)
      throw std::invalid_argument(who + ": " + std::to_string(e.samples.size()) + " sample values are not a whole number of rows of " +
                                  std::to_string(e.features));
    if (features == 0) features = e.features;
    if (e.features != features)
      throw std::invalid_argument(who + " has features = " + std::to_string(e.features) + ", an earlier start " + std::to_string(features));
    if (e.period < 0) throw std::invalid_argument(who + " has period = " + std::to_string(e.period) + " (must be >= 0)");
    // The cell index of a NaN is undefined, and a non-finite sample means the start did not reach
    // an attractor: the caller should have called it unusable.
    for (double x : e.samples)
      if (!std::isfinite(x)) throw std::invalid_argument(who + " has a non-finite sample");
    rows[i] = Rows{e.samples.data(), static_cast<long long>(e.samples.size()) / e.features, e.features};
  }

  // Grids are built once per start, when an aperiodic comparison first needs one.
  std::vector<std::optional<CellGrid>> grids(n);
  const auto grid = [&](std::size_t i) -> const CellGrid& {
    if (!grids[i]) grids[i].emplace(rows[i], settings.aperiodic_tolerance);
    return *grids[i];
  };
  const auto same_attractor = [&](std::size_t a, std::size_t b) {
    const StartEvidence& x = starts[a];
    const StartEvidence& y = starts[b];
    // A start without samples shows nothing it could share.
    if (rows[a].count == 0 || rows[b].count == 0) return false;
    if ((x.period > 0) != (y.period > 0)) return false;
    if (x.period > 0) return x.period == y.period && same_periodic_orbit(rows[a], rows[b], x.period, settings.periodic_tolerance);
    if (x.regime != y.regime) return false;
    return grid(b).covers(grid(a), settings.cover_fraction) && grid(a).covers(grid(b), settings.cover_fraction);
  };

  std::vector<int> labels(n, -1);
  std::vector<std::size_t> representatives;  // the first start of attractor 0, 1, …
  for (std::size_t i = 0; i < n; ++i) {
    if (!starts[i].usable) continue;
    for (std::size_t label = 0; label < representatives.size() && labels[i] < 0; ++label)
      if (same_attractor(i, representatives[label])) labels[i] = static_cast<int>(label);
    if (labels[i] < 0) {
      labels[i] = static_cast<int>(representatives.size());
      representatives.push_back(i);
    }
  }
  return labels;
}

}  // namespace attnmf::analysis
