#include "attnmf/sweep/pipeline.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

#include "attnmf/analysis/classification.hpp"
#include "attnmf/dynamics/floquet.hpp"
#include "attnmf/records/serialization.hpp"

namespace attnmf::sweep {
namespace {

using Clock = std::chrono::steady_clock;
using records::Outcome;
using records::PartialPoint;
using records::PointResult;
using records::PointStatus;

// How many steps to make between two looks at the stop request and the progress callback: about
// ten looks a second whatever a step costs, from tens of nanoseconds per point for a block of the
// paper's M = 3 to milliseconds at M = 16. Only when the looks happen depends on the speed, never
// what is computed.
class Pacer {
 public:
  long long steps() const { return steps_; }
  void measured(long long steps, Clock::duration took) {
    const double seconds = std::chrono::duration<double>(took).count();
    const double per_step = seconds / static_cast<double>(std::max(steps, 1LL));
    const double wanted = per_step > 0 ? 0.1 / per_step : static_cast<double>(most);
    steps_ = static_cast<long long>(std::clamp(wanted, 1.0, static_cast<double>(most)));
  }

 private:
  static constexpr long long most = 1 << 18;
  long long steps_ = 64;
};

// −∞ is a legitimate exponent: where the mean fields do not depend on the window (β = 0) the tangent
// map is nilpotent and every tangent vector vanishes after L steps. NaN or +∞ is a failure.
void check_exponents(const std::vector<double>& exponents) {
  for (double exponent : exponents)
    if (std::isnan(exponent) || exponent == std::numeric_limits<double>::infinity())
      throw std::runtime_error("a Lyapunov exponent is NaN or +infinity");
}

// The top k of a Floquet spectrum when it can stand for the point's exponents: computed, its
// invariant subspaces confirmed, none NaN or +∞, and the window back within ten times the
// recurrence tolerance after the period (it lay on the orbit the recurrence test found).
std::optional<std::vector<double>> floquet_exponents(const dynamics::FloquetSpectrum& spectrum, std::size_t k,
                                                     double period_tolerance) {
  if (spectrum.exponents.size() < k || !spectrum.converged || !(spectrum.closure <= 10.0 * period_tolerance))
    return std::nullopt;
  std::vector<double> top(spectrum.exponents.begin(), spectrum.exponents.begin() + static_cast<std::ptrdiff_t>(k));
  for (double exponent : top)
    if (std::isnan(exponent) || exponent == std::numeric_limits<double>::infinity()) return std::nullopt;
  return top;
}

// A point's result from its analysis and exponents: the verdict of docs/model.md §5, the final window.
// `estimate` is the running estimate over the recorded steps; `floquet`, for an orbit that recurred,
// its Floquet spectrum (exact where the estimate still averages in the end of a transient), which
// replaces the estimate in `lyapunov` and in the verdict when it is usable (floquet_exponents).
void conclude(PointResult& result, analysis::PointAnalysis found, std::vector<double> estimate,
              const dynamics::FloquetSpectrum* floquet, model::Window window, long long recorded_steps,
              double period_tolerance) {
  check_exponents(estimate);
  result.analysis = std::move(found);
  result.period = result.analysis.period;
  result.lyapunov_estimate = std::move(estimate);
  result.lyapunov = result.lyapunov_estimate;
  result.lyapunov_source = result.lyapunov.empty() ? records::LyapunovSource::none : records::LyapunovSource::running;
  if (floquet && !result.lyapunov.empty())
    if (auto exact = floquet_exponents(*floquet, result.lyapunov.size(), period_tolerance)) {
      result.lyapunov = std::move(*exact);
      result.lyapunov_source = records::LyapunovSource::floquet;
    }
  // The positions rotate with period L (docs/model.md §2): the correlation dimension's stride unit.
  const analysis::Verdict verdict = analysis::judge(result.analysis, result.lyapunov, recorded_steps, window.context);
  result.zero_one = verdict.zero_one;
  result.correlation_dimension = verdict.correlation_dimension;
  result.zero_band = verdict.zero_band;
  result.regime = verdict.regime;
  result.paper_regime = verdict.paper_regime;
  result.final_window = std::move(window);
  result.status = PointStatus::done;
}

bool finite(std::span<const double> values) {
  return std::all_of(values.begin(), values.end(), [](double x) { return std::isfinite(x); });
}

}  // namespace

analysis::AnalysisSettings analysis_settings(const config::Config& config) {
  analysis::AnalysisSettings s;
  s.samples = config.analysis.samples;
  s.plotted_feature = 0;
  s.section_feature = config.analysis.section_feature;
  s.section_tolerance = config.analysis.section_tolerance;
  s.section_max = config.analysis.section_max;
  s.period_max = config.analysis.period_max;
  s.period_tolerance = config.analysis.period_tolerance;
  s.count_resolution = config.analysis.count_resolution;
  return s;
}

PipelineOptions pipeline_options(const config::Config& config) {
  PipelineOptions o;
  o.steps = config.run.steps;
  o.transient = config.run.transient;
  o.lyapunov = config.analysis.lyapunov;
  o.analysis = analysis_settings(config);
  return o;
}

std::vector<Outcome> run_pipeline(dynamics::Engine& engine, std::span<const long long> indices,
                                  std::span<const PartialPoint* const> from, const PipelineOptions& options,
                                  const PipelineControl& control) {
  const auto started = Clock::now();
  const std::size_t n = indices.size();
  const std::size_t lanes = static_cast<std::size_t>(engine.lanes());
  if (n == 0 || n > lanes) throw std::invalid_argument("run_pipeline: between 1 and the engine's lanes points");
  if (!from.empty() && from.size() != n) throw std::invalid_argument("run_pipeline: one saved state (or none) per point");
  if (control.rows && lanes != 1) throw std::invalid_argument("run_pipeline: full records need a one-lane engine");
  if (options.transient < 0 || options.transient >= options.steps)
    throw std::invalid_argument("run_pipeline: the transient must be in [0, steps)");
  const auto saved = [&](std::size_t i) { return from.empty() ? nullptr : from[i]; };
  const auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
  // Each point's compute time: its share of the block's, on top of what earlier runs spent.
  const auto seconds = [&](std::size_t i) {
    return (saved(i) ? saved(i)->seconds : 0.0) + elapsed() / static_cast<double>(n);
  };
  std::vector<PointResult> results(n);
  std::vector<bool> failed(n, false);
  std::size_t failures = 0;
  const auto fail = [&](std::size_t i, const std::string& why) {
    if (failed[i]) return;
    failed[i] = true;
    ++failures;
    results[i].status = PointStatus::failed;
    results[i].error = why;
  };
  for (std::size_t i = 0; i < n; ++i) results[i].index = indices[i];

  std::vector<analysis::PointAnalyzer> analyzers;
  bool tangent = false;
  const auto stopped_here = [&] {
    std::vector<Outcome> outcomes(n);
    for (std::size_t i = 0; i < n; ++i) {
      PartialPoint partial;
      partial.index = indices[i];
      partial.steps_done = engine.steps_done();
      partial.window = engine.window(static_cast<int>(i));
      if (!analyzers.empty()) partial.analyzer_state = records::to_bytes(analyzers[i]);
      if (tangent) partial.lyapunov_state = records::to_bytes(engine.tangent_state(static_cast<int>(i)));
      partial.seconds = seconds(i);
      outcomes[i] = std::move(partial);
    }
    return outcomes;
  };
  // An exception of the caller's callbacks (a full disk under the row sink) is the caller's to
  // handle, not a point's failure: it leaves run_pipeline.
  std::exception_ptr caller_failure;
  Pacer pacer;
  auto look_started = Clock::now();
  long long since_look = 0;
  // Between steps, now and then: measure (once steps were made since the last look), and ask
  // whether to go on.
  const auto go_on = [&] {
    const auto now = Clock::now();
    if (since_look > 0) {
      pacer.measured(since_look, now - look_started);
      look_started = now;
      since_look = 0;
    }
    if (control.stop && control.stop->load(std::memory_order_relaxed)) return false;
    try {
      return !control.progress || control.progress(engine.steps_done());
    } catch (...) {
      caller_failure = std::current_exception();
      throw;
    }
  };

  try {
    const long long transient = options.transient, steps = options.steps;
    while (engine.steps_done() < transient) {
      if (!go_on()) return stopped_here();
      const long long chunk = std::min(pacer.steps(), transient - engine.steps_done());
      engine.run(chunk);
      since_look += chunk;
    }
    const int M = engine.features();
    for (std::size_t i = 0; i < n; ++i)
      if (!finite(engine.window(static_cast<int>(i)).attention))
        fail(i, "non-finite attention after the transient (step " + std::to_string(transient) + ")");

    for (std::size_t i = 0; i < n; ++i) {
      analyzers.emplace_back(M, engine.context(), steps - transient, options.analysis);
      analyzers.back().promise_every_step();  // finish() comes only after every step was observed
      if (saved(i) && !saved(i)->analyzer_state.empty()) records::from_bytes(saved(i)->analyzer_state, analyzers[i]);
    }
    // The tangent dynamics over the recorded steps, started from the window the recording starts
    // from (or restored with it).
    if (options.lyapunov > 0) {
      engine.start_tangent(options.lyapunov, dynamics::kSweepOrthonormaliseEvery);
      tangent = true;
      for (std::size_t i = 0; i < n; ++i)
        if (saved(i) && !saved(i)->lyapunov_state.empty()) {
          dynamics::TangentState state;
          records::from_bytes(saved(i)->lyapunov_state, state);
          engine.restore_tangent(static_cast<int>(i), state);
        }
    }

    // A trajectory writes each step into a row of its full records.
    std::optional<records::RecordedRows> rows;
    if (control.rows) rows.emplace(M, control.block_rows);
    std::size_t row = 0;
    long long first_row = engine.steps_done() - transient;
    std::vector<double> lane_semantic(static_cast<std::size_t>(M)), lane_attention(static_cast<std::size_t>(M));
    const long long trace_every = tangent ? options.lyapunov_trace : 0;
    // A sweep's points: blocks of steps recorded into [step][M][lanes] arrays, each lane's analyzer
    // reading its column (a call per step and lane cost more than the step). Where the blocks end
    // depends on the pacer, never what is computed.
    constexpr long long kBlockSteps = 64;  // two arrays of 64 × M × 16 doubles stay in the L2 cache
    const std::size_t row_size = static_cast<std::size_t>(M) * lanes;
    std::vector<double> block_semantic, block_attention;
    std::vector<int> block_positions;
    if (!rows) {
      block_semantic.resize(kBlockSteps * row_size);
      block_attention.resize(kBlockSteps * row_size);
      block_positions.resize(kBlockSteps);
    }
    while (!rows && engine.steps_done() < steps && failures < n) {
      if (since_look >= pacer.steps() && !go_on()) return stopped_here();
      long long chunk = std::min({kBlockSteps, steps - engine.steps_done(), std::max(1LL, pacer.steps() - since_look)});
      if (trace_every > 0) chunk = std::min(chunk, trace_every - engine.tangent_steps() % trace_every);
      engine.record(chunk, {block_attention.data(), block_semantic.data(), block_positions.data()});
      since_look += chunk;
      const long long first_step = engine.steps_done() - chunk;
      // One pass over the block tells that every lane's attention is finite (no value has all its
      // exponent bits set); only otherwise are the lanes looked at one by one.
      constexpr std::uint64_t exponent_bits = 0x7ff0000000000000ULL;
      const std::size_t values = static_cast<std::size_t>(chunk) * row_size;
      bool any_nonfinite = false;
      for (std::size_t j = 0; j < values; ++j)
        any_nonfinite |= (std::bit_cast<std::uint64_t>(block_attention[j]) & exponent_bits) == exponent_bits;
      for (std::size_t i = 0; i < n; ++i) {
        if (failed[i]) continue;
        long long good = chunk;  // the steps before the lane's first non-finite attention
        if (any_nonfinite)
          for (long long s = 0; s < chunk && good == chunk; ++s)
            for (int a = 0; a < M; ++a)
              if (!std::isfinite(block_attention[static_cast<std::size_t>(s) * row_size + static_cast<std::size_t>(a) * lanes + i]))
                good = s;
        analyzers[i].observe_steps(block_semantic.data() + i, block_attention.data() + i, static_cast<std::ptrdiff_t>(lanes),
                                   static_cast<std::ptrdiff_t>(row_size), block_positions.data(), good);
        if (good < chunk) fail(i, "non-finite attention at step " + std::to_string(first_step + good));
      }
      if (trace_every > 0 && engine.tangent_steps() % trace_every == 0)
        for (std::size_t i = 0; i < n; ++i) results[i].lyapunov_trace.push_back(engine.exponents(static_cast<int>(i)));
    }
    // A trajectory's full records: a step at a time, into the caller's rows.
    while (rows && engine.steps_done() < steps && failures < n) {
      if (since_look >= pacer.steps() && !go_on()) return stopped_here();
      const dynamics::StepRecord record =
          rows->record(row);
      engine.step(record);
      ++since_look;
      const int position = engine.newest_position();
      // One pass over the block tells that every lane's attention is finite (no value has all its
      // exponent bits set); only otherwise are the lanes looked at one by one.
      constexpr std::uint64_t exponent_bits = 0x7ff0000000000000ULL;
      bool any_nonfinite = false;
      for (std::size_t j = 0; j < static_cast<std::size_t>(M) * lanes; ++j)
        any_nonfinite |= (std::bit_cast<std::uint64_t>(record.attention[j]) & exponent_bits) == exponent_bits;
      for (std::size_t i = 0; i < n; ++i) {
        if (failed[i]) continue;
        for (int a = 0; a < M; ++a) {
          lane_semantic[static_cast<std::size_t>(a)] = record.output_semantic[static_cast<std::size_t>(a) * lanes + i];
          lane_attention[static_cast<std::size_t>(a)] = record.attention[static_cast<std::size_t>(a) * lanes + i];
        }
        if (any_nonfinite && !finite(lane_attention)) {
          fail(i, "non-finite attention at step " + std::to_string(engine.steps_done() - 1));
          continue;
        }
        analyzers[i].observe(lane_semantic.data(), lane_attention.data(), position);
      }
      if (trace_every > 0 && engine.tangent_steps() % trace_every == 0)
        for (std::size_t i = 0; i < n; ++i) results[i].lyapunov_trace.push_back(engine.exponents(static_cast<int>(i)));
      if (rows && (++row == rows->capacity() || engine.steps_done() == steps)) {
        rows->rows = row;
        try {
          control.rows(first_row, *rows);
        } catch (...) {
          caller_failure = std::current_exception();
          throw;
        }
        first_row += static_cast<long long>(row);
        row = 0;
      }
    }
    if (control.progress) {
      try {
        control.progress(engine.steps_done());
      } catch (...) {
        caller_failure = std::current_exception();
        throw;
      }
    }
    // The analyses; then, for the orbits that recurred, the Floquet spectra of their final windows,
    // one pass over a copy of the engine for the whole block.
    std::vector<std::optional<analysis::PointAnalysis>> found(n);
    std::vector<int> periods(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      if (failed[i]) continue;
      try {
        found[i] = analyzers[i].finish();
        if (tangent) periods[i] = found[i]->period;
      } catch (const std::exception& e) {
        fail(i, e.what());
      }
    }
    std::vector<dynamics::FloquetSpectrum> floquet;
    if (std::any_of(periods.begin(), periods.end(), [](int p) { return p > 0; })) {
      try {
        floquet = dynamics::floquet_spectra(engine, periods, options.lyapunov);
      } catch (const std::exception&) {
        floquet.clear();  // the running estimates stand (lyapunov_source says so)
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (failed[i]) continue;
      try {
        const int lane = static_cast<int>(i);
        const dynamics::FloquetSpectrum* spectrum = i < floquet.size() && periods[i] > 0 ? &floquet[i] : nullptr;
        conclude(results[i], std::move(*found[i]), tangent ? engine.exponents(lane) : std::vector<double>{}, spectrum,
                 engine.window(lane), steps - transient, options.analysis.period_tolerance);
      } catch (const std::exception& e) {
        fail(i, e.what());
      }
    }
  } catch (const std::exception& e) {
    if (caller_failure) std::rethrow_exception(caller_failure);
    for (std::size_t i = 0; i < n; ++i) fail(i, e.what());
  }
  std::vector<Outcome> outcomes(n);
  for (std::size_t i = 0; i < n; ++i) {
    results[i].seconds = seconds(i);
    outcomes[i] = std::move(results[i]);
  }
  return outcomes;
}

}  // namespace attnmf::sweep
