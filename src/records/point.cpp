#include "attnmf/records/point.hpp"

namespace attnmf::records {

std::string_view to_string(PointStatus status) { return kPointStatusNames.at(static_cast<std::size_t>(status)); }

}  // namespace attnmf::records
