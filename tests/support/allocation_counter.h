// Counts calls to the global allocation functions, for tests that prove a code path never touches
// the heap. A test binary that uses this links tests/support/allocation_counter.cc, which replaces
// operator new and delete for the whole binary (one definition per program is allowed).
#pragma once

#include <cstdint>

namespace bw::testing {

// Counting is per thread: other threads (gtest, libraries) never disturb a measurement.
void set_allocation_counting(bool on);
std::uint64_t allocation_count();  // on this thread, since the last reset
void reset_allocation_count();

}  // namespace bw::testing
