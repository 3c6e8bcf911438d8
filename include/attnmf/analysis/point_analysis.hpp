#pragma once
// What one parameter point's recorded trajectory shows (docs/model.md §5): the samples a bifurcation
// diagram plots, the Poincaré section, the paper's counting classifier and the period of the orbit.
//
// PointAnalyzer is a pure, serial observer: the sweep feeds it the recorded steps (those after the
// transient) one at a time and asks for the result at the end. Its memory is bounded by the
// settings (samples, section_max, period_max), never by the number of recorded steps.

#include "attnmf/analysis/regime.hpp"
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace boost::serialization {
class access;
}

namespace attnmf::analysis {

// The defaults are those of the analysis.* keys (config::AnalysisConfig), which are the ones that
// count; tests/config checks that the two agree.
struct AnalysisSettings {
  // S: m^o_se of the last S recorded steps is kept, consecutive, so that a periodic orbit shows
  // every one of its points.
  long long samples = 20000;
  // The coordinate a bifurcation diagram plots and the counting classifier counts (paper: m^o_se,0).
  int plotted_feature = 0;
  // The Poincaré section is the plane m^o_se[section_feature] = 0 (paper: feature 1). Must be < M,
  // so a caller with M = 1 has to choose feature 0.
  int section_feature = 1;
  // The paper's section keeps the steps with |m^o_se[section_feature]| < section_tolerance
  // (docs/model.md §5: within 0.001 of 0).
  double section_tolerance = 1e-3;
  // At most this many section points, and as many crossings, are kept per point (the first ones);
  // section_total and crossings_total count all of them.
  long long section_max = 1000;
  // Longest period looked for.
  int period_max = 4096;
  // Max-norm tolerance for the recurrence of the attention window.
  double period_tolerance = 1e-9;
  // Width of the bins the counting classifier sorts m^o_se[plotted_feature] into.
  //
  // The authors (muxitox/Dynamical-MF-Self-Attention, plotting/plotting.py:
  // get_filtered_values_by_beta and plot_filtered_bifurcation_diagram_par_imshow; the later
  // bifurcation_diagrams.py: get_0_plane_filter_intersection) quantise a value y as
  // int(5001 · (y / y_max + 1) / 2), with y_max the largest |m^o_se| over every feature, every
  // stored step and every β of the whole sweep, count the distinct bins among the post-transient
  // steps of one β (np.unique), and call the point periodic below 80 distinct bins, quasi-periodic
  // below 2500 and chaotic otherwise. Their bins are thus 2·y_max/5001 wide and anchored at −y_max.
  //
  // y_max depends on the whole sweep, so a point's count would change with the range of its
  // neighbours (and could not be computed before the sweep ends, nor compared across sweeps). We
  // use the same bin width with y_max replaced by its a-priori bound 1 (every mean field lies in
  // [−1, 1]; over 2·10^5 steps at 61 β in [0, 3] from the checkpoint window, y_max ≈ 0.944, so our
  // bins are about 6% wider than theirs), and anchor the bins at 0: bin = floor(y / count_resolution).
  // Note that their counts are over 2·10^5 post-transient steps, ours over the S samples.
  double count_resolution = 2.0 / 5001.0;
};

struct PointAnalysis {
  int features = 0;  // M
  // m^o_se of the last min(S, observed) recorded steps, [rows][M], oldest first.
  std::vector<double> samples;
  // m^o_se at the recorded steps with |m^o_se[section_feature]| < section_tolerance, [kept][M].
  std::vector<double> section;
  long long section_total = 0;
  // m^o_se linearly interpolated to where m^o_se[section_feature] changes sign between two
  // consecutive recorded steps, [kept][M] (the section coordinate is exactly 0), and the direction
  // of each crossing: +1 upward, −1 downward.
  std::vector<double> crossings;
  std::vector<std::int8_t> crossing_direction;
  long long crossings_total = 0;
  // The paper's counting classifier on this point alone: the number of distinct bins of width
  // count_resolution that m^o_se[plotted_feature] visits among the samples.
  int distinct_values = 0;
  // Smallest p in 1..period_max with full-state recurrence (see PointAnalyzer), 0 if none.
  int period = 0;
  // Undetermined, fixed point or periodic: from the recurrence alone (quasi-periodic and chaotic
  // points are told apart by their Lyapunov exponents, elsewhere).
  Regime regime = Regime::undetermined;
};

// Period and regime.
//
// The state of the map is the context window (docs/model.md §2): the last L attention vectors and their
// positions. The period is the smallest p in 1..period_max such that, with t the last recorded step,
//   position_{t−i} = position_{t−i−p}  and  |A_{t−i} − A_{t−i−p}|_∞ ≤ period_tolerance
// for every i in [0, p + L): the window recurs after p steps, and so does the whole orbit segment
// between the two windows. A p for which fewer than 2p + L steps were recorded is not considered.
// The positions are checked, not assumed: they rotate with period L in the standard window, so in
// practice p is a multiple of the positional cycle.
//
// The positional code forces the semantic dynamics with period L, so the map has no true fixed
// points: a state at rest in the semantic variables still has an attention that follows the
// positional code and repeats after the positional cycle. Hence the regime: fixed point (0) when
// the period equals the positional recurrence time (the smallest p for which the position check
// alone passes; L for a standard rotating window), i.e. a fixed point of the map that advances one
// positional cycle; periodic (1) when it is longer; −1 when no period was found. At β = 0.5 in the
// paper's setting A_t repeats with period 4 = L, and the reference fixture calls that a fixed point.
class PointAnalyzer {
 public:
  // `recorded_steps` is the number of steps that observe() will be called for. Throws
  // std::invalid_argument naming every setting that is out of range, with its value.
  PointAnalyzer(int features, int context, long long recorded_steps, const AnalysisSettings& settings);

