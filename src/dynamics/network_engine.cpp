#include "attnmf/dynamics/network_engine.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace attnmf::dynamics {
namespace {

// A sampler that copies by cloning, so that an engine's copy draws on with its own.
class Sampler {
 public:
  explicit Sampler(std::unique_ptr<model::TokenSampler> sampler) : sampler_(std::move(sampler)) {}
  Sampler(const Sampler& other) : sampler_(other.sampler_->clone()) {}
  Sampler& operator=(const Sampler&) = delete;
  model::TokenSampler* operator->() const { return sampler_.get(); }

 private:
  std::unique_ptr<model::TokenSampler> sampler_;
};

class NetworkEngine final : public Engine {
 public:
  NetworkEngine(const model::MeanFieldMap& map, const model::Weights& weights, const model::Window& window,
                const NetworkSpec& spec)
      : M_(map.features()),
        L_(map.context()),
        beta_(map.beta()),
        gamma_eff_(map.gamma_eff()),
        semantic_scale_(map.one_minus_epsilon() / static_cast<double>(spec.size)),
        layout_(model::network_layout(weights, spec.size)),
        noise_(spec.seed, spec.point, spec.replica),
        sampler_(model::make_token_sampler(weights, layout_, spec.algorithm)) {
    if (window.features != M_ || window.context != L_ ||
        window.attention.size() != static_cast<std::size_t>(L_) * M_ || window.positions.size() != static_cast<std::size_t>(L_))
      throw std::invalid_argument("the finite network's start window has another shape than the map's");
    const int positions = 1 << map.positional_bits();
    for (int f = 0; f < 4; ++f) {
      positional_[f].resize(static_cast<std::size_t>(positions) * M_);
      for (int p = 0; p < positions; ++p)
        std::copy_n(map.positional_term(static_cast<model::Feature>(f), p), M_,
                    positional_[f].begin() + static_cast<std::ptrdiff_t>(p) * M_);
    }
    const std::size_t slots = static_cast<std::size_t>(L_) * M_;
    attention_ = window.attention;  // ring index d = window slot d at the start (head 0)
    positions_ = window.positions;
    history_ = window.history;
    value_.assign(slots, 0.0);
    key_.assign(slots, 0.0);
    query_.assign(static_cast<std::size_t>(M_), 0.0);
    scores_.assign(static_cast<std::size_t>(L_), 0.0);
    sums_.assign(static_cast<std::size_t>(4 * M_), 0);
    next_.assign(static_cast<std::size_t>(M_), 0.0);
    output_.assign(static_cast<std::size_t>(M_), 0.0);
    output_semantic_.assign(static_cast<std::size_t>(M_), 0.0);
    // The older slots' tokens, drawn from the attention that produced each, oldest first so that the
    // draws come in the order the tokens were made.
    for (int d = history_; d >= 1; --d) draw_token(d);
  }

  std::unique_ptr<Engine> clone() const override { return std::unique_ptr<NetworkEngine>(new NetworkEngine(*this)); }
  int lanes() const override { return 1; }
  int features() const override { return M_; }
  int context() const override { return L_; }

  void run(long long steps) override {
    for (long long s = 0; s < steps; ++s) advance(nullptr);
  }
  void step(const StepRecord& record) override { advance(&record); }

  void start_tangent(int, int) override {
    throw std::invalid_argument("the finite network is stochastic: it has no Lyapunov exponents (analysis.lyapunov "
                                "applies to its mean-field reference)");
  }
  int tangent_vectors() const override { return 0; }
  long long tangent_steps() const override { return 0; }
  TangentState tangent_state(int) const override { throw std::logic_error("the finite network has no tangent dynamics"); }
  void restore_tangent(int, const TangentState&) override {
    throw std::logic_error("the finite network has no tangent dynamics");
  }
  std::vector<double> exponents(int) const override { return {}; }
  std::vector<double> first_block_row(int) const override {
    throw std::logic_error("the finite network has no tangent dynamics");
  }

  model::Window window(int) const override {
    model::Window w;
    w.features = M_;
    w.context = L_;
    w.history = history_;
    w.attention.resize(static_cast<std::size_t>(L_) * M_);
    w.positions.resize(static_cast<std::size_t>(L_));
    for (int d = 0; d < L_; ++d) {
      const int r = ring(d);
      std::copy_n(attention_.begin() + static_cast<std::ptrdiff_t>(r) * M_, M_,
                  w.attention.begin() + static_cast<std::ptrdiff_t>(d) * M_);
      w.positions[static_cast<std::size_t>(d)] = positions_[static_cast<std::size_t>(r)];
    }
    return w;
  }
  int newest_position() const override { return positions_[static_cast<std::size_t>(head_)]; }

