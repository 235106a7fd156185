#include "sensor/decode/packet_decoder.h"

#include <algorithm>
#include <array>

namespace bw::decode {
namespace {

constexpr std::array<std::uint32_t, 13> kSupportedLinktypes = {
    linktype::kNull,      linktype::kEthernet, linktype::kPpp,       linktype::kRaw,
    linktype::kCiscoHdlc, linktype::kLoop,     linktype::kLinuxSll,  linktype::kIpv4,
    linktype::kIpv6,      linktype::kNflog,    linktype::kLinuxSll2, linktype::kDltRaw12,
    linktype::kDltRaw14,
};

}  // namespace

PacketDecoder::PacketDecoder(const DecoderConfig& config)
    : config_(config),
      reassembler_(config.max_fragment_datagrams, config.max_datagram_bytes,
                   config.fragment_timeout_ns, std::size_t{config.max_encapsulation_depth} + 1) {}

bool PacketDecoder::supports_linktype(std::uint32_t linktype) {
  return std::find(kSupportedLinktypes.begin(), kSupportedLinktypes.end(), linktype) !=
         kSupportedLinktypes.end();
}

std::span<const std::uint32_t> PacketDecoder::supported_linktypes() {
  return kSupportedLinktypes;
}

DecodeResult PacketDecoder::decode(std::uint32_t linktype, ByteSpan frame, TimestampNs ts,
                                   DecodedPacket& out) {
  reassembler_.release_completed();
  ++counters_.frames;
  out = DecodedPacket{};
  Walk walk{out, ts};
  const DecodeResult result = decode_link(linktype, frame, walk);
  if (result != DecodeResult::kOk) [[unlikely]] {
    count_result(result);
  }
  return result;
}

void PacketDecoder::expire(TimestampNs now) {
  reassembler_.expire(now, counters_);
}

DecodeResult PacketDecoder::decode_link(std::uint32_t linktype, ByteSpan frame, Walk& walk) {
  switch (linktype) {
    case linktype::kEthernet:
      return decode_ethernet(frame, walk);
    case linktype::kRaw:
    case linktype::kDltRaw12:
    case linktype::kDltRaw14:
      return decode_raw_ip(frame, walk);
    case linktype::kIpv4:
      return decode_ipv4(frame, walk);
    case linktype::kIpv6:
      return decode_ipv6(frame, walk);
    case linktype::kLinuxSll:
      return decode_linux_sll(frame, walk);
    case linktype::kLinuxSll2:
      return decode_linux_sll2(frame, walk);
    case linktype::kNull:
      return decode_loopback(frame, /*host_byte_order=*/true, walk);
    case linktype::kLoop:
      return decode_loopback(frame, /*host_byte_order=*/false, walk);
    case linktype::kPpp:
      return decode_ppp(frame, walk);
    case linktype::kCiscoHdlc:
      return decode_cisco_hdlc(frame, walk);
    case linktype::kNflog:
      return decode_nflog(frame, walk);
    default:
      return DecodeResult::kUnsupportedLinkType;
  }
}

bool PacketDecoder::enter_tunnel(Walk& walk, std::uint32_t encapsulation) {
  if (walk.depth >= config_.max_encapsulation_depth) {
    ++counters_.encapsulation_too_deep;
    return false;
  }
  ++walk.depth;
  walk.out.encapsulation |= encapsulation;
  return true;
}

void PacketDecoder::count_result(DecodeResult result) {
  switch (result) {
    case DecodeResult::kNotIp:
      ++counters_.not_ip;
      break;
    case DecodeResult::kMalformed:
      ++counters_.malformed;
      break;
    case DecodeResult::kUnsupportedLinkType:
      ++counters_.unsupported_linktype;
      break;
    case DecodeResult::kOk:
    case DecodeResult::kFragmentHeld:
      break;
  }
}

}  // namespace bw::decode
