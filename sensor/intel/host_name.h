// Host names as matched: lowercase, no port, no brackets, no trailing dot.
//
// The same tracker host reaches the sensor as "Pixel.Example.com:443", "[2001:db8::1]:80",
// "pixel.example.com." (an FQDN in a Host header) or an SNI; all of them must land on one key.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sensor/common/fixed_string.h"
#include "sensor/intel/text.h"

namespace bw::intel {

// Longest DNS name in text form (RFC 1035: 255 octets on the wire).
inline constexpr std::size_t kMaxHostLength = 253;
using HostText = FixedString<kMaxHostLength>;

// The host part of an authority: drops "userinfo@", IPv6 brackets and ":port". A bare IPv6
// address (several colons, no brackets) is returned whole.
std::string_view strip_authority(std::string_view authority);

// strip_authority and one trailing dot removed; letters keep their case.
std::string_view host_part(std::string_view raw);

// host_part with ASCII letters lowercased, written into `out` (replacing its contents). False when
// nothing is left or the name is longer than a DNS name can be. Runs per packet: no allocation.
template <std::size_t Capacity>
bool normalize_host(std::string_view raw, FixedString<Capacity>& out) {
  static_assert(Capacity >= kMaxHostLength);
  const std::string_view host = host_part(raw);
  out.clear();
  if (host.empty() || host.size() > kMaxHostLength) return false;
  for (const char c : host)
    out.push_back(ascii_lower(c));
  return true;
}

// True when the normalized host is written as an address (IPv4 dotted quad or IPv6), so address
// indicators apply to it as well.
bool looks_like_ip_literal(std::string_view host);

// Setup time: checks a domain written in a feed or list and returns its canonical form
// (lowercase, no trailing dot). Letters, digits, '-' and '_' only; labels of 1..63 characters;
// addresses are refused (they belong in an "ip" feed).
bool canonical_domain(std::string_view text, std::string& out, std::string& reason);

}  // namespace bw::intel
