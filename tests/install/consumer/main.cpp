// Integrates the paper's map at β = 0.5 from the installed checkpoint window and compares step 199
// with the authors' implementation (tests/reference/traj_checkpoint_beta0.5.txt, where the orbit has
// settled on a fixed point): the installed headers, library and data make the same physics.
//   consumer CHECKPOINT_WINDOW REFERENCE_TRAJECTORY
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <span>
#include <string>
#include <vector>

#include "attnmf/dynamics/integrator.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/model/window.hpp"
#include "attnmf/version.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: consumer CHECKPOINT_WINDOW REFERENCE_TRAJECTORY\n");
    return 2;
  }
  using namespace attnmf::model;
  using attnmf::dynamics::Integrator;
  using attnmf::dynamics::StepRecord;
  ModelParameters parameters;
  parameters.beta = 0.5;
  const Weights weights = draw_weights(parameters);
  const MeanFieldMap map(parameters, weights);
  Integrator integrator(map, read_window_file(argv[1], map));
  const int M = parameters.features;
  std::vector<double> row(6 * static_cast<std::size_t>(M));
  const StepRecord record{&row[0], &row[M], &row[2 * M], &row[3 * M], &row[4 * M], &row[5 * M]};
  for (int t = 0; t < 200; ++t) integrator.step(record);

  std::ifstream in(argv[2]);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') last = line;
  std::istringstream fields(last);
  double t = 0;
  fields >> t;
  std::vector<double> expected;
  for (double x; fields >> x;) expected.push_back(x);
  if (t != 199 || expected.size() != row.size()) {
    std::fprintf(stderr, "%s: not a 200-step reference trajectory of M = %d\n", argv[2], M);
    return 1;
  }
  std::span<const double> got(row);
  double worst = 0;
  for (std::size_t i = 0; i < got.size(); ++i) worst = std::fmax(worst, std::fabs(got[i] - expected[i]));
  std::printf("attnmf %s: step 199 at beta 0.5 within %.3g of the authors' implementation\n",
              attnmf::software_version, worst);
  return worst < 1e-12 ? 0 : 1;
}
