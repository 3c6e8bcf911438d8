#pragma once
// One trajectory of the mean-field map, a step at a time (docs/model.md §2, steps 1–4): the scalar
// engine (engine.hpp) behind the interface of a single point, for the analyses, tests and tools that
// follow one trajectory.

#include <memory>
#include <span>
#include <vector>

#include "attnmf/dynamics/engine.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/window.hpp"

namespace attnmf::dynamics {

class Integrator {
 public:
  // Start from a window (a checkpoint, or the final window of another trajectory). The map must
  // outlive the integrator.
  Integrator(const model::MeanFieldMap& map, const model::Window& window);
  // Start from a token (model::token_window).
  static Integrator from_token(const model::MeanFieldMap& map, std::span<const int> token);

  Integrator(const Integrator& other);
  Integrator& operator=(const Integrator& other);
  Integrator(Integrator&&) noexcept = default;
  Integrator& operator=(Integrator&&) noexcept = default;

  // One step; fills what `record` asks for (each quantity M doubles).
  void step(const StepRecord& record) { engine_->step(record); }
  void step() { engine_->run(1); }
  void run(long long steps) { engine_->run(steps); }

  long long steps_done() const { return engine_->steps_done(); }
  // For an integrator rebuilt from a saved window: how many steps the trajectory had already made.
  void set_steps_done(long long steps) { engine_->set_steps_done(steps); }
  // The newest attention A_{t−1}, the one the next step starts from.
  std::vector<double> attention() const;
  // The position of the newest slot, the one the next step pairs with A_{t−1}.
  int newest_position() const { return engine_->newest_position(); }
  model::Window window() const { return engine_->window(0); }
  const model::MeanFieldMap& map() const { return *map_; }
  Engine& engine() { return *engine_; }
  const Engine& engine() const { return *engine_; }

 private:
  const model::MeanFieldMap* map_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace attnmf::dynamics
