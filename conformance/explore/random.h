// The explorer's random numbers: SplitMix64, whose stream is the same on
// every platform and standard library (std:: distributions are not), so a
// seed names the same sequence everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace conformance::explore {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }
  bool Chance(int percent) { return static_cast<int>(Below(100)) < percent; }
  template <typename T>
  const T& Of(const std::vector<T>& items) { return items[Below(items.size())]; }

 private:
  uint64_t state_;
};

}  // namespace conformance::explore
