#pragma once
// The CPUs this process may run on: its affinity mask, which mpirun (binding a lone rank to one core
// by default), srun (--cpus-per-task) and taskset set. Compute threads beyond it share its CPUs.

#include <string>

namespace attnmf::io {

// The number of CPUs in the calling thread's affinity mask; where that cannot be read,
// std::thread::hardware_concurrency() (at least 1).
int usable_cpus();

// "" when `cpus` ≥ `threads`; otherwise a warning naming the rank, the shortfall and the ways to give
// the rank more CPUs (mpirun --bind-to none or --map-by slot:PE=<threads>, srun --cpus-per-task),
// or to use fewer threads.
std::string cpu_shortfall(int rank, int cpus, int threads);

}  // namespace attnmf::io
