#pragma once
// The engine: a block of lanes, each one trajectory of the mean-field map at its own parameter
// point, stepped together, recording what a step produces and running the tangent dynamics that
// give the Lyapunov exponents (docs/model.md §2, §3 and §5).
//
// There is one implementation, src/dynamics/kernel.inc, compiled several times:
//  * the scalar engine: one lane, with the arithmetic of the authors' implementation operation by
//    operation (glibc's exp and tanh, the softmax weights as e_d / Σ), so that trajectories agree
//    with theirs to rounding;
//  * the simd engines: kLanes lanes in structure-of-arrays layout ([...][kLanes], lanes innermost),
//    one per instruction set (avx512, avx2, and the baseline "sse2", or "portable" off x86-64), whose
//    exp and tanh are evaluated on whole vectors, to a few ulp.
// The map of one point is a serial chain of latencies (tanh → mean fields → scores → exp → weighted
// sum); the points of a sweep are independent. Integrating kLanes of them in lockstep lets every
// operation of the chain work on whole vectors. Every lane does exactly the arithmetic of every
// other lane, so a point's numbers depend neither on its lane nor on the other points of its block.
// The simd engines differ from the scalar one by rounding only, less than 1e-13 in a step: exp is
// not glibc's, the 2^(M−1) tanh come from M exponentials by products and the softmax from L − 1
// (docs/model.md §2), its normalisation is inverted once, the sums over sign vectors are one
// matrix product, and the AVX2 and AVX-512 kernels fuse multiply-adds.
//
// Lanes share what the lockstep forces them to share: M, L, P, the weights, the number of steps done
// and so the positional window and the window's fill. Each has its own β, γ and ε.

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/window.hpp"

namespace attnmf::dynamics {

// Points per block of the simd engines. Sixteen doubles are two AVX-512 vectors (four AVX2, eight
// SSE2 ones): enough independent work per operation to hide the latency of every link of the chain.
inline constexpr int kLanes = 16;

// How often a point's pipeline (sweeps and attnmf trajectory) re-orthonormalises its tangent vectors
// (Engine::start_tangent): every fourth step. Over four steps the k-th vector loses e^{4(λ_1 − λ_k)}
// of its own direction to the first; at the paper's exponents (|λ| ≲ 1 per step) that is a few
// digits of the sixteen.
inline constexpr int kSweepOrthonormaliseEvery = 4;

// The name of the scalar engine, beside the instruction sets of the simd ones.
inline constexpr const char* kScalarEngine = "scalar";

// The instruction set the simd engines use on this machine unless told otherwise: the best of
// "avx512" (F, DQ and VL, with FMA), "avx2" (with FMA) and the baseline kernel that the CPU supports
// and this build has. The baseline is "sse2" on x86-64 and "portable" elsewhere: the same code (GCC
// vector extensions, no fused multiply-adds), so it gives the same numbers on every CPU; the x86
// kernels are built only where CMake finds an x86-64 target whose compiler can build them. They round
// differently (the FMA kernels fuse multiply-adds, and may fuse differently from each other); one
// build gives the same numbers for a point on every CPU that runs the same kernel.
std::string instruction_set();
// Every instruction set this CPU can run, best first (instruction_set() is the first).
std::vector<std::string> instruction_sets();
// Every instruction set the simd engines are built for, best first; a CPU that runs one runs every
// later one.
std::vector<std::string> known_instruction_sets();
// One line for /provenance: "scalar", or the instruction set (empty: instruction_set()), the lane
// count and the arithmetic. Throws std::invalid_argument for a set this CPU cannot run.
std::string engine_description(const std::string& engine = "");

// Where a step writes what it produced (docs/model.md §3), each [M][lanes()] (lanes innermost) or
// null when not wanted: the attention A_t, the newest token's mean fields m^o (and its semantic part
// m^o_se), m^v, m^q and m^k.
struct StepRecord {
  double* attention = nullptr;
  double* output = nullptr;
  double* output_semantic = nullptr;
  double* value = nullptr;
  double* query = nullptr;
  double* key = nullptr;
};

// Where record() writes `steps` consecutive steps: row s of each array, [steps][M][lanes()], is what
// step s produced (as StepRecord's), positions[s] the newest slot's position after it. Null: not
// written.
struct StepRecords {
  double* attention = nullptr;
  double* output_semantic = nullptr;
  int* positions = nullptr;
};

// The running state of one lane's tangent dynamics, for a point stopped mid-trajectory (sweep
// checkpoints): the tangent vectors in window order (newest slot first), so that an engine built
// again from the same window and given this state continues bit for bit. The same for every engine.
struct TangentState {
  long long steps = 0;
  std::vector<double> vectors, log_sum, stretch;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& steps& vectors& log_sum& stretch;
  }
};

