// Replaces every non-aligned form of the global allocation functions with malloc/free, counting
// while the calling thread asked for it. All forms are replaced together so that whatever form
// allocates, the matching form frees: AddressSanitizer checks that pairing. The aligned forms keep
// their defaults, which pair among themselves.
#include "tests/support/allocation_counter.h"

#include <cstdlib>
#include <new>

// GCC cannot see that the malloc in operator new pairs with the free in operator delete.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
thread_local bool counting = false;
thread_local std::uint64_t count = 0;

void* counted_malloc(std::size_t size) {
  if (counting) ++count;
  return std::malloc(size == 0 ? 1 : size);
}
}  // namespace

namespace bw::testing {
void set_allocation_counting(bool on) {
  counting = on;
}
std::uint64_t allocation_count() {
  return count;
}
void reset_allocation_count() {
  count = 0;
}
}  // namespace bw::testing

void* operator new(std::size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return counted_malloc(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return counted_malloc(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
