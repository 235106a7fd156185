// IP indicators: single addresses and CIDR prefixes of both families.
//
// Prefixes are grouped by (family, length); each group is a sorted array of network addresses, so
// a lookup masks the address once per length present and binary-searches that group. Feeds use a
// handful of distinct lengths, so this stays a few searches per address without the memory of a
// bit trie. A v4-mapped IPv6 address (::ffff:a.b.c.d) is also looked up as the IPv4 address.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/common/ip_address.h"
#include "sensor/intel/intel_types.h"

namespace bw::intel {

struct IpPrefix {
  IpAddress network;
  std::uint8_t length = 0;  // 0..32 for IPv4, 0..128 for IPv6
};

// Parses an address in text form ("192.0.2.1", "2001:db8::1"). No allocation.
bool parse_ip_address(std::string_view text, IpAddress& out);

// Parses "address" (a /32 or /128) or "address/length". A prefix with bits set past its length
// (192.0.2.1/24) is refused rather than silently widened: it is usually a typo for a host.
bool parse_ip_prefix(std::string_view text, IpPrefix& out, std::string& reason);

// Canonical text: "192.0.2.0/24", "2001:db8::/32"; a full-length prefix is written as the address.
std::string format_ip_prefix(const IpPrefix& prefix);

class PrefixTable {
 public:
  void add(const IpPrefix& prefix, const IndicatorMeta& meta);
  // Sorts, merges duplicate prefixes (the heaviest wins) and groups by length. Returns how many
  // were merged away.
  std::size_t finish();

  // The heaviest prefix covering `address`; among equal weights the longest. Does not allocate.
  const IndicatorMeta* find(const IpAddress& address) const;
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  // An address as a 128-bit big-endian number; IPv4 uses the top 32 bits.
  struct Bits128 {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    auto operator<=>(const Bits128&) const = default;
  };
  struct Entry {
    std::uint8_t family = 0;
    std::uint8_t length = 0;
    Bits128 network;
    IndicatorMeta meta;
  };
  struct Group {
    std::uint8_t family = 0;
    std::uint8_t length = 0;
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
  };

  static Bits128 to_bits(const IpAddress& address);
  static Bits128 mask(Bits128 bits, unsigned length);
  void find_in_family(std::uint8_t family, Bits128 bits, BestMeta& best) const;

  std::vector<Entry> entries_;
  std::vector<Group> groups_;  // by family, then longest prefix first
};

}  // namespace bw::intel
