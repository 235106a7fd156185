// Shared by the fuzz targets of streaming parsers (HTTP, SMTP): present one direction's bytes the
// way the flow stage does, keeping what the parser left unconsumed and offering it again, and
// trap when the parser breaks that contract (claims more than it was given, or leaves more
// pending than its documented bound).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sensor/common/bytes.h"

namespace bw::fuzz {

template <typename Parser, typename Sink, typename Counters>
void feed_stream(Parser& parser, std::vector<std::uint8_t>& pending, const std::uint8_t* bytes,
                 std::size_t size, bool client, Sink& sink, Counters& counters,
                 std::size_t max_pending) {
  pending.insert(pending.end(), bytes, bytes + size);
  const ByteSpan data(pending.data(), pending.size());
  const std::size_t consumed = client ? parser.on_client_bytes(data, 1, sink, counters)
                                      : parser.on_server_bytes(data, 2, sink, counters);
  if (consumed > pending.size()) __builtin_trap();
  pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(consumed));
  if (pending.size() >= max_pending) __builtin_trap();
}

}  // namespace bw::fuzz
