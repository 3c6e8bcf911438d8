#pragma once
// One trajectory of the mean-field map, a step at a time (docs/model.md §2, steps 1–4).

#include <span>
#include <vector>

#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/window.hpp"

namespace attnmf::model {

// What docs/model.md §3 records for a step: the newest token's mean fields and the attention produced.
// Each pointer addresses M doubles of the caller's row buffers.
struct StepRecord {
  double* attention;
  double* output;
  double* output_semantic;
  double* value;
  double* query;
  double* key;
};

class Integrator {
 public:
  // Start from a window (a checkpoint, or the final window of another trajectory).
  Integrator(const MeanFieldMap& map, const Window& window);
  // Start from a token (docs/model.md §3): its mean fields give the first attention over a one-slot
  // window, and the window then grows by one slot per step. The positional window starts full, the
  // newest slot at position 0.
  static Integrator from_token(const MeanFieldMap& map, std::span<const int> token);

  // One step; fills `record` when it is non-null.
  void step(const StepRecord* record = nullptr);
  void run(long long steps) {
    for (long long s = 0; s < steps; ++s) step();
  }

  long long steps_done() const { return steps_done_; }
  // For an integrator rebuilt from a saved window: how many steps the trajectory had already made.
  void set_steps_done(long long steps) { steps_done_ = steps; }
  // The newest attention A_{t−1}.
  std::span<const double> attention() const { return {attention_.data() + head_ * features_, static_cast<std::size_t>(features_)}; }
  // The position of the newest slot, the one the next step pairs with A_{t−1}.
  int newest_position() const { return position_[head_]; }
  Window window() const;
  const MeanFieldMap& map() const { return *map_; }

 private:
  Integrator(const MeanFieldMap& map, int history);
  using StepKernel = void (Integrator::*)(const StepRecord*);
  static StepKernel select_kernel(int features);
  template <int kFeatures>
  void step_kernel(const StepRecord* record);
  void set_slot(int d, const double* attention, int position);

  const MeanFieldMap* map_;
  int features_, context_;
  // Rings of L slots stored twice over (2L entries), so that the window read newest first from
  // `head_` is contiguous and a shift is a decrement of `head_`: nothing is copied or recomputed.
  int head_ = 0;
  int history_ = 0;
  long long steps_done_ = 0;
  std::vector<double> attention_, value_, key_;  // [2L][M]
  std::vector<int> position_;                    // [2L]
  // Per-step scratch, kept to avoid allocation in the loop.
  MeanFields fields_;
  std::vector<double> tanh_, scores_, exps_, next_;
  StepKernel step_kernel_;
};

}  // namespace attnmf::model
