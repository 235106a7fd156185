#pragma once

#include <cstdint>

#include "sensor/common/ip_address.h"

namespace bw::flow {

// Direction-free identity of a flow: the lower endpoint (address, then port) is always `a`, so
// both directions of a connection find the same entry.
struct FlowKey {
  IpAddress a_ip;
  IpAddress b_ip;
  std::uint16_t a_port = 0;
  std::uint16_t b_port = 0;
  std::uint8_t protocol = 0;

  static FlowKey canonical(const IpAddress& src, std::uint16_t src_port, const IpAddress& dst,
                           std::uint16_t dst_port, std::uint8_t protocol, bool& src_is_a) {
    FlowKey key;
    key.protocol = protocol;
    src_is_a = src < dst || (src == dst && src_port <= dst_port);
    if (src_is_a) {
      key.a_ip = src, key.a_port = src_port, key.b_ip = dst, key.b_port = dst_port;
    } else {
      key.a_ip = dst, key.a_port = dst_port, key.b_ip = src, key.b_port = src_port;
    }
    return key;
  }

  friend bool operator==(const FlowKey& x, const FlowKey& y) {
    return x.protocol == y.protocol && x.a_port == y.a_port && x.b_port == y.b_port &&
           x.a_ip == y.a_ip && x.b_ip == y.b_ip;
  }
};

std::uint64_t hash_flow_key(const FlowKey& key);

}  // namespace bw::flow