 private:
  NetworkEngine(const NetworkEngine&) = default;

  int ring(int d) const { return (head_ + d) % L_; }

  // The token of ring slot `r`, drawn from the attention stored there, at that slot's position: its
  // value and key mean fields into the slot, its query and output mean fields aside.
  void draw_token(int window_slot) {
    const int r = ring(window_slot);
    const std::size_t at = static_cast<std::size_t>(r) * M_;
    sampler_->draw(attention_.data() + at, beta_, noise_, sums_.data());
    const std::size_t position = static_cast<std::size_t>(positions_[static_cast<std::size_t>(r)]) * M_;
    for (int a = 0; a < M_; ++a) {
      const auto mean_field = [&](model::Feature f) {
        return semantic_scale_ * static_cast<double>(sums_[static_cast<std::size_t>(f * M_ + a)]);
      };
      output_semantic_[static_cast<std::size_t>(a)] = mean_field(model::o);
      output_[static_cast<std::size_t>(a)] = output_semantic_[static_cast<std::size_t>(a)] + positional_[model::o][position + a];
      value_[at + a] = mean_field(model::v) + positional_[model::v][position + a];
      key_[at + a] = mean_field(model::k) + positional_[model::k][position + a];
      query_[static_cast<std::size_t>(a)] = mean_field(model::q) + positional_[model::q][position + a];
    }
  }

  // docs/model.md §2 with a drawn token: 1. the newest token; 2. the scores; 3. the softmax-weighted
  // values; 4. the shift.
  void advance(const StepRecord* record) {
    draw_token(0);
    const int slots = history_ + 1;
    double max_score = -std::numeric_limits<double>::infinity();
    for (int d = 0; d < slots; ++d) {
      const double* key = key_.data() + static_cast<std::size_t>(ring(d)) * M_;
      double dot = 0.0;
      for (int a = 0; a < M_; ++a) dot += query_[static_cast<std::size_t>(a)] * key[a];
      scores_[static_cast<std::size_t>(d)] = gamma_eff_ * dot;
      max_score = std::max(max_score, scores_[static_cast<std::size_t>(d)]);
    }
    double normalisation = 0.0;
    for (int d = 0; d < slots; ++d) {
      double& z = scores_[static_cast<std::size_t>(d)];
      z = std::exp(z - max_score);
      normalisation += z;
    }
    std::fill(next_.begin(), next_.end(), 0.0);
    for (int d = 0; d < slots; ++d) {
      const double weight = scores_[static_cast<std::size_t>(d)] / normalisation;
      const double* value = value_.data() + static_cast<std::size_t>(ring(d)) * M_;
      for (int a = 0; a < M_; ++a) next_[static_cast<std::size_t>(a)] += weight * value[a];
    }
    if (record) {
      const std::size_t head = static_cast<std::size_t>(head_) * M_;
      const auto copy = [&](const double* from, double* to) {
        if (to) std::copy_n(from, M_, to);
      };
      copy(next_.data(), record->attention);
      copy(output_.data(), record->output);
      copy(output_semantic_.data(), record->output_semantic);
      copy(value_.data() + head, record->value);
      copy(query_.data(), record->query);
      copy(key_.data() + head, record->key);
    }
    head_ = head_ == 0 ? L_ - 1 : head_ - 1;
    std::copy(next_.begin(), next_.end(), attention_.begin() + static_cast<std::ptrdiff_t>(head_) * M_);
    history_ = std::min(slots, L_ - 1);
    ++steps_done_;
  }

  int M_, L_;
  double beta_, gamma_eff_, semantic_scale_;
  model::NetworkLayout layout_;
  model::NoiseStream noise_;
  Sampler sampler_;
  std::vector<double> positional_[4];  // [2^P][M]
  std::vector<double> attention_, value_, key_;  // ring [L][M]
  std::vector<int> positions_;
  int head_ = 0, history_ = 0;
  std::vector<double> query_, scores_, next_, output_, output_semantic_;
  std::vector<long long> sums_;
};

}  // namespace

std::unique_ptr<Engine> make_network_engine(const model::MeanFieldMap& map, const model::Weights& weights,
                                            const model::Window& window, const NetworkSpec& spec) {
  return std::make_unique<NetworkEngine>(map, weights, window, spec);
}

}  // namespace attnmf::dynamics
