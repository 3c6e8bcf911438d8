#pragma once
// Floquet exponents of a periodic orbit of the mean-field map (docs/model.md §5): for an orbit that
// recurs after p steps, the product of the p step Jacobians over one period (the monodromy matrix)
// maps a perturbation once round the orbit; the logarithms of the moduli of its eigenvalues (the
// Floquet multipliers), divided by p, are the orbit's Lyapunov exponents, exact up to rounding. A
// finite-time estimate (Benettin's, LyapunovEstimator) converges to them only like 1/T, and over a
// window that still holds the end of a transient it may not be near them at all.
//
// The monodromy matrix is never formed: its multipliers span e^{(λ₁ − λ_n) p}, far more than a double
// resolves (at period 248 in the paper's setting, λ₁ − λ₃ ≈ 0.3, a ratio of e^74), so the eigenvalues
// of the formed product would lose every exponent more than ~36/p below the leading one. Instead,
// orthogonal iteration runs round the orbit with the step Jacobians one at a time, J_s Q_{s−1} = Q_s R_s
// (Householder QR), until the leading subspaces of every dimension that separates distinct moduli
// are invariant: one round from Q_0 ends at Q_p with C = Q_0ᵀ Q_p block diagonal (off-block entries
// below 1e-10), blocks of one column for a real multiplier whose modulus stands apart and of two or
// more where moduli (a complex pair) are equal or too close to separate in the rounds made. The
// multipliers of a block are then the eigenvalues of C_bb · Π_s (R_s)_bb, the product of the
// factors' diagonal blocks carried with its own scale, so an exponent is resolved to rounding
// relative to its own size whatever the spread over the period (a periodic QR in its simplest form).
// What one step's Jacobian cannot resolve is lost as in Benettin's method (lyapunov.hpp): at strong
// softmax saturation the deepest directions are contracted in a single step by more than 1e-16
// relative to the leading one (at β = 1.27457, period 128, the lowest four of twelve). The rounds
// stop when no boundary that matters is still converging at a rate of at least one half per round
// (at most 64 rounds, and about 2^15 steps in all): 2 to 3 rounds of a long period, 10 to 30 of a
// short one.

#include <complex>
#include <span>
#include <vector>

#include "attnmf/dynamics/engine.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/window.hpp"

namespace attnmf::dynamics {

struct FloquetSpectrum {
  // All M·L exponents (or the `leading` largest, floquet_spectra), descending: log |μ_i| / p (−∞ for
  // a multiplier that is exactly 0). Empty when not computed (a lane not asked for).
  std::vector<double> exponents;
  // The multipliers μ_i, in the order of `exponents` (a complex pair adjacent). A modulus below the
  // smallest double (a strongly contracting long period: e^{λ p} < 1e−308) comes out as 0; the
  // exponent keeps it.
  std::vector<std::complex<double>> multipliers;
  // How far the window is from where it started after the p steps, in max-norm over the attention
  // (∞ when the positions differ): the check that the window lay on an orbit of period p.
  double closure = 0.0;
  // Rounds of the period made by the orthogonal iteration, and whether its invariant subspaces were
  // confirmed (false: every round changed the blocks; the exponents are then those of the last
  // round's blocks, not to be trusted).
  int rounds = 0;
  bool converged = false;
};

// The Floquet spectrum of the orbit through `on_orbit` with period `period` (steps), computed with
// the scalar engine from that window: the window must lie on the orbit (a window the recurrence test
// found periodic), or the result is that of the p-step map there and no orbit's (`closure` tells).
// Throws std::invalid_argument for a period below 1.
FloquetSpectrum floquet_spectrum(const model::MeanFieldMap& map, const model::Window& on_orbit, int period);

// The Floquet spectra of the orbits through the present windows of `engine`'s lanes, with the
// engine's own arithmetic: periods[i] (steps) for lane i, 0 for a lane whose spectrum is not wanted
// (its entry is left empty); lanes beyond periods.size() are not wanted. `leading` > 0 asks for the
// `leading` largest exponents only: the iteration then follows leading + 2 directions (all of them
// if the block of the last one wanted does not close within those) and waits only for the
// boundaries up to that block, much cheaper for a few of M·L. `engine` itself does not move: a copy
// (Engine::clone) is stepped once round the longest period, a step of every lane per step of that
// period. Throws std::invalid_argument for a negative period, more periods than lanes, or `leading`
// outside 0 … M·L.
std::vector<FloquetSpectrum> floquet_spectra(const Engine& engine, std::span<const int> periods, int leading = 0);

}  // namespace attnmf::dynamics
