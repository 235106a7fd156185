// Counters are declared once, as X-macro lists, next to the code that increments them.
//
// A list such as
//   #define BW_DECODE_COUNTERS(X) X(ethernet_truncated) X(ipv4_bad_header_length)
// becomes a plain struct of uint64_t fields with BW_DECLARE_COUNTERS, and the same list drives
// the end-of-run summary and health events, so a counter cannot be incremented under one name
// and reported under another. Each struct is written by one thread only; readers take copies at
// quiescent points (end of replay) or accept slightly stale values (health reports).
#pragma once

#include <cstdint>
#include <string_view>

#define BW_COUNTER_FIELD(name) std::uint64_t name = 0;
#define BW_COUNTER_VISIT(name) visitor(std::string_view(#name), name);
#define BW_COUNTER_ADD(name) name += other.name;

// Declares the fields plus for_each(visitor) and operator+= over the list.
#define BW_DECLARE_COUNTERS(LIST)          \
  LIST(BW_COUNTER_FIELD)                   \
  template <typename Visitor>              \
  void for_each(Visitor&& visitor) const { \
    LIST(BW_COUNTER_VISIT)                 \
  }                                        \
  template <typename Self>                 \
  Self& add_from(const Self& other) {      \
    LIST(BW_COUNTER_ADD)                   \
    return *static_cast<Self*>(this);      \
  }
