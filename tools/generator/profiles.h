// The traffic mixes behind GeneratorOptions::profile.
#pragma once

#include "tools/generator/world.h"

namespace bw::gen {

// A parliament-like office opening a mail-merge newsletter with per-recipient tracking pixels,
// among ordinary browsing, DNS and background traffic.
void build_demo_profile(World& world);
// A few HTTP/DNS/TLS flows under every supported encapsulation, plus IP fragments.
void build_encap_profile(World& world);
// Every application-layer variant once.
void build_protocols_profile(World& world);
// Many short beacon-like flows for throughput benchmarks; 1000 flows per unit of scale.
void build_dense_profile(World& world);
// Long bulk transfers with a few percent beacon flows; per unit of scale 10 bulk flows.
void build_mixed_profile(World& world);
// One mass mail-merge wave being opened: every open from a distinct internal client (an address
// of its own in 10.64.0.0/10), an HTTP pixel of one URL template with a per-recipient token and
// a mail client's user agent, and for about one in ten also an HTTPS connection to the same
// sender. kWaveOpensPerScale opens per unit of scale, so --scale 100 is a 200k-host wave.
inline constexpr std::size_t kWaveOpensPerScale = 2000;
inline constexpr double kWaveTlsShare = 0.1;
void build_wave_profile(World& world);
// The address of the wave's n-th client.
IpAddress wave_client_address(std::size_t index);

}  // namespace bw::gen
