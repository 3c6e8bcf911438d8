#include "attnmf/io/cpus.hpp"

#include <sched.h>

#include <algorithm>
#include <thread>

namespace attnmf::io {

int usable_cpus() {
  // A mask large enough for any machine glibc knows (CPU_SETSIZE is only 1024).
  for (int size = 1024; size <= (1 << 20); size *= 4) {
    cpu_set_t* set = CPU_ALLOC(static_cast<std::size_t>(size));
    if (!set) break;
    const std::size_t bytes = CPU_ALLOC_SIZE(static_cast<std::size_t>(size));
    CPU_ZERO_S(bytes, set);
    const bool read = sched_getaffinity(0, bytes, set) == 0;
    const int count = read ? CPU_COUNT_S(bytes, set) : 0;
    CPU_FREE(set);
    if (read) return std::max(count, 1);
  }
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

std::string cpu_shortfall(int rank, int cpus, int threads) {
  if (cpus >= threads) return {};
  const std::string t = std::to_string(threads);
  return "rank " + std::to_string(rank) + " may run on " + std::to_string(cpus) + (cpus == 1 ? " CPU" : " CPUs") +
         " but computes with parallel.threads_per_rank = " + t + " threads, which share them (a lone rank under "
         "mpirun is bound to one core by default): give each rank " + t + " CPUs (mpirun --bind-to none, or "
         "--map-by slot:PE=" + t + "; srun --cpus-per-task=" + t + "), or set parallel.threads_per_rank = " +
         std::to_string(cpus);
}

}  // namespace attnmf::io
