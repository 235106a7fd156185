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

}  // namespace bw::gen
