#include "sensor/flow/community_id.h"

#include <array>

#include "sensor/common/crypto.h"

namespace bw::flow {
namespace {

constexpr std::uint8_t kIcmp = 1;
constexpr std::uint8_t kIcmpv6 = 58;

// ICMP types that have a reply type are hashed as if the reply's type were the port on the other
// side, so request and reply land in one flow (spec, "ICMP" section).
bool icmp_counterpart(std::uint8_t protocol, std::uint16_t type, std::uint16_t& counterpart) {
  static constexpr std::array<std::pair<std::uint8_t, std::uint8_t>, 7> kIcmp4 = {
      {{8, 0}, {0, 8}, {13, 14}, {14, 13}, {15, 16}, {16, 15}, {17, 18}}};
  static constexpr std::array<std::pair<std::uint8_t, std::uint8_t>, 8> kIcmp6 = {{{128, 129},
                                                                                   {129, 128},
                                                                                   {133, 134},
                                                                                   {134, 133},
                                                                                   {135, 136},
                                                                                   {136, 135},
                                                                                   {130, 131},
                                                                                   {131, 130}}};
  auto find = [&](const auto& table) {
    for (const auto& [from, to] : table) {
      if (from == type) {
        counterpart = to;
        return true;
      }
    }
    return false;
  };
  if (protocol == kIcmp) {
    if (type == 18) {
      counterpart = 17;
      return true;
    }
    return find(kIcmp4);
  }
  return protocol == kIcmpv6 && find(kIcmp6);
}

void base64(const std::uint8_t* data, std::size_t size, CommunityId& out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t v =
        (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (size - i == 2) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back('=');
  } else if (size - i == 1) {
    const std::uint32_t v = std::uint32_t{data[i]} << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.append("==");
  }
}

}  // namespace

CommunityId community_id_v1(const IpAddress& src, std::uint16_t src_port, const IpAddress& dst,
                            std::uint16_t dst_port, std::uint8_t protocol, std::uint16_t seed) {
  const IpAddress* ip1 = &src;
  const IpAddress* ip2 = &dst;
  std::uint16_t port1 = src_port;
  std::uint16_t port2 = dst_port;
  bool one_way = false;
  if (protocol == kIcmp || protocol == kIcmpv6) {
    // For ICMP the "ports" are type and code; one-way messages keep their code as port2.
    std::uint16_t counterpart = 0;
    if (icmp_counterpart(protocol, src_port, counterpart)) {
      port2 = counterpart;
    } else {
      one_way = true;
    }
  }
  // One-way ICMP messages keep their orientation; everything else is ordered by endpoint.
  const bool ordered = *ip1 < *ip2 || (*ip1 == *ip2 && port1 <= port2);
  if (!one_way && !ordered) {
    std::swap(ip1, ip2);
    std::swap(port1, port2);
  }
  std::array<std::uint8_t, 2 + 16 + 16 + 2 + 4> buf{};
  std::size_t n = 0;
  buf[n++] = static_cast<std::uint8_t>(seed >> 8);
  buf[n++] = static_cast<std::uint8_t>(seed);
  for (std::size_t i = 0; i < ip1->length(); ++i)
    buf[n++] = ip1->bytes[i];
  for (std::size_t i = 0; i < ip2->length(); ++i)
    buf[n++] = ip2->bytes[i];
  buf[n++] = protocol;
  buf[n++] = 0;
  const bool has_ports = protocol == 6 || protocol == 17 || protocol == 132 || protocol == kIcmp ||
                         protocol == kIcmpv6;
  if (has_ports) {
    buf[n++] = static_cast<std::uint8_t>(port1 >> 8);
    buf[n++] = static_cast<std::uint8_t>(port1);
    buf[n++] = static_cast<std::uint8_t>(port2 >> 8);
    buf[n++] = static_cast<std::uint8_t>(port2);
  }
  const crypto::Sha1Digest digest = crypto::sha1(ByteSpan(buf.data(), n));
  CommunityId id;
  id.assign("1:");
  base64(digest.data(), digest.size(), id);
  return id;
}

}  // namespace bw::flow
