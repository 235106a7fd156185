// Its own test binary: replacing the global allocation functions affects everything linked in.
// The data path must not touch the heap: decoding every frame and running every packet through
// the flow stage (nDPI aside, which allocates with malloc inside the C library) is checked to make
// zero calls to operator new after start-up.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "sensor/capture/pcap_source.h"
#include "sensor/decode/packet_decoder.h"
#include "sensor/flow/flow_processor.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/generated_capture.h"
#include "tools/generator/generator.h"

namespace bw {
namespace {

class CountingSink final : public flow::EventSink {
 public:
  void on_event(const exporter::EventRecord&) override { ++events; }
  std::uint64_t events = 0;
};

struct Frame {
  std::vector<std::uint8_t> bytes;
  TimestampNs ts;
};

std::vector<Frame> generated_frames(std::uint32_t& linktype) {
  gen::GeneratorOptions options;
  options.profile = "demo";
  options.seed = 99;
  const std::string path = testing::write_generated_capture(options, "bw_noalloc.pcap");
  std::string error;
  auto source = capture::PcapFileSource::open(path, error);
  EXPECT_TRUE(source) << error;
  std::vector<Frame> frames;
  if (!source) return frames;
  linktype = source->linktype();
  capture::RawPacket raw;
  while (source->next(raw) == capture::ReadStatus::kPacket) {
    frames.push_back({{raw.data.begin(), raw.data.end()}, raw.ts});
  }
  return frames;
}

TEST(NoAllocation, DecoderAndFlowStageDoNotAllocatePerPacket) {
  std::uint32_t linktype = 0;
  const std::vector<Frame> frames = generated_frames(linktype);
  ASSERT_GT(frames.size(), 1000u);

  decode::PacketDecoder decoder;
  CountingSink sink;
  flow::FlowConfig config;
  config.max_flows = 4096;
  flow::FlowProcessor processor(config, sink);
  decode::DecodedPacket packet;
  std::uint64_t seq = 0;
  TimestampNs next_tick = frames.front().ts + kNsPerSecond;

  bw::testing::set_allocation_counting(true);
  for (const Frame& frame : frames) {
    if (frame.ts >= next_tick) {
      processor.on_tick({++seq, frame.ts, 0});
      decoder.expire(frame.ts);
      next_tick = frame.ts + kNsPerSecond;
    }
    if (decoder.decode(linktype, frame.bytes, frame.ts, packet) == decode::DecodeResult::kOk) {
      processor.on_packet({++seq, frame.ts, 0}, packet);
    }
  }
  processor.finish_all({++seq, frames.back().ts, 0});
  bw::testing::set_allocation_counting(false);

  EXPECT_EQ(bw::testing::allocation_count(), 0u);
  EXPECT_GT(sink.events, 100u);
  EXPECT_GT(processor.counters().packets, 1000u);
}

}  // namespace
}  // namespace bw
