#pragma once
// A block of grid points integrated together, one SIMD lane per point (structure of arrays).
//
// The map of one point is a serial chain of latencies (tanh → mean fields → scores → exp → weighted
// sum); the points of a sweep are independent. Integrating kLanes of them in lockstep, each array
// laid out [...][kLanes], lets every operation of the chain work on whole vectors, tanh and exp
// included (src/simd/lane_kernel.inc evaluates them on vectors, to a few ulp).
//
// Every lane does exactly the arithmetic of every other lane, so a point's numbers do not depend on
// its lane or on the other points of its block. They differ from the scalar engine's
// (model::Integrator) by rounding only, less than 1e-13 in a step: exp and tanh are not glibc's,
// the AVX2 and AVX-512 kernels fuse multiply-adds, the softmax multiplies by the inverse of its normalisation;
// the rest is the Integrator's arithmetic, summed in the same order.
//
// Lanes share what the lockstep forces them to share: M, L, P, the weights, the number of steps done
// and so the positional window and the window's fill. Each has its own β, γ and ε.

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "attnmf/dynamics/lyapunov.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/window.hpp"

namespace attnmf::simd {

// Points per block. Sixteen doubles are two AVX-512 vectors (four AVX2, eight SSE2 ones): enough independent
// work per operation to hide the latency of every link of the chain.
inline constexpr int kLanes = 16;

// The instruction set the lane kernels use on this machine unless told otherwise: the best of
// "avx512" (F, DQ and VL, with FMA), "avx2" (with FMA) and the baseline kernel that the CPU supports
// and this build has. The baseline is "sse2" on x86-64 and "portable" elsewhere: the same code (GCC
// vector extensions, no fused multiply-adds), so it gives the same numbers on every CPU; the x86
// kernels are built only where CMake finds an x86-64 target whose compiler can build them. They round
// differently (the FMA kernels fuse multiply-adds, and may fuse differently from each other); one
// build gives the same numbers for a point on every CPU that runs the same kernel.
std::string instruction_set();
// Every instruction set this CPU can run, best first (instruction_set() is the first).
std::vector<std::string> instruction_sets();
// Every instruction set the lane kernels are built for, best first; a CPU that runs one runs every
// later one.
std::vector<std::string> known_instruction_sets();
// One line for /provenance: the instruction set (empty: instruction_set()), the lane count and the
// arithmetic. Throws std::invalid_argument for a set this CPU cannot run.
std::string engine_description(const std::string& isa = "");

class LaneBlock {
 public:
  virtual ~LaneBlock() = default;
  LaneBlock() = default;
  LaneBlock(const LaneBlock&) = delete;
  LaneBlock& operator=(const LaneBlock&) = delete;

  // Plain steps of every lane.
  virtual void run(long long steps) = 0;
  // One step that also writes, for every lane, m^o_se of the newest token and the attention A_t it
  // produces, each as [M][kLanes]; and advances the tangent dynamics once started.
  virtual void step_recorded(double* output_semantic, double* attention) = 0;

  // Starts k tangent vectors in every lane from the present window (the first k columns of the
  // identity, as dynamics::LyapunovEstimator does). Throws std::invalid_argument unless 1 ≤ k ≤ M·L.
  virtual void start_tangent(int k) = 0;
  // A lane's running Lyapunov state in the scalar estimator's format (vectors in window order), and
  // its restoration into a block constructed from the saved window.
  virtual dynamics::LyapunovEstimator::State tangent_state(int lane) const = 0;
  virtual void restore_tangent(int lane, const dynamics::LyapunovEstimator::State& state) = 0;
  // A lane's estimates of the k largest exponents, descending (NaN before the first tangent step).
  virtual std::vector<double> exponents(int lane) const = 0;

  // A lane's window, newest first, as model::Integrator::window() gives it.
  virtual model::Window window(int lane) const = 0;
  // The position of the newest slot (shared by every lane).
  virtual int newest_position() const = 0;
  virtual int features() const = 0;

  long long steps_done() const { return steps_done_; }
  void set_steps_done(long long steps) { steps_done_ = steps; }

 protected:
  long long steps_done_ = 0;
};

// A block whose lane i integrates maps[i] from windows[i]. Every map must have the same M, L, P and
// weights (the caller's one draw), every window the same positions and history; unused lanes of a
// short block repeat a real one. Throws std::invalid_argument otherwise. `isa` names the instruction
// set ("avx512", "avx2", "sse2" or "portable"); empty: instruction_set().
std::unique_ptr<LaneBlock> make_lane_block(std::span<const model::MeanFieldMap* const> maps,
                                           std::span<const model::Window> windows, const std::string& isa = "");
// The same, started from a token (docs/model.md §3) in every lane, as model::Integrator::from_token.
std::unique_ptr<LaneBlock> make_lane_block_from_token(std::span<const model::MeanFieldMap* const> maps,
                                                      std::span<const int> token, const std::string& isa = "");

// The lane kernels' exp and tanh over any number of values (y as long as x), with the instruction
// set `isa` (as for make_lane_block; empty: instruction_set()): for tests and benchmarks.
void evaluate_exp(std::span<const double> x, std::span<double> y, const std::string& isa = "");
void evaluate_tanh(std::span<const double> x, std::span<double> y, const std::string& isa = "");

}  // namespace attnmf::simd
