// The yardstick of the simd engine's throughput: the paper's map (M = 3, L = 4) written by hand for
// W points in lockstep, one vector lane per point, with glibc's vector tanh and exp (libmvec,
// called directly), each step done one vector of lanes at a time with everything in registers, and
// nothing else: no recording, no analysis, no checks. It is what "a hand-written kernel of this
// map" means in the throughput target; the engine's EngineSimd/*/0 is measured against it.
//
//   build/bin/attnmf-bench --benchmark_filter=HandWritten
//
// items_per_second is point-steps per second summed over the threads (wall-clock time).
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/model/window.hpp"
#include "slot_mean_fields.hpp"

// libmvec's AVX2 and AVX-512 variants (glibc >= 2.35 for tanh).
extern "C" __m256d _ZGVdN4v_tanh(__m256d);
extern "C" __m256d _ZGVdN4v_exp(__m256d);
extern "C" __m512d _ZGVeN8v_tanh(__m512d);
extern "C" __m512d _ZGVeN8v_exp(__m512d);

namespace {

using namespace attnmf::model;

constexpr int kPoints = 32;  // lanes per thread: four AVX-512 vectors, eight AVX2 ones
constexpr int M = 3, L = 4, J = 4, P = 4;

// The state of kPoints points, lanes innermost.
struct Lanes {
  alignas(64) double beta[kPoints], gamma[kPoints], keep[kPoints];
  alignas(64) double table[3][J][M][kPoints];  // v, k, q; times (1 − ε) / 2^(M−1)
  alignas(64) double pe[3][P][M][kPoints];
  alignas(64) double attention[M][kPoints];
  alignas(64) double value[L][M][kPoints], key[L][M][kPoints];
  int position[L];  // by ring index
  int head = 0;

  explicit Lanes(int thread) {
    ModelParameters base;
    const Weights weights = draw_weights(base);
    const Feature features[3] = {v, k, q};
    for (int w = 0; w < kPoints; ++w) {
      ModelParameters p = base;
      p.beta = 3.0 * (thread * kPoints + w + 0.5) / (4.0 * kPoints);
      const MeanFieldMap map(p, weights);
      beta[w] = map.beta();
      gamma[w] = map.gamma_eff();
      keep[w] = map.one_minus_epsilon() * map.table_scale();
      for (int f = 0; f < 3; ++f)
        for (int j = 0; j < J; ++j)
          for (int a = 0; a < M; ++a) {
            table[f][j][a][w] = keep[w] * map.corr_signed(features[f])[j * M + a];
            if (j < P) pe[f][j][a][w] = map.positional_term(features[f], j)[a];
          }
      const Window window = read_window_file(ATTNMF_REFERENCE_DIR "/checkpoint_window.txt", map);
      for (int d = 0; d < L; ++d) {
        const MeanFields fields = attnmf::bench::slot_mean_fields(map, window, d);
        for (int a = 0; a < M; ++a) {
          value[d][a][w] = fields.value[a];
          key[d][a][w] = fields.key[a];
        }
        position[d] = window.positions[static_cast<std::size_t>(d)];
      }
      for (int a = 0; a < M; ++a) attention[a][w] = window.slot(0)[a];
    }
  }
};

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx2,fma")
template <class V>
V load(const double* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
void store(double* p, V v) {
  std::memcpy(p, &v, sizeof v);
}

// One step of every lane; V is a GCC vector of `width` doubles, Tanh and Exp libmvec's.
template <int width, class V, V (*Tanh)(V), V (*Exp)(V)>
void step(Lanes& s) {
  const double sign[J][M] = {{1, 1, 1}, {1, 1, -1}, {1, -1, 1}, {1, -1, -1}};
  // The window shifts first: the oldest ring slot takes the new token's value and key.
  const int newest = s.head == 0 ? L - 1 : s.head - 1;
  const int p = s.position[s.head] + 1 == P ? 0 : s.position[s.head] + 1;
  for (int g = 0; g < kPoints; g += width) {
    const V a0 = load<V>(&s.attention[0][g]), a1 = load<V>(&s.attention[1][g]), a2 = load<V>(&s.attention[2][g]);
    const V beta = load<V>(&s.beta[g]);
    V th[J];
    for (int j = 0; j < J; ++j) th[j] = Tanh(beta * (sign[j][0] * a0 + sign[j][1] * a1 + sign[j][2] * a2));
    V field[3][M];
    for (int f = 0; f < 3; ++f)
      for (int a = 0; a < M; ++a) {
        V sum = load<V>(&s.pe[f][p][a][g]);
        for (int j = 0; j < J; ++j) sum += load<V>(&s.table[f][j][a][g]) * th[j];
        field[f][a] = sum;
      }
    for (int a = 0; a < M; ++a) {
      store(&s.value[newest][a][g], field[0][a]);
      store(&s.key[newest][a][g], field[1][a]);
    }
    const V gamma = load<V>(&s.gamma[g]);
    V z[L], top;
    for (int d = 0; d < L; ++d) {
      V dot = field[2][0] * load<V>(&s.key[d][0][g]);
      for (int a = 1; a < M; ++a) dot += field[2][a] * load<V>(&s.key[d][a][g]);
      z[d] = gamma * dot;
      top = d == 0 ? z[0] : (z[d] > top ? z[d] : top);
    }
    V sum = V{} + 0.0, next[M] = {};
    for (int d = 0; d < L; ++d) {
      const V e = Exp(z[d] - top);
      sum += e;
      for (int a = 0; a < M; ++a) next[a] += e * load<V>(&s.value[d][a][g]);
    }
    const V inverse = 1.0 / sum;
    for (int a = 0; a < M; ++a) store(&s.attention[a][g], next[a] * inverse);
  }
  s.position[newest] = p;
  s.head = newest;
}

using V4 = double __attribute__((vector_size(32)));
using V8 = double __attribute__((vector_size(64)));
V4 tanh4(V4 x) { return reinterpret_cast<V4>(_ZGVdN4v_tanh(reinterpret_cast<__m256d>(x))); }
V4 exp4(V4 x) { return reinterpret_cast<V4>(_ZGVdN4v_exp(reinterpret_cast<__m256d>(x))); }
V8 tanh8(V8 x) { return reinterpret_cast<V8>(_ZGVeN8v_tanh(reinterpret_cast<__m512d>(x))); }
V8 exp8(V8 x) { return reinterpret_cast<V8>(_ZGVeN8v_exp(reinterpret_cast<__m512d>(x))); }
void step_avx2(Lanes& s) { step<4, V4, tanh4, exp4>(s); }
void step_avx512(Lanes& s) { step<8, V8, tanh8, exp8>(s); }
#pragma GCC pop_options

void HandWritten(benchmark::State& state, void (*kernel)(Lanes&)) {
  auto lanes = std::make_unique<Lanes>(state.thread_index());
  for (int s = 0; s < 2000; ++s) kernel(*lanes);
  constexpr int chunk = 64;
  for (auto _ : state) {
    for (int s = 0; s < chunk; ++s) kernel(*lanes);
    benchmark::DoNotOptimize(lanes->attention);
  }
  state.SetItemsProcessed(state.iterations() * kPoints * chunk);
}

const bool registered = [] {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    benchmark::RegisterBenchmark("HandWritten/avx2", HandWritten, step_avx2)->Threads(1)->Threads(2)->UseRealTime();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"))
    benchmark::RegisterBenchmark("HandWritten/avx512", HandWritten, step_avx512)->Threads(1)->Threads(2)->UseRealTime();
  return true;
}();

}  // namespace
