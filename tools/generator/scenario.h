// The detection-evaluation scenario: a parliament's network on an ordinary day (`history`, two to
// three days earlier) and on the day an APT31-style mail-merge reaches hundreds of its members
// (`apt`), among benign traffic chosen to look like beacons.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "tools/generator/world.h"

namespace bw::gen {

// Recipient hosts per unit of --scale.
inline constexpr std::size_t kScenarioMembersPerScale = 300;

// The protected recipient directory of both profiles at `scale`: one address per member host, in
// host order. Independent of the seed, like the office itself.
std::vector<std::string> scenario_recipients(std::size_t scale);

void build_history_profile(World& world);
void build_apt_profile(World& world);

}  // namespace bw::gen
