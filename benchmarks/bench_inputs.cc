#include "benchmarks/bench_inputs.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "sensor/decode/packet_decoder.h"
#include "tools/generator/generator.h"

namespace bw::benchmarks {
namespace {

constexpr std::size_t kPcapFileHeader = 24;
constexpr std::size_t kPcapRecordHeader = 16;

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "benchmark inputs: %s\n", why.c_str());
  std::abort();
}

// Classic little-endian pcap as the generator writes it by default (kPcapMicro).
void split_frames(Corpus& out) {
  const ByteSpan file(out.capture);
  if (file.size() < kPcapFileHeader) fail("capture shorter than a pcap header");
  const std::uint32_t linktype = load_le32(file.data() + 20);
  std::size_t at = kPcapFileHeader;
  while (file.size() - at >= kPcapRecordHeader) {
    const std::uint32_t captured = load_le32(file.data() + at + 8);
    at += kPcapRecordHeader;
    if (captured > file.size() - at) fail("truncated pcap record");
    out.frames.push_back({linktype, file.subspan(at, captured)});
    at += captured;
  }
}

// Only packets whose bytes live in the capture itself are kept: reassembled datagrams belong to
// the decoder and would not outlive the next decode.
void decode_frames(Corpus& out) {
  decode::PacketDecoder decoder;
  for (const Frame& frame : out.frames) {
    decode::DecodedPacket packet;
    if (decoder.decode(frame.linktype, frame.bytes, 0, packet) != decode::DecodeResult::kOk)
      continue;
    const auto* begin = out.capture.data();
    const auto* end = begin + out.capture.size();
    if (packet.datagram.data() >= begin && packet.datagram.data() < end)
      out.packets.push_back(packet);
  }
}

bool starts_with(ByteSpan bytes, std::string_view prefix) {
  return bytes.size() >= prefix.size() &&
         std::string_view(reinterpret_cast<const char*>(bytes.data()), prefix.size()) == prefix;
}

ByteSpan first_payload(const Corpus& corpus, std::uint8_t ip_protocol, std::uint16_t port,
                       bool to_port, std::string_view prefix) {
  const auto* packet = first_packet(corpus, [&](const decode::DecodedPacket& p) {
    const std::uint16_t wanted = to_port ? p.dst_port : p.src_port;
    return p.ip_protocol == ip_protocol && wanted == port && p.payload_length > 0 &&
           starts_with(p.payload(), prefix);
  });
  if (packet == nullptr) fail("no payload for port " + std::to_string(port));
  return packet->payload();
}

}  // namespace

const Corpus& corpus(std::string_view profile) {
  static std::map<std::string, Corpus, std::less<>> cache;
  if (auto found = cache.find(profile); found != cache.end()) return found->second;
  Corpus& out = cache[std::string(profile)];
  gen::GeneratorOptions options;
  options.profile = std::string(profile);
  std::vector<gen::GroundTruth> truth;
  std::string error;
  if (!gen::generate(options, out.capture, truth, error)) fail(error);
  split_frames(out);
  decode_frames(out);
  return out;
}

ByteSpan first_payload_to_port(const Corpus& corpus, std::uint8_t ip_protocol, std::uint16_t port,
                               std::string_view prefix) {
  return first_payload(corpus, ip_protocol, port, true, prefix);
}

ByteSpan first_payload_from_port(const Corpus& corpus, std::uint8_t ip_protocol, std::uint16_t port,
                                 std::string_view prefix) {
  return first_payload(corpus, ip_protocol, port, false, prefix);
}

}  // namespace bw::benchmarks
