// Collects frames from interleaved flows and serialises them, in time order, as classic pcap
// (microsecond or nanosecond magic) or pcapng.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/common/time.h"
#include "tools/generator/byte_writer.h"

namespace bw::gen {

enum class CaptureFormat { kPcapMicro, kPcapNano, kPcapng };

class FrameSink {
 public:
  void add(TimestampNs ts, std::uint16_t interface_id, ByteSpan frame);
  std::size_t frame_count() const { return frames_.size(); }
  std::size_t byte_count() const { return arena_.size(); }

  // Frames sorted by time; frames with equal times keep the order they were added in, so output
  // is deterministic and a flow's back-to-back segments never swap.
  void write(CaptureFormat format, std::uint32_t linktype, std::uint16_t interface_count,
             Bytes& out);
  // The same bytes, handed over in pieces of about a megabyte, so a large capture can go to a
  // file without a second copy in memory.
  using ChunkSink = std::function<void(ByteSpan)>;
  void write(CaptureFormat format, std::uint32_t linktype, std::uint16_t interface_count,
             const ChunkSink& emit);

 private:
  struct Frame {
    TimestampNs ts;
    std::uint64_t offset;
    std::uint32_t length;
    std::uint16_t interface_id;
  };
  void write_pcap(bool nanosecond, std::uint32_t linktype, const ChunkSink& emit) const;
  void write_pcapng(std::uint32_t linktype, std::uint16_t interface_count,
                    const ChunkSink& emit) const;

  Bytes arena_;
  std::vector<Frame> frames_;
};

inline constexpr std::uint32_t kSnapLength = 262144;

// Interface i of a pcapng file records time in nanoseconds when i is even and microseconds
// when odd, so readers must honour if_tsresol per interface.
std::uint8_t pcapng_tsresol(std::uint16_t interface_id);

}  // namespace bw::gen
