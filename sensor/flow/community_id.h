// Community ID flow hashing, version 1 (https://github.com/corelight/community-id-spec), so
// events can be joined with Zeek's conn.log and Suricata's eve.json records of the same flow.
#pragma once

#include <cstdint>

#include "sensor/common/fixed_string.h"
#include "sensor/common/ip_address.h"

namespace bw::flow {

// "1:" followed by base64 of the SHA-1 digest: 30 characters.
using CommunityId = FixedString<32>;

CommunityId community_id_v1(const IpAddress& src, std::uint16_t src_port, const IpAddress& dst,
                            std::uint16_t dst_port, std::uint8_t protocol, std::uint16_t seed = 0);

}  // namespace bw::flow
