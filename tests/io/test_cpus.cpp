// The CPUs a rank may run on (io/cpus.hpp): read from the affinity mask, and the warning when
// compute threads outnumber them.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <thread>

#include "attnmf/io/cpus.hpp"

namespace {

TEST(Cpus, TheAffinityMaskIsWhatCounts) {
  const int all = attnmf::io::usable_cpus();
  EXPECT_GE(all, 1);
  EXPECT_LE(all, static_cast<int>(std::max(1U, std::thread::hardware_concurrency())));
  // A thread confined to one CPU (as mpirun binds a lone rank) sees one.
  int confined = 0;
  std::thread([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
    ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof one, &one), 0);
    confined = attnmf::io::usable_cpus();
  }).join();
  EXPECT_EQ(confined, 1);
}

TEST(Cpus, FewerCpusThanThreadsIsWarnedOfWithTheFix) {
  EXPECT_EQ(attnmf::io::cpu_shortfall(0, 2, 2), "");
  EXPECT_EQ(attnmf::io::cpu_shortfall(3, 8, 2), "");
  const std::string warning = attnmf::io::cpu_shortfall(1, 1, 2);
  for (const char* part : {"rank 1 may run on 1 CPU", "parallel.threads_per_rank = 2", "--bind-to none",
                           "--map-by slot:PE=2", "srun --cpus-per-task=2", "or set parallel.threads_per_rank = 1"})
    EXPECT_NE(warning.find(part), std::string::npos) << part << " in: " << warning;
}

}  // namespace
