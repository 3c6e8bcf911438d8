#include "attnmf/dynamics/engine.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "kernel_prelude.hpp"

namespace attnmf::dynamics {

void Engine::record(long long steps, const StepRecords& records) {
  const std::size_t row = static_cast<std::size_t>(features()) * static_cast<std::size_t>(lanes());
  for (long long s = 0; s < steps; ++s) {
    const std::size_t at = static_cast<std::size_t>(s) * row;
    StepRecord one;
    if (records.attention) one.attention = records.attention + at;
    if (records.output_semantic) one.output_semantic = records.output_semantic + at;
    step(one);
    if (records.positions) records.positions[s] = newest_position();
  }
}
namespace {

// The instruction sets the simd engines are built for, best first: whether this CPU runs them, and
// each one's entry points (kernel_prelude.hpp). Which x86 kernels exist is decided when attnmf is
// configured (src/CMakeLists.txt); the baseline kernel is always there.
struct InstructionSet {
  const char* name;
  bool fused_multiply_add;
  bool (*available)();
  std::unique_ptr<Engine> (*make)(std::span<const model::MeanFieldMap* const>, std::span<const model::Window>);
  void (*exp)(std::span<const double>, std::span<double>);
  void (*tanh)(std::span<const double>, std::span<double>);
  void (*reciprocal)(std::span<const double>, std::span<double>);
};
// (__builtin_cpu_supports takes string literals only.)
#if defined(ATTNMF_HAVE_AVX512_KERNEL)
bool avx512_available() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
}
#endif
#if defined(ATTNMF_HAVE_AVX2_KERNEL)
bool avx2_available() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif
bool baseline_available() { return true; }
#if defined(__x86_64__)
constexpr const char* kBaselineName = "sse2";  // SSE2 is part of x86-64 itself
#else
constexpr const char* kBaselineName = "portable";
#endif
constexpr InstructionSet kInstructionSets[] = {
#if defined(ATTNMF_HAVE_AVX512_KERNEL)
    {"avx512", true, avx512_available, avx512::make, avx512::evaluate_exp, avx512::evaluate_tanh,
     avx512::evaluate_reciprocal},
#endif
#if defined(ATTNMF_HAVE_AVX2_KERNEL)
    {"avx2", true, avx2_available, avx2::make, avx2::evaluate_exp, avx2::evaluate_tanh,
     avx2::evaluate_reciprocal},
#endif
    {kBaselineName, false, baseline_available, baseline::make, baseline::evaluate_exp, baseline::evaluate_tanh,
     baseline::evaluate_reciprocal},
};

// "a, b or c" of every kernel this build has, for messages.
std::string known_names() {
  std::string list;
  const std::size_t n = std::size(kInstructionSets);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) list += i + 1 == n ? " or " : ", ";
    list += kInstructionSets[i].name;
  }
  return list;
}

void check_block(std::span<const model::MeanFieldMap* const> maps, std::span<const model::Window> windows,
                 std::size_t lanes) {
  if (maps.size() != lanes || windows.size() != lanes)
    throw std::invalid_argument("this engine needs " + std::to_string(lanes) + " maps and windows");
  const model::MeanFieldMap& first = *maps[0];
  const std::size_t M = static_cast<std::size_t>(first.features()), J = static_cast<std::size_t>(first.sign_vectors());
  for (const model::MeanFieldMap* map : maps) {
    if (map->features() != first.features() || map->context() != first.context() ||
        map->positional_bits() != first.positional_bits())
      throw std::invalid_argument("the lanes of a block must share M, L and P");
    for (int f = 0; f < 4; ++f) {
      const double* a = map->corr_signed(static_cast<model::Feature>(f));
      const double* b = first.corr_signed(static_cast<model::Feature>(f));
      if (!std::equal(a, a + J * M, b)) throw std::invalid_argument("the lanes of a block must share their weights");
    }
  }
  for (const model::Window& window : windows) {
    if (window.features != first.features() || window.context != first.context() ||
        window.attention.size() != M * static_cast<std::size_t>(first.context()) ||
        window.positions.size() != static_cast<std::size_t>(first.context()))
      throw std::invalid_argument("a lane's window does not have the map's M and L");
    if (window.history < 0 || window.history > first.context() - 1)
      throw std::invalid_argument("window history must be between 0 and L-1");
    if (window.positions != windows[0].positions || window.history != windows[0].history)
      throw std::invalid_argument("the lanes of a block must share their positions and window fill");
  }
}

}  // namespace

