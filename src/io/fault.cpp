#include "attnmf/io/fault.hpp"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace attnmf::io::fault {
namespace {

constexpr std::string_view kSites[] = {"journal_append", "dataset_create", "row_write", "file_close", "compute"};

struct Fault {
  std::string site;
  int rank = -1;             // -1: every rank
  long long occurrence = 1;  // 1-based
};

struct Plan {
  std::vector<Fault> faults;
  std::string error;  // a malformed ATTNMF_FAULT
};

Plan parse(const char* text) {
  Plan plan;
  std::string all(text);
  std::size_t start = 0;
  while (start <= all.size()) {
    const std::size_t end = std::min(all.find(',', start), all.size());
    const std::string item = all.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    Fault f;
    const std::size_t first = item.find(':');
    f.site = item.substr(0, first);
    bool known = false;
    for (std::string_view s : kSites) known = known || s == f.site;
    try {
      if (first != std::string::npos) {
        const std::size_t second = item.find(':', first + 1);
        const std::string rank = item.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
        if (!rank.empty() && rank != "*") f.rank = std::stoi(rank);
        if (second != std::string::npos) f.occurrence = std::stoll(item.substr(second + 1));
      }
    } catch (const std::exception&) {
      known = false;
    }
    if (!known || f.occurrence < 1) {
      plan.error = "ATTNMF_FAULT = '" + all + "': '" + item +
                   "' is not SITE[:RANK[:OCCURRENCE]] with SITE one of journal_append, dataset_create, row_write, "
                   "file_close, compute";
      return plan;
    }
    plan.faults.push_back(f);
  }
  return plan;
}

std::atomic<int> process_rank{-1};
std::atomic<bool> armed{true};  // false once the environment is known to ask for nothing

const Plan& plan() {
  static const Plan p = [] {
    const char* text = std::getenv("ATTNMF_FAULT");
    return text && *text ? parse(text) : Plan{};
  }();
  return p;
}

}  // namespace

void set_rank(int rank) { process_rank.store(rank, std::memory_order_relaxed); }

void at(std::string_view site) {
  if (!armed.load(std::memory_order_relaxed)) return;
  const Plan& p = plan();
  if (p.faults.empty() && p.error.empty()) {
    armed.store(false, std::memory_order_relaxed);
    return;
  }
  if (!p.error.empty()) throw std::invalid_argument(p.error);
  static std::mutex mutex;
  static std::map<std::string, long long, std::less<>> reached;
  const int rank = std::max(process_rank.load(std::memory_order_relaxed), 0);
  std::lock_guard lock(mutex);
  const long long count = ++reached[std::string(site)];
  for (const Fault& f : p.faults)
    if (f.site == site && (f.rank < 0 || f.rank == rank) && f.occurrence == count)
      throw std::system_error(EIO, std::generic_category(),
                              "injected fault at " + std::string(site) + " (ATTNMF_FAULT, occurrence " + std::to_string(count) + ")");
}

}  // namespace attnmf::io::fault
