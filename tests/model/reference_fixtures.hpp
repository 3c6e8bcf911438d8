#pragma once
// Readers for the fixtures of tests/reference, produced by the authors' Python implementation.

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace attnmf::testing {

inline std::string reference_path(const std::string& name) { return std::string(ATTNMF_REFERENCE_DIR) + "/" + name; }

struct ReferenceTables {
  std::map<std::string, std::vector<std::vector<double>>> corr_signed;  // feature -> rows j
  std::map<std::string, std::vector<std::vector<double>>> positional;   // feature -> rows a
};

inline ReferenceTables read_reference_tables(const std::string& name) {
  std::ifstream in(reference_path(name));
  ReferenceTables t;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string kind, feature;
    int index = 0;
    fields >> kind >> feature >> index;
    std::vector<double> values;
    for (double x; fields >> x;) values.push_back(x);
    (kind == "corr_signed" ? t.corr_signed : t.positional)[feature].push_back(values);
  }
  return t;
}

// Rows of a traj_* file: t, then A, m^o, m^o_se, m^v, m^q, m^k (M values each).
inline std::vector<std::vector<double>> read_reference_trajectory(const std::string& name) {
  std::ifstream in(reference_path(name));
  std::vector<std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::vector<double> row;
    for (double x; fields >> x;) row.push_back(x);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace attnmf::testing
