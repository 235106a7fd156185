#include "sensor/extract/image/image_sniffer.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "tests/unit/image/image_fixtures.h"

namespace bw::extract::image {
namespace {

using bw::testing::kGif1x1;
using bw::testing::kIcoHeader1x1;
using bw::testing::kJpeg3x2;
using bw::testing::kJpegSof0Offset;
using bw::testing::kPngGrey1x1;
using bw::testing::kPngRgba1x1;
using bw::testing::kWebpExtended300x200;
using bw::testing::kWebpLossless5x6;
using bw::testing::kWebpLossy5x3;

std::vector<std::uint8_t> bytes_of(ByteSpan span) {
  return {span.begin(), span.end()};
}

void expect_image(const ImageInfo& info, ImageFormat format, std::uint32_t width,
                  std::uint32_t height) {
  EXPECT_EQ(info.format, format);
  EXPECT_TRUE(info.dimensions_known);
  EXPECT_EQ(info.width, width);
  EXPECT_EQ(info.height, height);
}

void expect_format_only(const ImageInfo& info, ImageFormat format) {
  EXPECT_EQ(info.format, format);
  EXPECT_FALSE(info.dimensions_known);
  EXPECT_EQ(info.width, 0u);
  EXPECT_EQ(info.height, 0u);
}

// Bitwise CRC-32 (ISO 3309, as PNG uses), to prove the PNG fixtures are well-formed files.
std::uint32_t crc32(ByteSpan data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::uint8_t byte : data) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void expect_png_chunks_valid(ByteSpan png) {
  std::size_t pos = 8;
  int chunks = 0;
  while (pos + 12 <= png.size()) {
    const std::uint32_t length = load_be32(&png[pos]);
    ASSERT_LE(pos + 12 + length, png.size());
    EXPECT_EQ(crc32(png.subspan(pos + 4, 4 + length)), load_be32(&png[pos + 8 + length]));
    pos += 12 + length;
    ++chunks;
  }
  EXPECT_EQ(pos, png.size());
  EXPECT_EQ(chunks, 3);
}

TEST(ImageSniffer, Gif89aTrackingPixel) {
  expect_image(sniff_image(kGif1x1), ImageFormat::kGif, 1, 1);
}

TEST(ImageSniffer, Gif87aScreenSizeIsLittleEndian) {
  const std::array<std::uint8_t, 10> header = {'G', 'I',  'F',  '8',  '7',
                                               'a', 0x40, 0x01, 0xF0, 0x00};
  expect_image(sniff_image(header), ImageFormat::kGif, 320, 240);
}

TEST(ImageSniffer, GifSignatureWithoutScreenDescriptor) {
  expect_format_only(sniff_image(ByteSpan(kGif1x1).first(6)), ImageFormat::kGif);
  expect_format_only(sniff_image(ByteSpan(kGif1x1).first(9)), ImageFormat::kGif);
}

TEST(ImageSniffer, GifOtherVersionIsNotGif) {
  std::vector<std::uint8_t> gif = bytes_of(kGif1x1);
  gif[4] = '8';  // "GIF88a" was never a version
  EXPECT_EQ(sniff_image(gif).format, ImageFormat::kNone);
}

TEST(ImageSniffer, PngFixturesAreValidFiles) {
  expect_png_chunks_valid(kPngGrey1x1);
  expect_png_chunks_valid(kPngRgba1x1);
}

TEST(ImageSniffer, Png67And68BytePixels) {
  expect_image(sniff_image(kPngGrey1x1), ImageFormat::kPng, 1, 1);
  expect_image(sniff_image(kPngRgba1x1), ImageFormat::kPng, 1, 1);
}

TEST(ImageSniffer, PngDimensionsAreBigEndian) {
  std::vector<std::uint8_t> png = bytes_of(kPngGrey1x1);
  png[18] = 0x02;  // width 0x00000201
  png[23] = 0x03;  // height 3
  expect_image(sniff_image(png), ImageFormat::kPng, 0x201, 3);
}

TEST(ImageSniffer, PngCutInsideIhdr) {
  expect_format_only(sniff_image(ByteSpan(kPngGrey1x1).first(23)), ImageFormat::kPng);
  expect_image(sniff_image(ByteSpan(kPngGrey1x1).first(24)), ImageFormat::kPng, 1, 1);
}

TEST(ImageSniffer, PngWhoseFirstChunkIsNotIhdr) {
  std::vector<std::uint8_t> png = bytes_of(kPngGrey1x1);
  png[12] = 'C';  // "CHDR"
  expect_format_only(sniff_image(png), ImageFormat::kPng);
}

TEST(ImageSniffer, JpegFixtureHasSofWhereExpected) {
  ASSERT_EQ(kJpeg3x2[kJpegSof0Offset], 0xFF);
  ASSERT_EQ(kJpeg3x2[kJpegSof0Offset + 1], 0xC0);
}

TEST(ImageSniffer, JpegWalksApp0DqtAndDhtToSof0) {
  // The DHT segments (C4) sit inside the SOF range and precede SOF0: read as a frame header
  // they would give 256x0.
  expect_image(sniff_image(kJpeg3x2), ImageFormat::kJpeg, 3, 2);
}

TEST(ImageSniffer, JpegEveryFrameTypeButTablesCounts) {
  for (int marker = 0xC0; marker <= 0xCF; ++marker) {
    std::vector<std::uint8_t> jpeg = bytes_of(kJpeg3x2);
    jpeg[kJpegSof0Offset + 1] = static_cast<std::uint8_t>(marker);
    const ImageInfo info = sniff_image(jpeg);
    EXPECT_EQ(info.format, ImageFormat::kJpeg);
    const bool is_table = marker == 0xC4 || marker == 0xC8 || marker == 0xCC;
    // Skipping what is then a table segment leads to SOS: no frame header before the scan.
    EXPECT_EQ(info.dimensions_known, !is_table) << std::hex << marker;
  }
}

TEST(ImageSniffer, JpegToleratesFillBytesBeforeMarker) {
  std::vector<std::uint8_t> jpeg = bytes_of(kJpeg3x2);
  jpeg.insert(jpeg.begin() + kJpegSof0Offset, {0xFF, 0xFF});
  expect_image(sniff_image(jpeg), ImageFormat::kJpeg, 3, 2);
}

TEST(ImageSniffer, JpegEveryPrefix) {
  for (std::size_t n = 0; n <= kJpeg3x2.size(); ++n) {
    const ImageInfo info = sniff_image(ByteSpan(kJpeg3x2).first(n));
    if (n < 3) {
      EXPECT_EQ(info.format, ImageFormat::kNone) << n;
    } else if (n < kJpegSof0Offset + 9) {
      expect_format_only(info, ImageFormat::kJpeg);
    } else {
      expect_image(info, ImageFormat::kJpeg, 3, 2);
    }
  }
}

TEST(ImageSniffer, JpegLostSyncOrScanFirstGivesNoDimensions) {
  std::vector<std::uint8_t> desync = bytes_of(kJpeg3x2);
  desync[20] = 0x00;  // where the DQT marker should start
  expect_format_only(sniff_image(desync), ImageFormat::kJpeg);

  const std::array<std::uint8_t, 12> scan_first = {0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08,
                                                   0x01, 0x01, 0x00, 0x00, 0x3F, 0x00};
  expect_format_only(sniff_image(scan_first), ImageFormat::kJpeg);

  std::vector<std::uint8_t> short_segment = bytes_of(kJpeg3x2);
  short_segment[5] = 0x01;  // APP0 length below its own 2 bytes
  expect_format_only(sniff_image(short_segment), ImageFormat::kJpeg);
}

TEST(ImageSniffer, WebpLossyVp8) {
  expect_image(sniff_image(kWebpLossy5x3), ImageFormat::kWebp, 5, 3);
}

TEST(ImageSniffer, WebpLossyKeepsFourteenBitsOfSize) {
  std::vector<std::uint8_t> webp = bytes_of(kWebpLossy5x3);
  webp[27] = 0xC0;  // the top two bits of each size are upscaling hints, not size
  webp[29] = 0x41;
  expect_image(sniff_image(webp), ImageFormat::kWebp, 5, 0x103);
}

TEST(ImageSniffer, WebpLossyWithoutStartCode) {
  std::vector<std::uint8_t> webp = bytes_of(kWebpLossy5x3);
  webp[23] = 0x9C;
  expect_format_only(sniff_image(webp), ImageFormat::kWebp);
}

TEST(ImageSniffer, WebpLosslessVp8l) {
  expect_image(sniff_image(kWebpLossless5x6), ImageFormat::kWebp, 5, 6);
}

TEST(ImageSniffer, WebpExtendedVp8xCanvas) {
  expect_image(sniff_image(kWebpExtended300x200), ImageFormat::kWebp, 300, 200);
}

TEST(ImageSniffer, WebpCutBeforeSizes) {
  expect_format_only(sniff_image(ByteSpan(kWebpLossy5x3).first(29)), ImageFormat::kWebp);
  expect_format_only(sniff_image(ByteSpan(kWebpLossless5x6).first(24)), ImageFormat::kWebp);
  expect_format_only(sniff_image(ByteSpan(kWebpExtended300x200).first(29)), ImageFormat::kWebp);
  expect_format_only(sniff_image(ByteSpan(kWebpLossy5x3).first(12)), ImageFormat::kWebp);
}

TEST(ImageSniffer, RiffThatIsNotWebp) {
  std::vector<std::uint8_t> wave = bytes_of(kWebpLossy5x3);
  wave[8] = 'W';
  wave[9] = 'A';
  wave[10] = 'V';
  wave[11] = 'E';
  EXPECT_EQ(sniff_image(wave).format, ImageFormat::kNone);
}

TEST(ImageSniffer, IcoFirstEntrySize) {
  expect_image(sniff_image(kIcoHeader1x1), ImageFormat::kIco, 1, 1);
}

TEST(ImageSniffer, IcoZeroMeans256) {
  std::vector<std::uint8_t> ico = bytes_of(kIcoHeader1x1);
  ico[6] = 0;
  ico[7] = 48;
  expect_image(sniff_image(ico), ImageFormat::kIco, 256, 48);
}

TEST(ImageSniffer, IcoDirectoryWithoutEntry) {
  expect_format_only(sniff_image(ByteSpan(kIcoHeader1x1).first(6)), ImageFormat::kIco);
}

TEST(ImageSniffer, IcoLookalikesRejected) {
  std::vector<std::uint8_t> cursor = bytes_of(kIcoHeader1x1);
  cursor[2] = 2;
  EXPECT_EQ(sniff_image(cursor).format, ImageFormat::kNone);
  std::vector<std::uint8_t> empty_dir = bytes_of(kIcoHeader1x1);
  empty_dir[4] = 0;
  EXPECT_EQ(sniff_image(empty_dir).format, ImageFormat::kNone);
  std::vector<std::uint8_t> reserved = bytes_of(kIcoHeader1x1);
  reserved[1] = 1;
  EXPECT_EQ(sniff_image(reserved).format, ImageFormat::kNone);
}

TEST(ImageSniffer, NotAnImage) {
  const std::string_view html = "<html><body>hello</body></html>";
  EXPECT_EQ(
      sniff_image(ByteSpan(reinterpret_cast<const std::uint8_t*>(html.data()), html.size())).format,
      ImageFormat::kNone);
  EXPECT_EQ(sniff_image(ByteSpan{}).format, ImageFormat::kNone);
}

TEST(ImageSniffer, EveryPrefixOfEveryFixtureStaysInBounds) {
  // Run under ASan this proves no read past the prefix; the checks prove a prefix never yields
  // a different size than the whole image.
  const std::array<ByteSpan, 8> fixtures = {
      kGif1x1,       kPngGrey1x1,      kPngRgba1x1,          kJpeg3x2,
      kWebpLossy5x3, kWebpLossless5x6, kWebpExtended300x200, kIcoHeader1x1};
  for (ByteSpan whole : fixtures) {
    const ImageInfo full = sniff_image(whole);
    for (std::size_t n = 0; n < whole.size(); ++n) {
      std::vector<std::uint8_t> exact(whole.begin(), whole.begin() + static_cast<long>(n));
      const ImageInfo part = sniff_image(exact);
      if (part.dimensions_known) {
        EXPECT_EQ(part.width, full.width);
        EXPECT_EQ(part.height, full.height);
      }
    }
  }
}

}  // namespace
}  // namespace bw::extract::image