class Engine {
 public:
  virtual ~Engine() = default;
  Engine& operator=(const Engine&) = delete;
  // An independent copy at the same state.
  virtual std::unique_ptr<Engine> clone() const = 0;

  virtual int lanes() const = 0;
  virtual int features() const = 0;
  virtual int context() const = 0;

  // Plain steps of every lane (with the tangent dynamics once started).
  virtual void run(long long steps) = 0;
  // One step that also writes what `record` asks for; and advances the tangent dynamics once started.
  virtual void step(const StepRecord& record) = 0;
  // `steps` steps, each recorded as StepRecords says: the sweep's recorded steps, in blocks of
  // steps rather than a call per step. The base version calls step().
  virtual void record(long long steps, const StepRecords& records);

  // Starts k tangent vectors in every lane from the present window: the first k columns of the
  // identity, so that a result is reproducible bit for bit. Benettin's method: after every step the
  // vectors are re-orthonormalised (modified Gram–Schmidt, the QR of the M·L × k matrix), and λ_i is
  // the average of log |R_ii|. Throws std::invalid_argument unless 1 ≤ k ≤ M·L.
  //
  // With orthonormalise_every = n > 1 the vectors are re-orthonormalised only after every n-th
  // tangent step (counted from start_tangent, so a restored state keeps the schedule): the QR of a
  // product of Jacobians is the product of the QRs, so the exponents are the same up to rounding,
  // and Gram–Schmidt, the costliest part of a tangent step, runs n times less often. The vectors
  // then grow and turn towards the leading direction between two re-orthonormalisations, by
  // e^{(λ_1 − λ_k) n}: n must stay small (the sweep uses kSweepOrthonormaliseEvery). exponents()
  // includes the steps since the last one.
  virtual void start_tangent(int k, int orthonormalise_every = 1) = 0;
  virtual int tangent_vectors() const = 0;  // 0 until start_tangent
  virtual long long tangent_steps() const = 0;
  // A lane's running tangent state, and its restoration into an engine constructed from the saved
  // window (after start_tangent with the same k).
  virtual TangentState tangent_state(int lane) const = 0;
  virtual void restore_tangent(int lane, const TangentState& state) = 0;
  // A lane's estimates of the k largest exponents, natural log per step, descending (NaN before the
  // first tangent step; −∞ for a direction the map contracts to nothing).
  virtual std::vector<double> exponents(int lane) const = 0;
  // The last step's first block row of the Jacobian ∂x_{t+1}/∂x_t, [B_0 … B_{L−1}] row-major
  // [M][M·L], the column blocks the slots of the window before the step, newest first (the rest of
  // the Jacobian is a shift: docs/model.md §5). Needs the tangent dynamics started and a step made.
  virtual std::vector<double> first_block_row(int lane) const = 0;

  // A lane's window, newest first.
  virtual model::Window window(int lane) const = 0;
  // The position of the newest slot (shared by every lane).
  virtual int newest_position() const = 0;

  long long steps_done() const { return steps_done_; }
  void set_steps_done(long long steps) { steps_done_ = steps; }

 protected:
  Engine() = default;
  Engine(const Engine&) = default;  // for clone()
  long long steps_done_ = 0;
};

// An engine whose lane i integrates maps[i] from windows[i]. `engine` is "scalar" (one map and one
// window) or the instruction set of a simd engine ("avx512", "avx2", "sse2" or "portable"; empty:
// instruction_set()), which takes kLanes maps and windows. Every map must have the same M, L, P and
// weights (the caller's one draw), every window the same positions and history; unused lanes of a
// short block repeat a real one. Throws std::invalid_argument otherwise.
std::unique_ptr<Engine> make_engine(std::span<const model::MeanFieldMap* const> maps,
                                    std::span<const model::Window> windows, const std::string& engine = "");
// The scalar engine of one point.
std::unique_ptr<Engine> make_scalar_engine(const model::MeanFieldMap& map, const model::Window& window);
// How many lanes `engine` has: 1 for "scalar", kLanes otherwise.
int engine_lanes(const std::string& engine);

// The simd engines' exp, tanh and reciprocal over any number of values (y as long as x), with the
// instruction set `isa` (as for make_engine; empty: instruction_set()): for tests and benchmarks.
void evaluate_exp(std::span<const double> x, std::span<double> y, const std::string& isa = "");
void evaluate_tanh(std::span<const double> x, std::span<double> y, const std::string& isa = "");
void evaluate_reciprocal(std::span<const double> x, std::span<double> y, const std::string& isa = "");

}  // namespace attnmf::dynamics
