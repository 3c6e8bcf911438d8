#include "attnmf/analysis/point_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>

namespace attnmf::analysis {

namespace {

// The section's counts, kCountLanes steps at a time.
constexpr int kCountLanes = 2;
using Values = double __attribute__((vector_size(kCountLanes * sizeof(double))));

std::size_t index(long long row, int features, int column = 0) {
  return static_cast<std::size_t>(row) * static_cast<std::size_t>(features) + static_cast<std::size_t>(column);
}

// Validates everything and reports all problems at once, each naming the setting and its value.
void validate(int features, int context, long long recorded_steps, const AnalysisSettings& s) {
  std::vector<std::string> problems;
  auto complain = [&](const char* name, auto value, const std::string& allowed) {
    std::ostringstream message;
    message << name << " = " << value << ": " << allowed;
    problems.push_back(message.str());
  };
  auto positive_finite = [&](const char* name, double value) {
    if (!(value > 0.0) || !std::isfinite(value)) complain(name, value, "must be a finite number > 0");
  };
  if (features < 1) complain("features (M)", features, "must be >= 1");
  if (context < 1) complain("context (L)", context, "must be >= 1");
  if (recorded_steps < 0) complain("recorded_steps", recorded_steps, "must be >= 0");
  if (s.samples < 0 || s.samples > std::max(recorded_steps, 0LL))
    complain("samples", s.samples, "must be in [0, recorded_steps = " + std::to_string(recorded_steps) + "]");
  if (features >= 1) {
    const std::string range = "must be in [0, M) = [0, " + std::to_string(features) + ")";
    if (s.plotted_feature < 0 || s.plotted_feature >= features) complain("plotted_feature", s.plotted_feature, range);
    if (s.section_feature < 0 || s.section_feature >= features) complain("section_feature", s.section_feature, range);
  }
  positive_finite("section_tolerance", s.section_tolerance);
  positive_finite("period_tolerance", s.period_tolerance);
  positive_finite("count_resolution", s.count_resolution);
  if (s.section_max < 0) complain("section_max", s.section_max, "must be >= 0");
  if (s.period_max < 1) complain("period_max", s.period_max, "must be >= 1");
  if (problems.empty()) return;
  std::string message = "PointAnalyzer: invalid analysis settings:";
  for (const auto& p : problems) message += "\n  " + p;
  throw std::invalid_argument(message);
}

}  // namespace

PointAnalyzer::PointAnalyzer(int features, int context, long long recorded_steps, const AnalysisSettings& settings)
    : features_(features), context_(context), recorded_steps_(recorded_steps), settings_(settings) {
  validate(features, context, recorded_steps, settings);
  sample_ring_.resize(index(settings_.samples, features_));
  // Testing a period p compares 2p + L consecutive steps, so 2·period_max + L are enough; a point
  // never records more than recorded_steps.
  history_capacity_ = std::min(2LL * settings_.period_max + context_, std::max(recorded_steps_, 1LL));
  attention_ring_.resize(index(history_capacity_, features_));
  position_ring_.resize(static_cast<std::size_t>(history_capacity_));
  previous_output_semantic_.resize(static_cast<std::size_t>(features_));
}

// docs/model.md §5, the paper's Poincaré section (the steps close to the plane), and the crossings of
// the plane between consecutive steps, which a section of a discrete map would otherwise only catch
// by chance. Feature a of the step is now_row[a · fs], of the step before previous[a · previous_stride]
// (none before the first recorded step: previous = nullptr).
void PointAnalyzer::observe_section(const double* now_row, std::ptrdiff_t fs, const double* previous,
                                    std::ptrdiff_t previous_stride) {
  const int f = settings_.section_feature;
  const double now = now_row[f * fs];
  if (std::abs(now) < settings_.section_tolerance) {
    if (section_total_ < settings_.section_max)
      for (int a = 0; a < features_; ++a) section_.push_back(now_row[a * fs]);
    ++section_total_;
  }
  if (previous == nullptr) return;
  const double before = previous[f * previous_stride];
  // A step landing exactly on the plane is a crossing; the step leaving it is not counted again.
  const bool crossed = before * now < 0.0 || (now == 0.0 && before != 0.0);
  if (!crossed) return;
  if (crossings_total_ < settings_.section_max) {
    const double fraction = before / (before - now);
    for (int a = 0; a < features_; ++a) {
      const double x0 = previous[a * previous_stride];
      crossings_.push_back(a == f ? 0.0 : x0 + fraction * (now_row[a * fs] - x0));
    }
    crossing_direction_.push_back(now > before ? std::int8_t{1} : std::int8_t{-1});
  }
  ++crossings_total_;
}

void PointAnalyzer::observe(const double* output_semantic, const double* attention, int position) {
  observe_steps(output_semantic, attention, 1, 0, &position, 1);
}

void PointAnalyzer::observe_steps(const double* output_semantic, const double* attention, std::ptrdiff_t feature_stride,
                                  std::ptrdiff_t step_stride, const int* positions, long long count) {
  if (count <= 0) return;
  if (observed_ + count > recorded_steps_)
    throw std::logic_error("PointAnalyzer::observe: called more often than recorded_steps = " +
                           std::to_string(recorded_steps_));
  // This runs for every recorded step of every point, so each part goes through the block on its
  // own, with what does not change from step to step decided once.
  const int m = features_;
  const auto fs = feature_stride;
  // With every recorded step promised, a step that a later one overwrites in a ring is not written:
  // with S = 2·10^4 of 2·10^5 recorded steps that spares a sweep's 16 points at a time from
  // streaming through megabytes of rings. Of this block, the steps from first_kept(capacity) on
  // are the last `capacity` recorded steps, or all of them without the promise.
  auto first_kept = [&](long long capacity) {
    return every_step_ ? std::clamp(recorded_steps_ - capacity - observed_, 0LL, count) : 0LL;
  };
  // The ring cursors follow observed_ without a division per step.
  if (settings_.samples > 0) {
    const long long first = first_kept(settings_.samples);
    sample_cursor_ = (sample_cursor_ + first) % settings_.samples;
    for (long long s = first; s < count; ++s) {
      const double* semantic = output_semantic + s * step_stride;
      double* row = sample_ring_.data() + index(sample_cursor_, features_);
      for (int a = 0; a < m; ++a) row[a] = semantic[a * fs];
      if (++sample_cursor_ == settings_.samples) sample_cursor_ = 0;
    }
  }
  {
    const long long first = first_kept(history_capacity_);
    history_cursor_ = (history_cursor_ + first) % history_capacity_;
    for (long long s = first; s < count; ++s) {
      const double* attended = attention + s * step_stride;
      double* slot = attention_ring_.data() + index(history_cursor_, features_);
      for (int a = 0; a < m; ++a) slot[a] = attended[a * fs];
      position_ring_[static_cast<std::size_t>(history_cursor_)] = positions[s];
      if (++history_cursor_ == history_capacity_) history_cursor_ = 0;
    }
  }

  // The section and the crossings; the step before the block's first is the one kept from the last
  // call. Most steps are neither close to the plane nor across it from the step before, and once
  // section_max of either are kept the others are only counted. So the steps are taken kChunk at a
  // time: the section coordinate copied out, and the steps near the plane and the crossings
  // counted in vectors; only a chunk with one to keep goes step by step.
  observe_section(output_semantic, fs, observed_ > 0 ? previous_output_semantic_.data() : nullptr, 1);
  const int f = settings_.section_feature;
  const double tolerance = settings_.section_tolerance;
  constexpr long long kChunk = 64;
  const Values one = {1.0, 1.0}, zero = {};
  double coordinate[kChunk + 1];  // of the chunk's steps and, first, of the step before
  coordinate[kChunk] = output_semantic[f * fs];
  for (long long first = 1; first < count; first += kChunk) {
    const long long steps = std::min(kChunk, count - first);
    coordinate[0] = coordinate[kChunk];
    for (long long s = 0; s < steps; ++s) coordinate[s + 1] = output_semantic[(first + s) * step_stride + f * fs];
    coordinate[kChunk] = coordinate[steps];
    // Two steps at a time in GCC's vector extensions, one SSE2 register: each lane adds 1.0 (exact
    // up to 2^53) where its comparisons hold, a selection the baseline makes with masks (adding up
    // the masks as 64-bit integers instead, GCC goes through them lane by lane). |x| < tolerance as
    // −tolerance < x < tolerance, the same for every x.
    Values near_lanes = {}, crossed_lanes = {};
    long long s = 1;
    for (; s + kCountLanes <= steps + 1; s += kCountLanes) {
      Values before, now;
      std::memcpy(&before, coordinate + s - 1, sizeof before);
      std::memcpy(&now, coordinate + s, sizeof now);
      near_lanes += now < tolerance ? (now > -tolerance ? one : zero) : zero;
      // As observe_section has it. (A step exactly on the plane is within the tolerance, > 0.)
      crossed_lanes += before * now < 0.0 ? one : (now == 0.0 ? (before != 0.0 ? one : zero) : zero);
    }
    long long near = 0, crossed = 0;
    for (int lane = 0; lane < kCountLanes; ++lane) {
      near += static_cast<long long>(near_lanes[lane]);
      crossed += static_cast<long long>(crossed_lanes[lane]);
    }
    for (; s <= steps; ++s) {
      const double before = coordinate[s - 1], now = coordinate[s];
      near += std::abs(now) < tolerance;
      crossed += (before * now < 0.0) || (now == 0.0 && before != 0.0);
    }
    if ((near > 0 && section_total_ < settings_.section_max) || (crossed > 0 && crossings_total_ < settings_.section_max)) {
      for (long long t = 1; t <= steps; ++t) {
        // The steps that are near the plane or cross it (exactly on it is near).
        if (!(std::abs(coordinate[t]) < tolerance) && !(coordinate[t - 1] * coordinate[t] < 0.0)) continue;
        const double* semantic = output_semantic + (first + t - 1) * step_stride;
        observe_section(semantic, fs, semantic - step_stride, fs);
      }
    } else {
      section_total_ += near;
      crossings_total_ += crossed;
    }
  }
  observed_ += count;

  const double* last = output_semantic + (count - 1) * step_stride;
  for (int a = 0; a < m; ++a) previous_output_semantic_[static_cast<std::size_t>(a)] = last[a * fs];
}

int PointAnalyzer::count_distinct_values() const {
  const long long rows = std::min(observed_, settings_.samples);
  std::vector<double> bins(static_cast<std::size_t>(rows));
  for (long long r = 0; r < rows; ++r)
    bins[static_cast<std::size_t>(r)] =
        std::floor(sample_ring_[index(r, features_, settings_.plotted_feature)] / settings_.count_resolution);
  // The lowest and highest bins, in four running extremes of every fourth bin (one would wait on
  // the comparison before at every bin). They are never NaN, and whichever of −0 and +0 comes out
  // does not change the count below.
  bool any_nan = false;
  double lowest_of[4] = {INFINITY, INFINITY, INFINITY, INFINITY}, highest_of[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
  for (std::size_t r = 0; r < bins.size(); ++r) {
    const double bin = bins[r];
    double& lowest = lowest_of[r % 4];
    double& highest = highest_of[r % 4];
    any_nan |= std::isnan(bin);
    lowest = bin < lowest ? bin : lowest;  // false for a NaN
    highest = bin > highest ? bin : highest;
  }
  double lowest = lowest_of[0], highest = highest_of[0];
  for (int k = 1; k < 4; ++k) {
    lowest = lowest_of[k] < lowest ? lowest_of[k] : lowest;
    highest = highest_of[k] > highest ? highest_of[k] : highest;
  }
  // The bins are integers held as doubles, so that a value that overflows an integer (or is not a
  // number) is still counted once rather than being undefined behaviour; all NaNs are one bin.
  //
  // Bins that span fewer than 16 per sample (at the default count_resolution at most 5002: every
  // mean field lies in [−1, 1]) are marked in a table indexed by bin − lowest, in a tenth of the time
  // of sorting them. The index is exact: the computed span is below the bound only if the true one
  // is (rounding is monotonic), and an integer below 2^53 is a double, so the subtraction does not
  // round and distinct bins get distinct indices (−0 and +0, equal, get one).
  if (std::isfinite(lowest) && std::isfinite(highest) && highest - lowest < 16.0 * static_cast<double>(rows)) {
    std::vector<unsigned char> seen(static_cast<std::size_t>(highest - lowest) + 1);
    for (double bin : bins)
      if (!std::isnan(bin)) seen[static_cast<std::size_t>(bin - lowest)] = 1;
    return static_cast<int>(std::count(seen.begin(), seen.end(), 1)) + (any_nan ? 1 : 0);
  }
  // Otherwise (infinities among them, or a span too wide for a table) they are sorted; NaNs sort last.
  auto less = [](double a, double b) { return std::isnan(b) ? !std::isnan(a) : a < b; };
  auto same = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
  std::sort(bins.begin(), bins.end(), less);
  return static_cast<int>(std::unique(bins.begin(), bins.end(), same) - bins.begin());
}

std::pair<int, int> PointAnalyzer::find_period() const {
  const long long available = std::min(observed_, history_capacity_);
  // The slot of the step `steps_back` before the newest; fewer than history_capacity_ back (the
  // checks below look at most `available` steps back), so one wrap round at most.
  const long long newest = observed_ > 0 ? (observed_ - 1) % history_capacity_ : 0;
  auto slot = [&](long long steps_back) {
    const long long at = newest - steps_back;
    return static_cast<std::size_t>(at < 0 ? at + history_capacity_ : at);
  };
  // Both checks stop at the first mismatch. The attention is checked first: off a periodic orbit
  // it fails at once, whereas the positions pass for every multiple of the positional cycle.
  auto attention_recurs = [&](int p) {
    for (long long i = 0; i < p + context_; ++i) {
      const double* now = attention_ring_.data() + slot(i) * static_cast<std::size_t>(features_);
      const double* before = attention_ring_.data() + slot(i + p) * static_cast<std::size_t>(features_);
      for (int a = 0; a < features_; ++a)
        if (!(std::abs(now[a] - before[a]) <= settings_.period_tolerance)) return false;  // a NaN fails too
    }
    return true;
  };
  auto positions_recur = [&](int p) {
    for (long long i = 0; i < p + context_; ++i)
      if (position_ring_[slot(i)] != position_ring_[slot(i + p)]) return false;
    return true;
  };
  const int longest = static_cast<int>(std::min<long long>(settings_.period_max, (available - context_) / 2));
  int positional_recurrence = 0;
  for (int p = 1; p <= longest && positional_recurrence == 0; ++p)
    if (positions_recur(p)) positional_recurrence = p;
  for (int p = 1; p <= longest; ++p)
    if (attention_recurs(p) && positions_recur(p)) return {p, positional_recurrence};
  return {0, positional_recurrence};
}

PointAnalysis PointAnalyzer::finish() const {
  if (every_step_ && observed_ != recorded_steps_)
    throw std::logic_error("PointAnalyzer::finish: " + std::to_string(observed_) + " of the " +
                           std::to_string(recorded_steps_) + " promised steps observed");
  PointAnalysis result;
  result.features = features_;

  const long long rows = std::min(observed_, settings_.samples);
  // The oldest kept row sits where the next one would be written once the ring is full: the rows
  // from there to the ring's end, then those from its start.
  const long long oldest = rows > 0 && observed_ > settings_.samples ? observed_ % settings_.samples : 0;
  const long long to_end = std::min(rows, settings_.samples - oldest);
  auto ring_at = [&](long long row) { return sample_ring_.begin() + static_cast<std::ptrdiff_t>(index(row, features_)); };
  result.samples.reserve(index(rows, features_));
  result.samples.insert(result.samples.end(), ring_at(oldest), ring_at(oldest + to_end));
  result.samples.insert(result.samples.end(), ring_at(0), ring_at(rows - to_end));

  result.section = section_;
  result.section_total = section_total_;
  result.crossings = crossings_;
  result.crossing_direction = crossing_direction_;
  result.crossings_total = crossings_total_;
  result.distinct_values = count_distinct_values();

  const auto [period, positional_recurrence] = find_period();
  result.period = period;
  if (period > 0) result.regime = period == positional_recurrence ? Regime::fixed_point : Regime::periodic;
  return result;
}

}  // namespace attnmf::analysis
