// Domain names in DNS wire format (RFC 1035 3.1, 4.1.4): labels, compression pointers, and the
// presentation form the records carry.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sensor/common/bytes.h"
#include "sensor/common/fixed_string.h"

namespace bw::extract::dns {

enum class NameStatus : std::uint8_t {
  kOk,
  kTruncated,       // the message ends inside the name
  kLabelTooLong,    // a length byte of 64..191: no label, and the 0x40/0x80 label types are dead
  kPointerForward,  // a pointer to itself or to later bytes
  kPointerLoop,     // a pointer back into the part of the name already read, or too many hops
  kTooLong,         // over 255 octets in wire form
};

// Longest chain of compression pointers followed in one name. With each pointer required to land
// before the previous one this is only a backstop; 127 is the most labels a 255-octet name holds.
inline constexpr int kMaxPointerHops = 127;

struct NameRead {
  NameStatus status = NameStatus::kOk;
  // Offset just past the name where it was found (its terminating zero or its first pointer).
  // Known as soon as the walk leaves that place, so even a name that then turns out damaged
  // (a bad pointer chain, too long) does not stop the message from being parsed past it.
  std::size_t end = 0;
  bool end_known = false;
};

// Reads the name starting at message[offset]. Writes the presentation form (labels joined by '.',
// no trailing dot, "." for the root; bytes outside '!'..'~' and the characters '.' and '\' as
// \DDD) into `text` when given; a name longer than `text` holds is cut and flagged there.
NameRead read_name(ByteSpan message, std::size_t offset, FixedString<256>* text);

}  // namespace bw::extract::dns
