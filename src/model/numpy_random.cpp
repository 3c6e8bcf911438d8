#include "attnmf/model/numpy_random.hpp"

#include <cmath>

namespace attnmf::model {

double NumpyLegacyRandom::random_double() {
  const std::uint32_t a = next_uint32() >> 5U;
  const std::uint32_t b = next_uint32() >> 6U;
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

double NumpyLegacyRandom::gauss() {
  if (has_gauss_) {
    has_gauss_ = false;
    return gauss_;
  }
  double x1 = 0.0, x2 = 0.0, r2 = 0.0;
  do {
    x1 = 2.0 * random_double() - 1.0;
    x2 = 2.0 * random_double() - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 == 0.0);
  const double f = std::sqrt(-2.0 * std::log(r2) / r2);
  gauss_ = f * x1;
  has_gauss_ = true;
  return f * x2;
}

}  // namespace attnmf::model
