#include "sensor/extract/image/image_sniffer.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace bw::extract::image {
namespace {

bool starts_with(ByteSpan bytes, std::string_view prefix) {
  return bytes.size() >= prefix.size() && as_chars(bytes.first(prefix.size())) == prefix;
}

bool has_at(ByteSpan bytes, std::size_t offset, std::string_view text) {
  return bytes.size() >= offset + text.size() &&
         as_chars(bytes.subspan(offset, text.size())) == text;
}

ImageInfo with_dimensions(ImageFormat format, std::uint32_t width, std::uint32_t height) {
  // A zero dimension is not a picture size (a JPEG may defer its height to a DNL marker), so
  // it is reported as unknown rather than as a 0-pixel image.
  if (width == 0 || height == 0) return {format, false, 0, 0};
  return {format, true, width, height};
}

std::optional<ImageInfo> sniff_gif(ByteSpan b) {
  if (!starts_with(b, "GIF87a") && !starts_with(b, "GIF89a")) return std::nullopt;
  if (b.size() < 10) return ImageInfo{ImageFormat::kGif};
  return with_dimensions(ImageFormat::kGif, load_le16(&b[6]), load_le16(&b[8]));
}

std::optional<ImageInfo> sniff_png(ByteSpan b) {
  if (!starts_with(b, "\x89PNG\r\n\x1a\n")) return std::nullopt;
  // IHDR must be the first chunk; anything else (Apple's CgBI) leaves the size unknown.
  if (b.size() < 24 || !has_at(b, 12, "IHDR")) return ImageInfo{ImageFormat::kPng};
  return with_dimensions(ImageFormat::kPng, load_be32(&b[16]), load_be32(&b[20]));
}

// SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG extension) and CC (DAC) share the range
// but are tables, not frames.
bool is_start_of_frame(std::uint8_t marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

// Markers that stand alone, without a length field: TEM, RST0..RST7, SOI.
bool is_standalone_marker(std::uint8_t marker) {
  return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8);
}

std::optional<ImageInfo> sniff_jpeg(ByteSpan b) {
  if (!starts_with(b, "\xFF\xD8\xFF")) return std::nullopt;
  const ImageInfo unknown{ImageFormat::kJpeg};
  std::size_t pos = 2;
  while (pos < b.size()) {
    if (b[pos] != 0xFF) return unknown;  // lost sync with the segment structure
    while (pos < b.size() && b[pos] == 0xFF)
      ++pos;  // fill bytes may pad any marker
    if (pos >= b.size()) return unknown;
    const std::uint8_t marker = b[pos++];
    if (is_standalone_marker(marker)) continue;
    // Scan data or the end of the image before any frame header: nothing left to learn.
    if (marker == 0x00 || marker == 0xD9 || marker == 0xDA) return unknown;
    if (b.size() - pos < 2) return unknown;
    const std::uint16_t segment_length = load_be16(&b[pos]);
    if (segment_length < 2) return unknown;
    if (is_start_of_frame(marker)) {
      // Length (2), sample precision (1), number of lines (2), samples per line (2).
      if (b.size() - pos < 7) return unknown;
      return with_dimensions(ImageFormat::kJpeg, load_be16(&b[pos + 5]), load_be16(&b[pos + 3]));
    }
    pos += segment_length;
  }
  return unknown;
}

// RIFF header (12 bytes) then the first chunk: FourCC at 12, size at 16, payload from 20.
constexpr std::size_t kWebpChunkData = 20;

ImageInfo sniff_webp_lossy(ByteSpan b) {
  // Frame tag (3 bytes), key-frame start code 9D 01 2A, then 14-bit width and height.
  constexpr std::size_t kStartCode = kWebpChunkData + 3;
  if (b.size() < kStartCode + 7 || !has_at(b, kStartCode, "\x9D\x01\x2A")) {
    return ImageInfo{ImageFormat::kWebp};
  }
  return with_dimensions(ImageFormat::kWebp, load_le16(&b[kStartCode + 3]) & 0x3FFFu,
                         load_le16(&b[kStartCode + 5]) & 0x3FFFu);
}

ImageInfo sniff_webp_lossless(ByteSpan b) {
  // Signature byte 0x2F, then width-1 and height-1 as two 14-bit little-endian bit fields.
  if (b.size() < kWebpChunkData + 5 || b[kWebpChunkData] != 0x2F) {
    return ImageInfo{ImageFormat::kWebp};
  }
  const std::uint32_t bits = load_le32(&b[kWebpChunkData + 1]);
  return with_dimensions(ImageFormat::kWebp, (bits & 0x3FFFu) + 1, ((bits >> 14) & 0x3FFFu) + 1);
}

std::uint32_t load_le24(const std::uint8_t* p) {
  return p[0] | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16);
}

ImageInfo sniff_webp_extended(ByteSpan b) {
  // Flags (1), reserved (3), canvas width-1 (24 bits LE), canvas height-1 (24 bits LE).
  if (b.size() < kWebpChunkData + 10) return ImageInfo{ImageFormat::kWebp};
  return with_dimensions(ImageFormat::kWebp, load_le24(&b[kWebpChunkData + 4]) + 1,
                         load_le24(&b[kWebpChunkData + 7]) + 1);
}

std::optional<ImageInfo> sniff_webp(ByteSpan b) {
  if (!starts_with(b, "RIFF") || !has_at(b, 8, "WEBP")) return std::nullopt;
  if (has_at(b, 12, "VP8 ")) return sniff_webp_lossy(b);
  if (has_at(b, 12, "VP8L")) return sniff_webp_lossless(b);
  if (has_at(b, 12, "VP8X")) return sniff_webp_extended(b);
  return ImageInfo{ImageFormat::kWebp};
}

std::optional<ImageInfo> sniff_ico(ByteSpan b) {
  // ICONDIR: reserved 0, type 1 (2 would be a cursor), image count >= 1.
  if (b.size() < 6 || load_le16(&b[0]) != 0 || load_le16(&b[2]) != 1 || load_le16(&b[4]) == 0) {
    return std::nullopt;
  }
  if (b.size() < 8) return ImageInfo{ImageFormat::kIco};
  // The first ICONDIRENTRY stores each side in one byte, 0 standing for 256.
  const auto side = [](std::uint8_t v) { return v == 0 ? 256u : std::uint32_t{v}; };
  return with_dimensions(ImageFormat::kIco, side(b[6]), side(b[7]));
}

}  // namespace

ImageInfo sniff_image(ByteSpan body_prefix) {
  constexpr std::array kSniffers = {sniff_gif, sniff_png, sniff_jpeg, sniff_webp, sniff_ico};
  for (const auto sniff : kSniffers) {
    if (const std::optional<ImageInfo> info = sniff(body_prefix)) return *info;
  }
  return ImageInfo{};
}

}  // namespace bw::extract::image
