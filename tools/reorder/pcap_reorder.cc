#include "tools/reorder/pcap_reorder.h"

#include <cstdio>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "sensor/capture/pcap_source.h"
#include "sensor/decode/packet_decoder.h"
#include "tools/generator/capture_writer.h"

namespace bw::reorder {
namespace {

struct Frame {
  TimestampNs ts;
  std::vector<std::uint8_t> bytes;
};

// One direction of a connection, by addresses and ports as the packet carries them.
using DirectionKey = std::tuple<std::string, std::uint16_t, std::string, std::uint16_t>;
constexpr std::size_t kNone = ~std::size_t{0};
constexpr std::uint8_t kTcpSyn = 0x02;

}  // namespace

bool reorder_capture(const std::string& in, const std::string& out, ReorderMode mode,
                     ReorderStats& stats, std::string& error) {
  const std::unique_ptr<capture::PcapFileSource> source = capture::PcapFileSource::open(in, error);
  if (!source) return false;
  std::vector<Frame> frames;
  capture::RawPacket raw;
  while (source->next(raw) == capture::ReadStatus::kPacket) {
    frames.push_back({raw.ts, std::vector<std::uint8_t>(raw.data.begin(), raw.data.end())});
  }
  // A truncated capture is still reordered as far as it reads: that is what the sensor sees too.
  stats.frames = frames.size();

  // Data segments of one direction sent back to back (no data the other way between them, so
  // one burst of the sender) swap in pairs: what a tap that reorders delivers. Segments a round
  // trip apart are never swapped; no network reorders across a round trip.
  decode::PacketDecoder decoder{decode::DecoderConfig{}};
  struct DirectionState {
    std::size_t waiting = kNone;  // a data segment that may pair with the next one
    std::size_t data_segments = 0;
    bool syn_seen = false;
  };
  std::map<DirectionKey, DirectionState> directions;
  std::vector<std::size_t> order(frames.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    decode::DecodedPacket packet;
    const decode::DecodeResult result =
        decoder.decode(source->linktype(), ByteSpan(frames[i].bytes), frames[i].ts, packet);
    if (result != decode::DecodeResult::kOk || packet.ip_protocol != 6) continue;
    const DirectionKey key{packet.src_ip.to_string(), packet.src_port, packet.dst_ip.to_string(),
                           packet.dst_port};
    if ((packet.tcp_flags & kTcpSyn) != 0) directions[key].syn_seen = true;
    if (packet.payload_length == 0) continue;
    // A datagram rebuilt from fragments is not one frame: leave it in place.
    if (packet.datagram.data() < frames[i].bytes.data() ||
        packet.datagram.data() >= frames[i].bytes.data() + frames[i].bytes.size()) {
      continue;
    }
    ++stats.tcp_data_segments;
    directions[{std::get<2>(key), std::get<3>(key), std::get<0>(key), std::get<1>(key)}].waiting =
        kNone;
    DirectionState& direction = directions[key];
    // Without the SYN nothing anchors the stream's start: a sensor joining mid-stream takes the
    // first segment it sees as the start, so a pair swapped there is not reorderable by anyone.
    if (!direction.syn_seen) continue;
    const std::size_t position = direction.data_segments++;
    if (mode == ReorderMode::kFirstPair && position > 1) continue;
    if (direction.waiting == kNone) {
      direction.waiting = i;
      continue;
    }
    std::swap(order[direction.waiting], order[i]);
    direction.waiting = kNone;
    ++stats.pairs_swapped;
  }

  // Each slot keeps its timestamp and takes the frame that now goes there, so the file stays in
  // time order and the swapped frames trade times.
  gen::FrameSink sink;
  for (std::size_t slot = 0; slot < frames.size(); ++slot) {
    sink.add(frames[slot].ts, 0, ByteSpan(frames[order[slot]].bytes));
  }
  std::FILE* file = std::fopen(out.c_str(), "wb");
  if (file == nullptr) {
    error = "cannot write " + out;
    return false;
  }
  bool written = true;
  sink.write(gen::CaptureFormat::kPcapNano, source->linktype(), 1, [&](ByteSpan chunk) {
    written = written && std::fwrite(chunk.data(), 1, chunk.size(), file) == chunk.size();
  });
  written = std::fclose(file) == 0 && written;
  if (!written) error = "cannot write " + out;
  return written;
}

}  // namespace bw::reorder
