#pragma once
// Recorded steps of one trajectory in blocks of rows, so that memory stays bounded however long
// the trajectory is (docs/model.md §3).

#include <cstddef>
#include <stdexcept>
#include <vector>

#include "attnmf/dynamics/engine.hpp"

namespace attnmf::records {

// Each quantity row-major [rows][M].
struct RecordedRows {
  int features = 0;
  std::size_t rows = 0;
  std::vector<double> attention, output, output_semantic, value, query, key;

  RecordedRows(int m, std::size_t capacity)
      : features(m),
        attention(capacity * m),
        output(capacity * m),
        output_semantic(capacity * m),
        value(capacity * m),
        query(capacity * m),
        key(capacity * m) {}
  // Where a one-lane engine's step writes row `row`.
  dynamics::StepRecord record(std::size_t row) {
    const std::size_t at = row * static_cast<std::size_t>(features);
    return {attention.data() + at, output.data() + at, output_semantic.data() + at,
            value.data() + at,     query.data() + at,  key.data() + at};
  }
  std::size_t capacity() const { return attention.size() / static_cast<std::size_t>(features); }
  // The quantities by the names files use: att, mo, mo_se, mv, mq, mk.
  static constexpr const char* names[6] = {"att", "mo", "mo_se", "mv", "mq", "mk"};
  const std::vector<double>& quantity(int index) const {
    switch (index) {
      case 0: return attention;
      case 1: return output;
      case 2: return output_semantic;
      case 3: return value;
      case 4: return query;
      case 5: return key;
      default: throw std::out_of_range("no recorded quantity with this index");
    }
  }
};

}  // namespace attnmf::records
