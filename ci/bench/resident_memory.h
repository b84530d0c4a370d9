// Resident memory of this process, read from /proc/self/statm: what the
// benchmarks' records really cost, allocator overhead and slack included.
#pragma once

#include <unistd.h>

#include <cstdio>

inline long ResidentBytes() {
  long pages_total = 0, pages_resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = 0;
    std::fclose(f);
  }
  return pages_resident * sysconf(_SC_PAGESIZE);
}