std::vector<std::string> instruction_sets() {
  // ATTNMF_SIMD_LIMIT=avx2 (or sse2) makes this process behave as on a CPU without the better sets:
  // how the tests put ranks of unlike CPUs into one sweep, and how a user checks a run on the CPUs
  // of another cluster. Neither the CPU nor the environment changes while the program runs, so
  // this is worked out once (a bad limit throws at every call).
  static const std::vector<std::string> runnable = [] {
    const char* limit = std::getenv("ATTNMF_SIMD_LIMIT");
    bool allowed = limit == nullptr || *limit == '\0';
    std::vector<std::string> names;
    for (const InstructionSet& set : kInstructionSets) {
      if (!allowed && std::string(set.name) == limit) allowed = true;
      if (allowed && set.available()) names.emplace_back(set.name);
    }
    if (!allowed)
      throw std::invalid_argument(std::string("ATTNMF_SIMD_LIMIT = '") + limit + "': must be " + known_names() +
                                  " (the kernels this build of attnmf has)");
    return names;
  }();
  return runnable;
}

std::vector<std::string> known_instruction_sets() {
  std::vector<std::string> names;
  for (const InstructionSet& set : kInstructionSets) names.emplace_back(set.name);
  return names;
}

std::string instruction_set() { return instruction_sets().front(); }  // the baseline is always there

namespace {

// The instruction set `isa` names (empty: instruction_set()), checked against this CPU.
const InstructionSet& checked(const std::string& isa) {
  const std::string chosen = isa.empty() ? instruction_set() : isa;
  const auto set = std::find_if(std::begin(kInstructionSets), std::end(kInstructionSets),
                                [&](const InstructionSet& s) { return chosen == s.name; });
  if (set == std::end(kInstructionSets))
    throw std::invalid_argument("unknown instruction set '" + chosen + "' (this build has " + known_names() + ")");
  const std::vector<std::string> runnable = instruction_sets();
  if (std::find(runnable.begin(), runnable.end(), chosen) == runnable.end())
    throw std::invalid_argument("this CPU cannot run the " + chosen + " kernel");
  return *set;
}

}  // namespace

std::string engine_description(const std::string& engine) {
  if (engine == kScalarEngine) return kScalarEngine;
  const InstructionSet& set = checked(engine);
  return std::string(set.name) + ", " + std::to_string(kLanes) + " lanes, " +
         (set.fused_multiply_add ? "fused multiply-adds" : "no fused multiply-adds") + ", vector exp/tanh of attnmf";
}

int engine_lanes(const std::string& engine) { return engine == kScalarEngine ? 1 : kLanes; }

std::unique_ptr<Engine> make_engine(std::span<const model::MeanFieldMap* const> maps,
                                    std::span<const model::Window> windows, const std::string& engine) {
  if (engine == kScalarEngine) {
    check_block(maps, windows, 1);
    return reference::make(maps, windows);
  }
  check_block(maps, windows, static_cast<std::size_t>(kLanes));
  return checked(engine).make(maps, windows);
}

std::unique_ptr<Engine> make_scalar_engine(const model::MeanFieldMap& map, const model::Window& window) {
  const model::MeanFieldMap* maps[1] = {&map};
  return make_engine(maps, std::span<const model::Window>(&window, 1), kScalarEngine);
}

void evaluate_exp(std::span<const double> x, std::span<double> y, const std::string& isa) {
  if (y.size() != x.size()) throw std::invalid_argument("evaluate_exp: x and y differ in length");
  checked(isa).exp(x, y);
}

void evaluate_tanh(std::span<const double> x, std::span<double> y, const std::string& isa) {
  if (y.size() != x.size()) throw std::invalid_argument("evaluate_tanh: x and y differ in length");
  checked(isa).tanh(x, y);
}

void evaluate_reciprocal(std::span<const double> x, std::span<double> y, const std::string& isa) {
  if (y.size() != x.size()) throw std::invalid_argument("evaluate_reciprocal: x and y differ in length");
  checked(isa).reciprocal(x, y);
}

}  // namespace attnmf::dynamics
