// Capture-thread costs per frame: decoding down to the innermost datagram and the shard hash.
#include <benchmark/benchmark.h>

#include "benchmarks/bench_inputs.h"
#include "sensor/decode/packet_decoder.h"

namespace bw::benchmarks {
namespace {

const Frame& first_frame_with(std::string_view profile, std::uint32_t encapsulation,
                              std::uint8_t ip_protocol) {
  const Corpus& c = corpus(profile);
  decode::PacketDecoder decoder;
  for (const Frame& frame : c.frames) {
    decode::DecodedPacket packet;
    if (decoder.decode(frame.linktype, frame.bytes, 0, packet) == decode::DecodeResult::kOk &&
        packet.encapsulation == encapsulation && packet.ip_protocol == ip_protocol &&
        packet.payload_length > 0) {
      return frame;
    }
  }
  std::fprintf(stderr, "no frame with encapsulation %u in %s\n", encapsulation,
               std::string(profile).c_str());
  std::abort();
}

void decode_frame(benchmark::State& state, const Frame& frame) {
  decode::PacketDecoder decoder;
  decode::DecodedPacket packet;
  for (auto _ : state) {
    auto result = decoder.decode(frame.linktype, frame.bytes, 0, packet);
    benchmark::DoNotOptimize(result);
    benchmark::DoNotOptimize(packet);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(frame.bytes.size()));
}

void BM_DecodeEthernetIpv4Tcp(benchmark::State& state) {
  decode_frame(state, first_frame_with("dense", 0, 6));
}
BENCHMARK(BM_DecodeEthernetIpv4Tcp);

void BM_DecodeVxlan(benchmark::State& state) {
  decode_frame(state, first_frame_with("encap", decode::kEncapVxlan, 6));
}
BENCHMARK(BM_DecodeVxlan);

// A whole generated capture, frame after frame: the decoder's mix of layers on real traffic.
void BM_DecodeDenseCapture(benchmark::State& state) {
  const Corpus& c = corpus("dense");
  decode::PacketDecoder decoder;
  decode::DecodedPacket packet;
  std::int64_t bytes = 0;
  for (auto _ : state) {
    for (const Frame& frame : c.frames) {
      benchmark::DoNotOptimize(decoder.decode(frame.linktype, frame.bytes, 0, packet));
      bytes += static_cast<std::int64_t>(frame.bytes.size());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(c.frames.size()));
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_DecodeDenseCapture);

void BM_SymmetricFlowHash(benchmark::State& state) {
  const Corpus& c = corpus("dense");
  std::size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(decode::symmetric_flow_hash(c.packets[next]));
    if (++next == c.packets.size()) next = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SymmetricFlowHash);

}  // namespace
}  // namespace bw::benchmarks

BENCHMARK_MAIN();
