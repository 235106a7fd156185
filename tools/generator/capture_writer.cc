#include "tools/generator/capture_writer.h"

#include <algorithm>
#include <string_view>

namespace bw::gen {
namespace {

constexpr std::uint32_t kPcapMagicMicro = 0xa1b2c3d4;
constexpr std::uint32_t kPcapMagicNano = 0xa1b23c4d;
constexpr std::uint32_t kBlockSectionHeader = 0x0a0d0d0a;
constexpr std::uint32_t kBlockInterfaceDescription = 1;
constexpr std::uint32_t kBlockEnhancedPacket = 6;
constexpr std::uint32_t kByteOrderMagic = 0x1a2b3c4d;

std::size_t pad4(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}

// pcapng options are little-endian here like the rest of the section (its BOM says so).
void put_option(ByteWriter& w, std::uint16_t code, std::string_view value) {
  w.le16(code).le16(value.size()).text(value).zeros(pad4(value.size()) - value.size());
}

// Writes a block's type and a length placeholder; finish_block patches both length fields.
std::size_t begin_block(ByteWriter& w, std::uint32_t type) {
  w.le32(type);
  const std::size_t start = w.mark() - 4;
  w.le32(0);
  return start;
}
void finish_block(ByteWriter& w, std::size_t start) {
  const std::size_t total = w.mark() - start + 4;
  w.le32(total);
  Bytes& out = w.buffer();
  for (int i = 0; i < 4; ++i)
    out[start + 4 + i] = static_cast<std::uint8_t>(total >> (8 * i));
}

void flush_if_full(Bytes& out, const FrameSink::ChunkSink& emit) {
  constexpr std::size_t kChunk = 1 << 20;
  if (out.size() < kChunk) return;
  emit(out);
  out.clear();
}

}  // namespace

std::uint8_t pcapng_tsresol(std::uint16_t interface_id) {
  return interface_id % 2 == 0 ? 9 : 6;
}

void FrameSink::add(TimestampNs ts, std::uint16_t interface_id, ByteSpan frame) {
  frames_.push_back(
      Frame{ts, arena_.size(), static_cast<std::uint32_t>(frame.size()), interface_id});
  arena_.insert(arena_.end(), frame.begin(), frame.end());
}

void FrameSink::write(CaptureFormat format, std::uint32_t linktype, std::uint16_t interface_count,
                      Bytes& out) {
  out.clear();
  out.reserve(arena_.size() + frames_.size() * 32 + 256);
  write(format, linktype, interface_count,
        [&out](ByteSpan chunk) { out.insert(out.end(), chunk.begin(), chunk.end()); });
}

void FrameSink::write(CaptureFormat format, std::uint32_t linktype, std::uint16_t interface_count,
                      const ChunkSink& emit) {
  std::stable_sort(frames_.begin(), frames_.end(),
                   [](const Frame& a, const Frame& b) { return a.ts < b.ts; });
  if (format == CaptureFormat::kPcapng) {
    write_pcapng(linktype, interface_count == 0 ? 1 : interface_count, emit);
  } else {
    write_pcap(format == CaptureFormat::kPcapNano, linktype, emit);
  }
}

void FrameSink::write_pcap(bool nanosecond, std::uint32_t linktype, const ChunkSink& emit) const {
  Bytes out;
  ByteWriter w(out);
  w.le32(nanosecond ? kPcapMagicNano : kPcapMagicMicro).le16(2).le16(4).le32(0).le32(0);
  w.le32(kSnapLength).le32(linktype);
  const TimestampNs unit = nanosecond ? 1 : 1000;
  for (const Frame& f : frames_) {
    w.le32(static_cast<std::uint64_t>(f.ts / kNsPerSecond));
    w.le32(static_cast<std::uint64_t>((f.ts % kNsPerSecond) / unit));
    w.le32(f.length).le32(f.length);
    w.bytes(ByteSpan(arena_.data() + f.offset, f.length));
    flush_if_full(out, emit);
  }
  emit(out);
}

void FrameSink::write_pcapng(std::uint32_t linktype, std::uint16_t interface_count,
                             const ChunkSink& emit) const {
  Bytes out;
  ByteWriter w(out);
  std::size_t block = begin_block(w, kBlockSectionHeader);
  w.le32(kByteOrderMagic).le16(1).le16(0).le64(~std::uint64_t{0});
  put_option(w, 4, "bw-gen (Beaconwatch traffic generator)");  // shb_userappl
  w.le32(0);                                                   // opt_endofopt
  finish_block(w, block);

  for (std::uint16_t i = 0; i < interface_count; ++i) {
    block = begin_block(w, kBlockInterfaceDescription);
    w.le16(linktype).le16(0).le32(kSnapLength);
    put_option(w, 2, "eth" + std::to_string(i));  // if_name
    const char resolution = static_cast<char>(pcapng_tsresol(i));
    put_option(w, 9, std::string_view(&resolution, 1));  // if_tsresol
    w.le32(0);
    finish_block(w, block);
  }

  for (const Frame& f : frames_) {
    const std::uint16_t interface_id = f.interface_id < interface_count ? f.interface_id : 0;
    const TimestampNs divisor = pcapng_tsresol(interface_id) == 9 ? 1 : 1000;
    const std::uint64_t units = static_cast<std::uint64_t>(f.ts / divisor);
    block = begin_block(w, kBlockEnhancedPacket);
    w.le32(interface_id).le32(units >> 32).le32(units & 0xffffffffu);
    w.le32(f.length).le32(f.length);
    w.bytes(ByteSpan(arena_.data() + f.offset, f.length)).zeros(pad4(f.length) - f.length);
    finish_block(w, block);
    flush_if_full(out, emit);
  }
  emit(out);
}

}  // namespace bw::gen
