#include "sensor/common/ip_address.h"

#include <arpa/inet.h>

namespace bw {
namespace {

// Text formatting runs once or twice per exported event. glibc's inet_ntop formats through
// sprintf; these produce the same text (including its IPv6 zero-run and embedded-IPv4 choices)
// with plain stores.

char* put_decimal(char* out, std::uint8_t value) {
  if (value >= 100) *out++ = static_cast<char>('0' + value / 100);
  if (value >= 10) *out++ = static_cast<char>('0' + value / 10 % 10);
  *out++ = static_cast<char>('0' + value % 10);
  return out;
}

char* put_v4(char* out, const std::uint8_t* bytes) {
  for (int i = 0; i < 4; ++i) {
    if (i > 0) *out++ = '.';
    out = put_decimal(out, bytes[i]);
  }
  return out;
}

// Lower-case hex without leading zeros.
char* put_hex16(char* out, std::uint16_t value) {
  static constexpr char kHex[] = "0123456789abcdef";
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    const unsigned digit = (value >> shift) & 0xf;
    started = started || digit != 0 || shift == 0;
    if (started) *out++ = kHex[digit];
  }
  return out;
}

struct ZeroRun {
  int base = -1;
  int length = 0;
};

// The longest run of zero groups (the first of equal ones); runs of one group are not
// compressed (RFC 5952 section 4.2.2).
ZeroRun longest_zero_run(const std::uint16_t (&words)[8]) {
  ZeroRun best;
  ZeroRun current;
  for (int i = 0; i <= 8; ++i) {
    if (i < 8 && words[i] == 0) {
      if (current.base < 0) current = {i, 0};
      ++current.length;
      continue;
    }
    if (current.base >= 0 && current.length > best.length) best = current;
    current = {};
  }
  if (best.length < 2) best = {};
  return best;
}

char* put_v6(char* out, const std::uint8_t* bytes) {
  std::uint16_t words[8];
  for (int i = 0; i < 8; ++i) {
    words[i] = static_cast<std::uint16_t>((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  }
  const ZeroRun run = longest_zero_run(words);
  for (int i = 0; i < 8; ++i) {
    if (run.base >= 0 && i >= run.base && i < run.base + run.length) {
      if (i == run.base) *out++ = ':';
      continue;
    }
    if (i != 0) *out++ = ':';
    // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) addresses end in dotted form.
    if (i == 6 && run.base == 0 && (run.length == 6 || (run.length == 5 && words[5] == 0xffff))) {
      return put_v4(out, bytes + 12);
    }
    out = put_hex16(out, words[i]);
  }
  if (run.base >= 0 && run.base + run.length == 8) *out++ = ':';
  return out;
}

}  // namespace

std::size_t IpAddress::format(char* buf, std::size_t size) const {
  char text[INET6_ADDRSTRLEN];
  std::size_t n = 0;
  if (family == 4) {
    n = static_cast<std::size_t>(put_v4(text, bytes.data()) - text);
  } else if (family == 6) {
    n = static_cast<std::size_t>(put_v6(text, bytes.data()) - text);
  }
  if (n == 0 || n >= size) {
    if (size > 0) buf[0] = '\0';
    return 0;
  }
  std::memcpy(buf, text, n);
  buf[n] = '\0';
  return n;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  const std::size_t n = format(buf, sizeof buf);
  return {buf, n};
}

}  // namespace bw
