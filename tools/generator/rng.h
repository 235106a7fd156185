// Seeded pseudo-random numbers for the generator.
//
// Captures must be byte-identical for the same seed on every machine and compiler, so the
// generator never uses std::random_device, the clock, or the standard distributions (whose output
// is implementation-defined). xoshiro256** seeded through splitmix64 is small, fast and fully
// specified.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace bw::gen {

inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    std::uint64_t state = seed;
    for (auto& word : s_)
      word = splitmix64(state);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n); n == 0 yields 0. Multiply-shift on the top 32 bits avoids modulo bias
  // for the small ranges traffic shaping uses, without a rejection loop.
  std::uint64_t below(std::uint64_t n) {
    if (n == 0) return 0;
    if (n <= 0xffffffffULL) return ((next() >> 32) * n) >> 32;
    return next() % n;
  }
  // Uniform in [lo, hi], inclusive.
  std::uint64_t range(std::uint64_t lo, std::uint64_t hi) {
    return hi <= lo ? lo : lo + below(hi - lo + 1);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double probability) { return unit() < probability; }

  void fill(std::span<std::uint8_t> out) {
    std::size_t i = 0;
    while (i < out.size()) {
      std::uint64_t word = next();
      for (int b = 0; b < 8 && i < out.size(); ++b, word >>= 8) {
        out[i++] = static_cast<std::uint8_t>(word);
      }
    }
  }

  template <typename T>
  const T& pick(std::span<const T> items) {
    return items[below(items.size())];
  }
  template <typename T, std::size_t N>
  const T& pick(const T (&items)[N]) {
    return items[below(N)];
  }

  // An independent generator for a sub-task, so adding draws in one flow does not shift every
  // later flow of the capture.
  Rng fork() { return Rng(next()); }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace bw::gen
