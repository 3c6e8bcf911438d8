#pragma once
// Boost.Serialization of the values that cross a process boundary: a point's result (the sweep
// journal), a point stopped mid-trajectory (the in-flight checkpoint) and the running states inside
// it. io/journal.hpp writes them inside versioned, checksummed frames. (PointResult::lyapunov_trace
// is not stored: only attnmf trajectory asks for it, and it writes its own file.)

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include "attnmf/analysis/point_analysis.hpp"
#include "attnmf/model/window.hpp"
#include "attnmf/records/point.hpp"

#include <ostream>
#include <sstream>
#include <streambuf>
#include <string>

namespace boost::serialization {

template <class Archive>
void serialize(Archive& a, attnmf::model::Window& w, unsigned) {
  a& w.features& w.context& w.history& w.attention& w.positions;
}

template <class Archive>
void serialize(Archive& a, attnmf::analysis::PointAnalysis& p, unsigned) {
  a& p.features& p.samples& p.section& p.section_total& p.crossings& p.crossing_direction& p.crossings_total&
      p.distinct_values& p.period& p.regime;
}

template <class Archive>
void serialize(Archive& a, attnmf::records::NetworkSummary& n, unsigned) {
  a& n.size& n.algorithm& n.reference_regime& n.reference_period& n.reference_samples& n.kind& n.distance& n.tracking&
      n.recognised& n.mean& n.deviation& n.bias& n.floor;
}
template <class Archive>
void serialize(Archive& a, attnmf::records::PointResult& r, unsigned) {
  a& r.index& r.start& r.status& r.error& r.analysis& r.lyapunov& r.lyapunov_estimate& r.lyapunov_source& r.zero_one&
      r.zero_band& r.regime& r.paper_regime& r.period& r.final_window& r.seconds& r.correlation_dimension& r.network;
}

template <class Archive>
void serialize(Archive& a, attnmf::records::PartialPoint& p, unsigned) {
  a& p.index& p.start& p.steps_done& p.window& p.analyzer_state& p.lyapunov_state& p.seconds;
}

}  // namespace boost::serialization

namespace attnmf::records {

// An output buffer that appends to the caller's string: what is archived into it is not copied
// again (ostringstream::str() would copy the half megabyte a Fig. 3 point journals), and a string
// that is reused keeps its capacity from one value to the next.
class AppendingBuffer : public std::streambuf {
 public:
  explicit AppendingBuffer(std::string& out) : out_(out) {}

 protected:
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) out_.push_back(traits_type::to_char_type(c));
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.append(s, static_cast<std::size_t>(n));
    return n;
  }

 private:
  std::string& out_;
};

// A value as the bytes of a binary archive, appended to `out` (the same bytes to_bytes returns).
template <class T>
void append_bytes(const T& value, std::string& out) {
  AppendingBuffer buffer(out);
  std::ostream stream(&buffer);
  boost::archive::binary_oarchive archive(stream);
  archive << value;
}

// A value as the bytes of a binary archive, and back (throws boost::archive::archive_exception on
// bytes it cannot read).
template <class T>
std::string to_bytes(const T& value) {
  std::string bytes;
  append_bytes(value, bytes);
  return bytes;
}

template <class T>
void from_bytes(const std::string& bytes, T& value) {
  std::istringstream in(bytes);
  boost::archive::binary_iarchive archive(in);
  archive >> value;
}

}  // namespace attnmf::records
