#include "tools/generator/world.h"

namespace bw::gen {
namespace {

// 2025-03-11 08:30:00 UTC: a Tuesday morning, when a newsletter lands.
constexpr TimestampNs kCaptureEpoch = 1741681800LL * kNsPerSecond;

// First octets of address blocks that hosting providers and CDNs announce.
constexpr std::uint8_t kPublicFirstOctets[] = {5,   31,  37,  46,  51,  62,  77,  78,  80,  81,
                                               85,  87,  91,  93,  94,  95,  104, 142, 151, 172,
                                               176, 178, 185, 188, 193, 194, 212, 213};

}  // namespace

World::World(const GeneratorOptions& options, std::vector<GroundTruth>& truth)
    : options_(options), truth_(truth), rng_(options.seed), epoch_(kCaptureEpoch) {
  gateway_mac_ = make_router_mac(rng_);
  Host resolver = make_server(rng_, ipv4_address(10, 40, 0, 53), 1);
  resolver.ttl = 63;
  resolver.rtt = us(600);
  resolver.ipv6 = parse_address("2001:db8:40::53");
  resolver_ = &add_host(resolver);
  Host gateway = make_server(rng_, ipv4_address(10, 40, 12, 1), 0);
  gateway.mac = gateway_mac_;
  gateway.ttl = 255;
  gateway_ = &add_host(gateway);
}

Host& World::add_host(const Host& host) {
  hosts_.push_back(host);
  return hosts_.back();
}

Host& World::add_client(HostOs os, const IpAddress& ipv4, const IpAddress& ipv6) {
  return add_host(make_client(rng_, os, ipv4, ipv6));
}

IpAddress World::random_public_address(int family) {
  if (family == 6) {
    std::uint8_t bytes[16] = {0x2a, 0x00, 0x14, 0x50};
    bytes[2] = static_cast<std::uint8_t>(rng_.range(0x10, 0x1f));
    rng_.fill(std::span<std::uint8_t>(bytes + 4, 12));
    return IpAddress::v6(bytes);
  }
  // Last octet first (see make_token in http_content.cc).
  const auto fourth = static_cast<std::uint8_t>(rng_.range(1, 254));
  const auto third = static_cast<std::uint8_t>(rng_.below(256));
  const auto second = static_cast<std::uint8_t>(rng_.range(1, 254));
  return ipv4_address(rng_.pick(kPublicFirstOctets), second, third, fourth);
}

Host& World::add_server(const IpAddress& address, int family) {
  const IpAddress chosen = address.family != 0 ? address : random_public_address(family);
  // Servers in the organisation's own 10/8 sit one router away, Internet ones many.
  const bool internal = chosen.family == 4 && chosen.bytes[0] == 10;
  const int hops = internal ? 1 : static_cast<int>(rng_.range(6, 18));
  Host& server = add_host(make_server(rng_, chosen, hops));
  server.rtt = internal ? jitter(rng_, us(250), ms(2)) : jitter(rng_, ms(4), ms(45));
  return server;
}

Site& World::site(const std::string& name, const std::vector<std::string>& cnames, bool with_ipv6,
                  const IpAddress& address) {
  auto it = sites_.find(name);
  if (it != sites_.end()) return it->second;
  Site& s = sites_[name];
  s.name = name;
  s.cnames = cnames;
  s.ipv4 = &add_server(address, 4);
  if (with_ipv6) {
    s.ipv6 = &add_server({}, 6);
    s.ipv6->rtt = s.ipv4->rtt;
  }
  return s;
}

PathConfig World::plain_path() {
  PathConfig config;
  config.linktype = options_.linktype;
  config.gateway_mac = gateway_mac_;
  const std::uint32_t interfaces =
      options_.format == CaptureFormat::kPcapng && options_.interfaces > 1 ? options_.interfaces
                                                                           : 1;
  config.interface_id = static_cast<std::uint16_t>(next_interface_++ % interfaces);
  config.ipv6_flow_label = static_cast<std::uint32_t>(rng_.next() & 0xfffff);
  return config;
}

void World::describe_flow(GroundTruth& row, const Path& path, std::uint16_t client_port,
                          std::uint16_t server_port, const char* transport) {
  row.client_ip = path.client_address().to_string();
  row.server_ip = path.server_address().to_string();
  row.client_port = client_port;
  row.server_port = server_port;
  row.transport = transport;
  row.encapsulation = path.encapsulation_names();
  row.vlan_id = path.visible_vlan_id();
}

void World::apply_labels(GroundTruth& row, const Labels& labels) {
  row.is_beacon = labels.is_beacon;
  row.recipient = labels.recipient;
  row.campaign = labels.campaign;
}

}  // namespace bw::gen