  // One recorded step, in order: m^o_se of the newest token and the attention A_t the step produced
  // (M values each, docs/model.md §3), and the position of the slot A_t becomes. Throws std::logic_error
  // when called more than `recorded_steps` times.
  void observe(const double* output_semantic, const double* attention, int position);
  // `count` recorded steps at once, as `count` calls of observe() would take them: step s's value of
  // feature a at output_semantic[s · step_stride + a · feature_stride] (and the same for attention),
  // its position at positions[s]. The sweep's engines record a block of lanes for many steps in one
  // array ([step][M][lanes]): each lane's analyzer reads its column, without a call per step.
  void observe_steps(const double* output_semantic, const double* attention, std::ptrdiff_t feature_stride,
                     std::ptrdiff_t step_stride, const int* positions, long long count);

  PointAnalysis finish() const;

  // A promise that observe() will be called for all `recorded_steps` before finish(): the analyzer
  // then skips writing what would be overwritten before it is read (finish() throws
  // std::logic_error if the promise is broken). Without it, finish() may come at any time.
  void promise_every_step() { every_step_ = true; }

  long long observed_steps() const { return observed_; }

 private:
  // The running state, so that a point stopped mid-trajectory continues with the same numbers
  // (sweep checkpoints). The settings are not part of it: a restored analyzer is constructed with
  // the same settings first.
  friend class boost::serialization::access;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& observed_& sample_ring_& attention_ring_& position_ring_& previous_output_semantic_& section_& crossings_&
        crossing_direction_& section_total_& crossings_total_;
    if constexpr (Archive::is_loading::value) {
      sample_cursor_ = settings_.samples > 0 ? observed_ % settings_.samples : 0;
      history_cursor_ = observed_ % history_capacity_;
    }
  }

  // One step's section and crossing: feature a of the step at now[a · now_stride], of the step
  // before at previous[a · previous_stride] (nullptr: none).
  void observe_section(const double* now, std::ptrdiff_t now_stride, const double* previous,
                       std::ptrdiff_t previous_stride);
  int count_distinct_values() const;
  // Returns {period, positional recurrence time}, 0 where none was found.
  std::pair<int, int> find_period() const;

  int features_, context_;
  long long recorded_steps_;
  AnalysisSettings settings_;
  long long observed_ = 0;

  // The last S rows of m^o_se, a ring written at observed_ % S.
  std::vector<double> sample_ring_;

  // The last history_capacity_ attention vectors and positions, a ring written at
  // observed_ % history_capacity_.
  long long history_capacity_ = 0;
  std::vector<double> attention_ring_;
  std::vector<int> position_ring_;

  // observed_ % S and observed_ % history_capacity_, kept up to date step by step (set from
  // observed_ when a saved state is loaded).
  long long sample_cursor_ = 0, history_cursor_ = 0;
  bool every_step_ = false;

  // The previous step's m^o_se, for the crossings.
  std::vector<double> previous_output_semantic_;

  std::vector<double> section_, crossings_;
  std::vector<std::int8_t> crossing_direction_;
  long long section_total_ = 0, crossings_total_ = 0;
};

}  // namespace attnmf::analysis
