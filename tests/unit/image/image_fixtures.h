// Minimal but complete images, written out byte by byte. Shared with the HTTP tests, which serve
// them as response bodies. Each was checked once against a reference decoder when written
// (libjpeg 2.1 decodes the JPEG to 3x2, libwebp 1.2 WebPGetInfo agrees on the three WebP sizes);
// the PNG chunk CRCs are re-verified by image_sniffer_test.
#pragma once

#include <array>
#include <cstdint>

namespace bw::testing {

// The classic 1x1 transparent tracking pixel: header, logical screen 1x1 with a 2-colour table,
// graphic control extension (transparency), image descriptor, 2-byte LZW stream, trailer.
inline constexpr std::array<std::uint8_t, 43> kGif1x1 = {
    'G',  'I',  'F',  '8',  '9',  'a',  0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xFF, 0xFF,
    0xFF, 0x00, 0x00, 0x00, 0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B};

// 1x1 8-bit greyscale: signature, IHDR, IDAT (zlib of filter byte + one pixel), IEND.
inline constexpr std::array<std::uint8_t, 67> kPngGrey1x1 = {
    0x89, 'P',  'N',  'G',  0x0D, 0x0A, 0x1A, 0x0A,                           // signature
    0x00, 0x00, 0x00, 0x0D, 'I',  'H',  'D',  'R',  0x00, 0x00, 0x00, 0x01,   // IHDR, width 1
    0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00,                     // height 1, grey 8
    0x3A, 0x7E, 0x9B, 0x55,                                                   // IHDR CRC
    0x00, 0x00, 0x00, 0x0A, 'I',  'D',  'A',  'T',  0x78, 0x9C, 0x63, 0x60,   // IDAT
    0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x48, 0xAF, 0xA4, 0x71,               // zlib, CRC
    0x00, 0x00, 0x00, 0x00, 'I',  'E',  'N',  'D',  0xAE, 0x42, 0x60, 0x82};  // IEND

// 1x1 RGBA, fully transparent: the 68-byte pixel ad servers favour.
inline constexpr std::array<std::uint8_t, 68> kPngRgba1x1 = {
    0x89, 'P',  'N',  'G',  0x0D, 0x0A, 0x1A, 0x0A,                           // signature
    0x00, 0x00, 0x00, 0x0D, 'I',  'H',  'D',  'R',  0x00, 0x00, 0x00, 0x01,   // IHDR, width 1
    0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00,                     // height 1, RGBA 8
    0x1F, 0x15, 0xC4, 0x89,                                                   // IHDR CRC
    0x00, 0x00, 0x00, 0x0B, 'I',  'D',  'A',  'T',  0x78, 0x9C, 0x63, 0x60,   // IDAT
    0x00, 0x02, 0x00, 0x00, 0x05, 0x00, 0x01, 0x7A, 0x5E, 0xAB, 0x3F,         // zlib, CRC
    0x00, 0x00, 0x00, 0x00, 'I',  'E',  'N',  'D',  0xAE, 0x42, 0x60, 0x82};  // IEND

// Baseline greyscale JPEG, 3 pixels wide and 2 high (one 8x8 block): APP0 JFIF, DQT, both
// Huffman tables (DHT, marker C4, deliberately before the frame header), SOF0, SOS, one byte of
// entropy data (DC diff 0, EOB), EOI.
inline constexpr std::size_t kJpegSof0Offset = 133;
inline constexpr std::array<std::uint8_t, 159> kJpeg3x2 = {
    0xFF, 0xD8,                                                              // SOI
    0xFF, 0xE0, 0x00, 0x10, 'J',  'F',  'I',  'F',  0x00, 0x01, 0x01, 0x00,  // APP0
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00,                                      //
    0xFF, 0xDB, 0x00, 0x43, 0x00,                                            // DQT, table 0
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1, 1, 1,
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1, 1, 1,
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1, 1, 1,
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1, 1, 1,
    0xFF, 0xC4, 0x00, 0x14, 0x00, 1,    0,    0,    0,    0,    0,    0,    0,     // DHT DC 0
    0,    0,    0,    0,    0,    0,    0,    0,    0x00,                          //
    0xFF, 0xC4, 0x00, 0x14, 0x10, 1,    0,    0,    0,    0,    0,    0,    0,     // DHT AC 0
    0,    0,    0,    0,    0,    0,    0,    0,    0x00,                          //
    0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x02, 0x00, 0x03, 0x01, 0x01, 0x11, 0x00,  // SOF0 3x2
    0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00,                    // SOS
    0x3F,                                                                          // scan
    0xFF, 0xD9};                                                                   // EOI

// Lossy WebP: "VP8 " key frame, shown, 9-byte first partition; 5x3.
inline constexpr std::array<std::uint8_t, 34> kWebpLossy5x3 = {
    'R',  'I',  'F',  'F',  0x1A, 0x00, 0x00, 0x00, 'W',  'E',  'B',  'P',
    'V',  'P',  '8',  ' ',  0x0E, 0x00, 0x00, 0x00, 0x30, 0x01, 0x00,  // frame tag
    0x9D, 0x01, 0x2A, 0x05, 0x00, 0x03, 0x00,                          // start code, 5, 3
    0x00, 0x00, 0x00, 0x00};

// Lossless WebP: "VP8L" signature 0x2F, (width-1, height-1) = (4, 5) in 14-bit fields; 5x6.
inline constexpr std::array<std::uint8_t, 26> kWebpLossless5x6 = {
    'R', 'I', 'F', 'F',  0x12, 0x00, 0x00, 0x00, 'W',  'E',  'B',  'P',  'V',
    'P', '8', 'L', 0x06, 0x00, 0x00, 0x00, 0x2F, 0x04, 0x40, 0x01, 0x00, 0x00};

// Extended WebP: "VP8X" with alpha flag, canvas 300x200 in 24-bit fields, then a matching VP8L.
inline constexpr std::array<std::uint8_t, 44> kWebpExtended300x200 = {
    'R',  'I',  'F',  'F',  0x24, 0x00, 0x00, 0x00, 'W',  'E',  'B',  'P',   //
    'V',  'P',  '8',  'X',  0x0A, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,  //
    0x2B, 0x01, 0x00, 0xC7, 0x00, 0x00,                                      // 299, 199
    'V',  'P',  '8',  'L',  0x06, 0x00, 0x00, 0x00, 0x2F, 0x2B, 0xC1, 0x31, 0x00, 0x00};

// ICO holding one 1x1 PNG entry: ICONDIR (reserved, type 1, count 1), ICONDIRENTRY (width,
// height, colours, reserved, planes 1, 32 bpp, size 67, offset 22); kPngGrey1x1 would follow.
inline constexpr std::size_t kIcoHeaderSize = 22;
inline constexpr std::array<std::uint8_t, kIcoHeaderSize> kIcoHeader1x1 = {
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00,  // ICONDIR
    0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x20, 0x00, 0x43, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00};

}  // namespace bw::testing
