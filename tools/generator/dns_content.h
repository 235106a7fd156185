// DNS messages (RFC 1035) with real name compression, for unicast DNS, mDNS and LLMNR.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sensor/common/ip_address.h"
#include "tools/generator/byte_writer.h"

namespace bw::gen {

inline constexpr std::uint16_t kDnsTypeA = 1;
inline constexpr std::uint16_t kDnsTypeCname = 5;
inline constexpr std::uint16_t kDnsTypeSoa = 6;
inline constexpr std::uint16_t kDnsTypePtr = 12;
inline constexpr std::uint16_t kDnsTypeAaaa = 28;
inline constexpr std::uint16_t kDnsTypeOpt = 41;
inline constexpr std::uint16_t kDnsRcodeNxDomain = 3;

struct DnsRecord {
  std::string name;
  std::uint16_t type = kDnsTypeA;
  std::uint16_t klass = 1;  // mDNS sets the cache-flush bit (0x8001)
  std::uint32_t ttl = 300;
  IpAddress address;   // A / AAAA
  std::string target;  // CNAME / PTR
};

struct DnsQuestion {
  std::uint16_t id = 0;
  std::uint16_t flags = 0x0100;  // RD
  std::string name;
  std::uint16_t type = kDnsTypeA;
  std::uint16_t klass = 1;
  bool edns = true;  // OPT record with a 1232-byte UDP size, as current resolvers send
};

Bytes build_dns_query(const DnsQuestion& question);
// A response echoing the question. NXDOMAIN responses carry the zone's SOA in the authority
// section, the way resolvers return them.
Bytes build_dns_response(const DnsQuestion& question, std::uint16_t flags,
                         const std::vector<DnsRecord>& answers, const std::string& soa_zone = {});

// Appends a name, pointing at an earlier occurrence of any suffix (RFC 1035 4.1.4).
class DnsNameWriter {
 public:
  explicit DnsNameWriter(Bytes& message) : message_(message) {}
  void write(const std::string& name);

 private:
  Bytes& message_;
  std::vector<std::pair<std::string, std::uint16_t>> suffixes_;
};

}  // namespace bw::gen
