#pragma once
// Floquet exponents of a periodic orbit of the mean-field map (docs/model.md §5): for an orbit that
// recurs after p steps, the product of the p step Jacobians over one period (the monodromy matrix)
// maps a perturbation once round the orbit; the logarithms of the moduli of its eigenvalues (the
// Floquet multipliers), divided by p, are the orbit's Lyapunov exponents, exact up to rounding. A
// finite-time estimate (Benettin's, LyapunovEstimator) converges to them only like 1/T, and over a
// window that still holds the end of a transient it may not be near them at all.
//
// The monodromy matrix is formed as a product, so its eigenvalues are resolved relative to the
// largest: exponent i carries an error of about 1e-16 · |μ_1 / μ_i| / p, which is nothing for the
// leading exponents and grows for the lowest ones of long periods (at the paper's β = 1.27, period
// 28, the fifth and sixth of twelve move by ~2e-6 between one period and two). A periodic QR (the
// eigenvalues of the product without forming it) would resolve them all; the leading ones, which
// classify a point, do not need it.

#include <complex>
#include <vector>

#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/window.hpp"

namespace attnmf::dynamics {

struct FloquetSpectrum {
  // All M·L exponents, descending: log |μ_i| / p (−∞ for a multiplier that is exactly 0).
  std::vector<double> exponents;
  // The multipliers μ_i, in the order of `exponents`.
  std::vector<std::complex<double>> multipliers;
};

// The Floquet spectrum of the orbit through `on_orbit` with period `period` (steps), computed with
// the scalar engine from that window: the window must lie on the orbit (a window the recurrence test
// found periodic), or the result is that of the p-step map there and no orbit's. Throws
// std::invalid_argument for a period below 1.
FloquetSpectrum floquet_spectrum(const model::MeanFieldMap& map, const model::Window& on_orbit, int period);

}  // namespace attnmf::dynamics
