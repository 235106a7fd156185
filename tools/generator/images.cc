#include "tools/generator/images.h"

#include <string_view>

#include "tools/generator/checksum.h"

namespace bw::gen {
namespace {

void append_png_chunk(ByteWriter& w, std::string_view type, ByteSpan data) {
  Bytes typed;
  ByteWriter t(typed);
  t.text(type).bytes(data);
  w.be32(data.size()).bytes(typed).be32(crc32(typed));
}

// ITU-T T.81 Annex K standard DC Huffman tables (luminance, then chrominance).
constexpr std::uint8_t kDcLuminanceCounts[16] = {0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
constexpr std::uint8_t kDcChrominanceCounts[16] = {0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0};

// ITU-T T.81 Annex K table K.1, the luminance quantisation table at quality 50, in zig-zag order.
constexpr std::uint8_t kLuminanceQuant[64] = {
    16, 11, 12,  14,  12,  10, 16, 14,  13,  14,  18,  17,  16, 19,  24,  40,
    26, 24, 22,  22,  24,  49, 35, 37,  29,  40,  58,  51,  61, 60,  57,  51,
    56, 55, 64,  72,  92,  78, 64, 68,  87,  69,  55,  56,  80, 109, 81,  87,
    95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99};

}  // namespace

Bytes gif_pixel() {
  Bytes out;
  ByteWriter w(out);
  w.text("GIF89a").le16(1).le16(1).u8(0x80).u8(0).u8(0);  // 2-colour global colour table
  w.u8(0xff).u8(0xff).u8(0xff).u8(0).u8(0).u8(0);
  w.u8(0x21).u8(0xf9).u8(4).u8(0x01).le16(0).u8(0).u8(0);  // graphic control: transparent
  w.u8(0x2c).le16(0).le16(0).le16(1).le16(1).u8(0);        // image descriptor
  w.u8(2).u8(2).u8(0x44).u8(0x01).u8(0);                   // LZW: clear, pixel 0, end
  w.u8(0x3b);
  return out;
}

Bytes png_pixel() {
  Bytes out;
  ByteWriter w(out);
  w.u8(0x89).text("PNG\r\n").u8(0x1a).u8('\n');
  Bytes header;
  ByteWriter h(header);
  h.be32(1).be32(1).u8(8).u8(6).u8(0).u8(0).u8(0);  // 8-bit RGBA, no interlace
  append_png_chunk(w, "IHDR", header);
  const std::uint8_t scanline[5] = {0, 0, 0, 0, 0};  // filter none, one transparent pixel
  Bytes zlib;
  ByteWriter z(zlib);
  z.u8(0x78).u8(0x01).u8(0x01).le16(sizeof scanline).le16(~sizeof scanline & 0xffff);
  z.bytes(scanline).be32(adler32(scanline));
  append_png_chunk(w, "IDAT", zlib);
  append_png_chunk(w, "IEND", {});
  return out;
}

Bytes jpeg_image(Rng& rng, std::uint16_t width, std::uint16_t height, std::size_t size) {
  Bytes out;
  ByteWriter w(out);
  w.be16(0xffd8);
  w.be16(0xffe0).be16(16).text(std::string_view("JFIF\0", 5)).u8(1).u8(1).u8(1);
  w.be16(72).be16(72).u8(0).u8(0);
  w.be16(0xffdb).be16(67).u8(0).bytes(kLuminanceQuant);
  w.be16(0xffc0).be16(17).u8(8).be16(height).be16(width).u8(3);
  w.u8(1).u8(0x22).u8(0).u8(2).u8(0x11).u8(0).u8(3).u8(0x11).u8(0);
  w.be16(0xffc4).be16(2 + 2 * (1 + 16 + 12));
  w.u8(0x00).bytes(kDcLuminanceCounts);
  for (int v = 0; v < 12; ++v)
    w.u8(v);
  w.u8(0x01).bytes(kDcChrominanceCounts);
  for (int v = 0; v < 12; ++v)
    w.u8(v);
  w.be16(0xffda).be16(12).u8(3).u8(1).u8(0x00).u8(2).u8(0x11).u8(3).u8(0x11);
  w.u8(0).u8(63).u8(0);
  while (out.size() + 2 < size) {
    const std::uint8_t byte = static_cast<std::uint8_t>(rng.next());
    w.u8(byte);
    if (byte == 0xff) w.u8(0);
  }
  w.be16(0xffd9);
  return out;
}

}  // namespace bw::gen
