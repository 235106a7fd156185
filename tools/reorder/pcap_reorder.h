// Rewrites a capture with TCP segments out of order, as a reordering tap or an aggregated SPAN
// port delivers them: the test input for the sensor's reassembly, made from real captures.
//
// Within each direction of each TCP connection, payload-carrying segments sent back to back (no
// data from the other side between them) are taken in pairs and each pair swaps places in the
// file; every other frame stays where it was, with its timestamp. Frames keep their bytes; only
// their order changes. Only directions whose SYN is in the capture are reordered: without it
// nothing says where the stream starts, and no reader can put its first two segments back.
#pragma once

#include <cstdint>
#include <string>

namespace bw::reorder {

enum class ReorderMode : std::uint8_t {
  kEveryPair,  // every back-to-back pair of a direction's data segments swaps
  kFirstPair,  // only the first two data segments of each direction (a split ClientHello)
};

struct ReorderStats {
  std::uint64_t frames = 0;
  std::uint64_t tcp_data_segments = 0;
  std::uint64_t pairs_swapped = 0;
};

// Reads IN (pcap or pcapng, one link type) and writes OUT as classic pcap with nanosecond
// timestamps. False and `error` naming the problem when IN cannot be read or OUT written.
bool reorder_capture(const std::string& in, const std::string& out, ReorderMode mode,
                     ReorderStats& stats, std::string& error);

}  // namespace bw::reorder
