#include <tuple>
#include <utility>

#include "sensor/decode/hashing.h"
#include "sensor/decode/packet_decoder.h"

namespace bw::decode {
namespace {

struct Endpoint {
  std::uint64_t high;
  std::uint64_t low;
  std::uint16_t port;

  friend bool operator<(const Endpoint& a, const Endpoint& b) {
    return std::tie(a.high, a.low, a.port) < std::tie(b.high, b.low, b.port);
  }
};

Endpoint endpoint(const IpAddress& address, std::uint16_t port) {
  return {address_word(address.bytes, 0), address_word(address.bytes, 1), port};
}

}  // namespace

std::uint64_t symmetric_flow_hash(const DecodedPacket& p) {
  Endpoint a = endpoint(p.src_ip, p.src_port);
  Endpoint b = endpoint(p.dst_ip, p.dst_port);
  // Ordering the endpoints, rather than combining them with a commutative operation such as
  // XOR, keeps flows whose two endpoints are equal from all hashing alike.
  if (b < a) std::swap(a, b);
  std::uint64_t state = (std::uint64_t{p.ip_protocol} << 40) | (std::uint64_t{p.ip_version} << 32) |
                        (std::uint64_t{a.port} << 16) | b.port;
  state = hash_absorb(state, a.high);
  state = hash_absorb(state, a.low);
  state = hash_absorb(state, b.high);
  state = hash_absorb(state, b.low);
  return hash_finish(state);
}

}  // namespace bw::decode
