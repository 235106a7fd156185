// Decoder counters. Positive counters say what was seen; every other name is a "weird": a
// specific way in which a frame broke the rules, counted instead of crashing or asserting.
//
// Layer counters count headers, not frames: a tunnelled frame adds one to ipv4 for each IPv4
// header it carries, and a reassembled datagram is counted again once it is whole.
#pragma once

#include "sensor/common/counters.h"

// clang-format off
#define BW_DECODE_COUNTERS(X)                                                                      \
  /* What was seen. */                                                                             \
  X(frames) X(not_ip) X(malformed) X(unsupported_linktype)                                         \
  X(ipv4) X(ipv6) X(tcp) X(udp) X(other_transport)                                                 \
  X(vlan) X(mpls) X(pppoe) X(gre) X(erspan) X(vxlan) X(geneve) X(ip_in_ip) X(teredo)               \
  X(gtpu) X(ayiya)                                                                                 \
  X(fragments) X(datagrams_reassembled)                                                            \
  /* Link layers. */                                                                               \
  X(ethernet_truncated) X(vlan_truncated) X(mpls_truncated) X(mpls_unknown_payload)                \
  X(pppoe_truncated) X(pppoe_bad_header) X(ppp_truncated) X(linux_sll_truncated)                   \
  X(linux_sll2_truncated) X(loopback_truncated) X(cisco_hdlc_truncated) X(nflog_truncated)         \
  X(nflog_bad_tlv) X(nflog_without_payload) X(ip_version_unknown)                                  \
  /* IP. */                                                                                        \
  X(ipv4_header_truncated) X(ipv4_bad_version) X(ipv4_bad_header_length)                           \
  X(ipv4_total_length_too_small) X(ipv4_truncated) X(ipv4_total_length_zero)                       \
  X(ipv6_header_truncated) X(ipv6_bad_version) X(ipv6_truncated) X(ipv6_payload_length_zero)       \
  X(ipv6_extension_truncated)                                                                      \
  /* Transport. */                                                                                 \
  X(tcp_header_truncated) X(tcp_bad_data_offset) X(tcp_options_truncated)                          \
  X(udp_header_truncated) X(udp_bad_length) X(udp_length_mismatch)                                 \
  /* Tunnels. */                                                                                   \
  X(gre_truncated) X(gre_unsupported_version) X(gre_unsupported_protocol) X(gre_source_routing)    \
  X(pptp_bad_header) X(erspan_truncated) X(erspan_bad_version) X(erspan_unsupported_frame_type)    \
  X(vxlan_bad_header) X(geneve_bad_header) X(geneve_unsupported_protocol)                          \
  X(gtpu_not_user_plane) X(gtpu_signalling_message) X(gtpu_truncated) X(gtpu_length_mismatch)      \
  X(gtpu_bad_extension) X(gtpu_inner_not_ip)                                                       \
  X(ayiya_truncated) X(ayiya_bad_header) X(ayiya_not_forward) X(ayiya_unsupported_next_header)     \
  X(ayiya_inner_mismatch)                                                                          \
  X(encapsulation_too_deep)                                                                        \
  /* Fragment reassembly. */                                                                       \
  X(fragment_bad_length) X(fragment_header_too_long) X(fragment_inconsistent_length)               \
  X(fragment_overlap) X(fragment_duplicate) X(fragment_datagram_too_large)                         \
  X(fragment_pool_exhausted) X(fragment_timeout)
// clang-format on

namespace bw::decode {

struct DecodeCounters {
  BW_DECLARE_COUNTERS(BW_DECODE_COUNTERS)
};

}  // namespace bw::decode
