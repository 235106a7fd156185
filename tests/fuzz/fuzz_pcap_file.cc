// Fuzzes the capture reader and decoder together: the input is a whole capture file (pcap or
// pcapng), read through libpcap from memory and decoded packet by packet.
#include <cstdint>
#include <cstdio>
#include <string>

#include "sensor/capture/pcap_source.h"
#include "sensor/decode/packet_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::FILE* stream = fmemopen(const_cast<std::uint8_t*>(data), size, "rb");  // NOLINT
  if (stream == nullptr) return 0;
  std::string error;
  auto source = bw::capture::PcapFileSource::open_stream(stream, "fuzz", error);
  if (!source) return 0;
  if (!bw::decode::PacketDecoder::supports_linktype(source->linktype())) return 0;
  static bw::decode::PacketDecoder decoder;
  bw::capture::RawPacket raw;
  bw::decode::DecodedPacket packet;
  for (int i = 0; i < 4096 && source->next(raw) == bw::capture::ReadStatus::kPacket; ++i) {
    decoder.decode(source->linktype(), raw.data, raw.ts, packet);
  }
  return 0;
}
