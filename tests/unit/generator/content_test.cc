// Application payloads: byte-exact images, DNS encoding with compression, HTTP framing,
// ClientHello construction, tokens, and the checksum primitives, against published vectors.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>

#include "tests/unit/generator/tls_reader.h"
#include "tools/generator/checksum.h"
#include "tools/generator/dns_content.h"
#include "tools/generator/http_content.h"
#include "tools/generator/images.h"
#include "tools/generator/rng.h"
#include "tools/generator/tls_content.h"

namespace bw::gen {
namespace {

ByteSpan text_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string as_text(const Bytes& bytes) {
  return {bytes.begin(), bytes.end()};
}

// Bitwise CRC-32 (reflected 0xedb88320), written independently of the table-driven one.
std::uint32_t slow_crc32(ByteSpan data) {
  std::uint32_t crc = 0xffffffff;
  for (std::uint8_t byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

TEST(ChecksumTest, PublishedVectors) {
  EXPECT_EQ(crc32(text_bytes("123456789")), 0xcbf43926u);  // the CRC-32 check value
  EXPECT_EQ(adler32(text_bytes("Wikipedia")), 0x11e60398u);
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
  const std::uint8_t words[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum_partial(words), 0x2ddf0u);
  EXPECT_EQ(internet_checksum(words), static_cast<std::uint16_t>(~0xddf2));
  const std::uint8_t odd[] = {0x01};
  EXPECT_EQ(internet_checksum(odd), 0xfeff);
}

TEST(ImageTest, GifPixelIsTheClassic43Bytes) {
  constexpr std::uint8_t kExpected[] = {
      0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xff, 0xff,
      0xff, 0x00, 0x00, 0x00, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
      0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};
  const Bytes gif = gif_pixel();
  EXPECT_EQ(gif, Bytes(std::begin(kExpected), std::end(kExpected)));
}

TEST(ImageTest, PngPixelChunksCarryValidCrcs) {
  const Bytes png = png_pixel();
  const std::uint8_t signature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  ASSERT_TRUE(std::equal(std::begin(signature), std::end(signature), png.begin()));
  std::vector<std::string> chunks;
  std::size_t at = 8;
  while (at + 12 <= png.size()) {
    const std::uint32_t length = load_be32(png.data() + at);
    ASSERT_LE(at + 12 + length, png.size());
    const ByteSpan typed(png.data() + at + 4, 4 + length);
    EXPECT_EQ(load_be32(png.data() + at + 8 + length), slow_crc32(typed));
    chunks.emplace_back(reinterpret_cast<const char*>(typed.data()), 4);
    if (chunks.back() == "IHDR") {
      EXPECT_EQ(load_be32(png.data() + at + 8), 1u);
      EXPECT_EQ(load_be32(png.data() + at + 12), 1u);
    }
    if (chunks.back() == "IDAT") {
      // zlib header (CM 8, FCHECK valid) and the stored block's Adler-32 of one RGBA scanline.
      EXPECT_EQ((png[at + 8] * 256 + png[at + 9]) % 31, 0);
      const std::uint8_t scanline[5] = {0, 0, 0, 0, 0};
      EXPECT_EQ(load_be32(png.data() + at + 8 + length - 4), adler32(scanline));
    }
    at += 12 + length;
  }
  EXPECT_EQ(at, png.size());
  EXPECT_EQ(chunks, (std::vector<std::string>{"IHDR", "IDAT", "IEND"}));
}

TEST(ImageTest, JpegHasSof0DimensionsAndStuffedScan) {
  Rng rng(7);
  const Bytes jpeg = jpeg_image(rng, 640, 480, 5000);
  ASSERT_GE(jpeg.size(), 5000u);
  EXPECT_EQ(load_be16(jpeg.data()), 0xffd8);
  EXPECT_EQ(load_be16(jpeg.data() + jpeg.size() - 2), 0xffd9);
  std::size_t at = 2;
  bool sof0 = false;
  while (at + 4 <= jpeg.size() && jpeg[at] == 0xff && jpeg[at + 1] != 0xda) {
    if (jpeg[at + 1] == 0xc0) {
      sof0 = true;
      EXPECT_EQ(load_be16(jpeg.data() + at + 5), 480);
      EXPECT_EQ(load_be16(jpeg.data() + at + 7), 640);
    }
    at += 2 + load_be16(jpeg.data() + at + 2);
  }
  EXPECT_TRUE(sof0);
  ASSERT_EQ(jpeg[at + 1], 0xda);
  at += 2 + load_be16(jpeg.data() + at + 2);
  for (; at + 2 < jpeg.size(); ++at) {
    if (jpeg[at] == 0xff) {
      ASSERT_EQ(jpeg[at + 1], 0x00) << "unstuffed 0xff at " << at;
    }
  }
}

TEST(DnsContentTest, QueryIsByteExact) {
  DnsQuestion q;
  q.id = 0x1234;
  q.name = "a.bc";
  q.edns = false;
  const Bytes expected = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                          0x00, 0x01, 'a',  0x02, 'b',  'c',  0x00, 0x00, 0x01, 0x00, 0x01};
  EXPECT_EQ(build_dns_query(q), expected);
  q.edns = true;
  const Bytes with_opt = build_dns_query(q);
  EXPECT_EQ(load_be16(with_opt.data() + 10), 1);  // ARCOUNT
  EXPECT_EQ(Bytes(with_opt.end() - 11, with_opt.end()),
            (Bytes{0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
}

TEST(DnsContentTest, ResponsesCompressNames) {
  DnsQuestion q;
  q.id = 7;
  q.name = "www.example.com";
  q.edns = false;
  DnsRecord cname{"www.example.com", kDnsTypeCname, 1, 3600, {}, "cdn.example.com"};
  DnsRecord a{"cdn.example.com", kDnsTypeA, 1, 60, {}, ""};
  const std::uint8_t address[4] = {192, 0, 2, 7};
  a.address = IpAddress::v4(address);
  const Bytes r = build_dns_response(q, 0x8180, {cname, a});
  // Header (12), question name "www.example.com" (17) and type/class (4): the first answer
  // starts at 33 with its owner as a pointer to the question name at 12.
  ASSERT_EQ(r.size(), 33u + 18 + 16);
  EXPECT_EQ(load_be16(r.data() + 6), 2);  // ANCOUNT
  EXPECT_EQ(load_be16(r.data() + 33), 0xc00c);
  EXPECT_EQ(load_be16(r.data() + 35), kDnsTypeCname);
  // The target spells only "cdn" and points at "example.com" (offset 16).
  EXPECT_EQ(load_be16(r.data() + 43), 6);
  EXPECT_EQ(Bytes(r.begin() + 45, r.begin() + 51), (Bytes{3, 'c', 'd', 'n', 0xc0, 0x10}));
  // The A record's owner is that target, compressed to a pointer at offset 45.
  EXPECT_EQ(load_be16(r.data() + 51), 0xc02d);
  EXPECT_EQ(Bytes(r.end() - 6, r.end()), (Bytes{0, 4, 192, 0, 2, 7}));
}

TEST(DnsContentTest, NxDomainCarriesTheZoneSoa) {
  DnsQuestion q;
  q.name = "wpad.assembly.lan";
  q.edns = false;
  const Bytes r = build_dns_response(q, 0x8183, {}, "assembly.lan");
  EXPECT_EQ(r[3] & 0x0f, 3);
  EXPECT_EQ(load_be16(r.data() + 6), 0);
  EXPECT_EQ(load_be16(r.data() + 8), 1);  // NSCOUNT
  // SOA owner "assembly.lan" points into the question name, after the "wpad" label.
  EXPECT_EQ(load_be16(r.data() + 12 + 19 + 4), 0xc000 | (12 + 5));
}

TEST(HttpContentTest, ChunkedSerialization) {
  HttpMessage m;
  m.start_line = "HTTP/1.1 200 OK";
  m.add("Content-Type", "text/plain");
  const std::string body = "hello, chunked world";
  m.body.assign(body.begin(), body.end());
  m.chunk_sizes = {16};
  EXPECT_EQ(as_text(serialize(m)),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
            "10\r\nhello, chunked w\r\n4\r\norld\r\n0\r\n\r\n");
  EXPECT_EQ(header_block_length(m), 17u + 26 + 28 + 2);
}

TEST(HttpContentTest, PixelRequestsLookLikeMailClients) {
  Rng rng(3);
  for (MailClient client :
       {MailClient::kOutlook, MailClient::kAppleMail, MailClient::kThunderbird}) {
    const std::string wire =
        as_text(serialize(pixel_request(client, "t.example", "/o/1.gif", rng)));
    EXPECT_EQ(wire.rfind("GET /o/1.gif HTTP/1.1\r\n", 0), 0u);
    EXPECT_NE(wire.find("\r\nHost: t.example\r\n"), std::string::npos);
    EXPECT_NE(wire.find("Accept: image/"), std::string::npos);
    EXPECT_EQ(wire.find("Referer"), std::string::npos);
    EXPECT_EQ(wire.find("Cookie"), std::string::npos);
    EXPECT_EQ(wire.find("Safari"), std::string::npos);
    EXPECT_TRUE(wire.ends_with("\r\n\r\n"));
  }
  const std::string outlook = mail_client_user_agent(MailClient::kOutlook, rng);
  EXPECT_TRUE(std::regex_match(
      outlook,
      std::regex(
          R"(Microsoft Office/16\.0 \(Windows NT 10\.0; Microsoft Outlook 16\.0\.\d+; Pro\))")));
}

TEST(HttpContentTest, PixelResponseDisablesCaching) {
  const Bytes gif = gif_pixel();
  const std::string wire = as_text(serialize(pixel_response(200, gif, "image/gif", 0)));
  EXPECT_EQ(wire.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(wire.find("Cache-Control: no-cache, no-store"), std::string::npos);
  EXPECT_NE(wire.find("Content-Length: 43\r\n"), std::string::npos);
  EXPECT_NE(wire.find("Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"), std::string::npos);
  const std::string no_content = as_text(serialize(pixel_response(204, {}, "", 0)));
  EXPECT_EQ(no_content.find("Content-Length"), std::string::npos);
}

TEST(HttpContentTest, DatesAndTokens) {
  EXPECT_EQ(http_date(1741681800LL * kNsPerSecond), "Tue, 11 Mar 2025 08:30:00 GMT");
  // RFC 4648 section 10 vectors, in the URL-safe alphabet without padding.
  EXPECT_EQ(base64url(text_bytes("f")), "Zg");
  EXPECT_EQ(base64url(text_bytes("fo")), "Zm8");
  EXPECT_EQ(base64url(text_bytes("foobar")), "Zm9vYmFy");
  const std::uint8_t url_safe[] = {0xfb, 0xff};
  EXPECT_EQ(base64url(url_safe), "-_8");
  Rng rng(11);
  EXPECT_TRUE(
      std::regex_match(make_token(TokenStyle::kHex32, rng, ""), std::regex("[0-9a-f]{32}")));
  EXPECT_TRUE(std::regex_match(
      make_token(TokenStyle::kUuid, rng, ""),
      std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_EQ(make_token(TokenStyle::kBase64UrlEmail, rng, "foobar"), "Zm9vYmFy");
}

class ClientHelloTest : public ::testing::TestWithParam<TlsClient> {};

TEST_P(ClientHelloTest, ParsesBackToItsJa3AndSni) {
  Rng rng(5);
  ClientHelloSpec spec;
  spec.client = GetParam();
  spec.sni = "www.example.org";
  spec.alpn = {"h2", "http/1.1"};
  const ClientHello hello = build_client_hello(spec, rng);
  testing::ParsedHello parsed;
  ASSERT_TRUE(testing::parse_client_hello(hello.message, parsed));
  EXPECT_EQ(parsed.sni, "www.example.org");
  EXPECT_EQ(parsed.alpn, spec.alpn);
  EXPECT_EQ(parsed.ja3, hello.ja3);
  EXPECT_EQ(parsed.legacy_version, 0x0303);
  EXPECT_EQ(parsed.session_id_length, 32u);
  const bool grease = testing::grease_value(parsed.extensions.front());
  EXPECT_EQ(grease, GetParam() == TlsClient::kChrome || GetParam() == TlsClient::kApple);
  const bool versions = std::count(parsed.extensions.begin(), parsed.extensions.end(), 43) == 1;
  EXPECT_EQ(versions, GetParam() != TlsClient::kSchannel);
  EXPECT_EQ(hello.tls13, GetParam() != TlsClient::kSchannel);
}

INSTANTIATE_TEST_SUITE_P(Clients, ClientHelloTest,
                         ::testing::Values(TlsClient::kChrome, TlsClient::kFirefox,
                                           TlsClient::kSchannel, TlsClient::kApple));

TEST(ClientHelloTest, ChromeOffersPostQuantumShareAndGreaseEch) {
  Rng rng(9);
  ClientHelloSpec spec;
  spec.sni = "cloudflare-ech.com";
  spec.alpn = {"h2"};
  spec.ech = true;
  const ClientHello hello = build_client_hello(spec, rng);
  testing::ParsedHello parsed;
  ASSERT_TRUE(testing::parse_client_hello(hello.message, parsed));
  ASSERT_GE(parsed.key_shares.size(), 3u);
  EXPECT_TRUE(testing::grease_value(parsed.key_shares[0].first));
  EXPECT_EQ(parsed.key_shares[1], (std::pair<std::uint16_t, std::size_t>{0x11ec, 1216}));
  EXPECT_EQ(parsed.key_shares[2], (std::pair<std::uint16_t, std::size_t>{0x001d, 32}));
  EXPECT_TRUE(hello.ech_extension);
  EXPECT_NE(std::find(parsed.extensions.begin(), parsed.extensions.end(), 0xfe0d),
            parsed.extensions.end());
  // Too big for one 1460-byte segment: the ClientHello spans two.
  EXPECT_GT(hello.message.size(), 1500u);
  // GREASE never reaches the JA3 string.
  EXPECT_EQ(hello.ja3.find("2570"), std::string::npos);
}

TEST(ClientHelloTest, ServerHelloSelectsTls13OrResumesTls12) {
  Rng rng(13);
  ClientHelloSpec spec;
  spec.client = TlsClient::kFirefox;
  spec.sni = "x.example";
  const ClientHello modern = build_client_hello(spec, rng);
  const Bytes sh13 = build_server_hello(modern, 0x1301, "", rng);
  ASSERT_GT(sh13.size(), 80u);
  EXPECT_EQ(sh13[0], 2);
  EXPECT_EQ(Bytes(sh13.end() - 6, sh13.end()), (Bytes{0x00, 0x2b, 0x00, 0x02, 0x03, 0x04}));
  spec.client = TlsClient::kSchannel;
  const ClientHello legacy = build_client_hello(spec, rng);
  const Bytes sh12 = build_server_hello(legacy, 0xc030, "h2", rng);
  // Session id echoed: resumption without a certificate in clear.
  EXPECT_TRUE(std::equal(legacy.session_id.begin(), legacy.session_id.end(), sh12.begin() + 39));
  EXPECT_EQ(Bytes(sh12.end() - 9, sh12.end()),
            (Bytes{0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 'h', '2'}));
}

TEST(RngTest, SeededStreamsAreStableAndBounded) {
  Rng a(1), b(1), c(2);
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    EXPECT_NE(x, c.next());
  }
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t v = a.range(10, 20);
    ASSERT_GE(v, 10u);
    ASSERT_LE(v, 20u);
  }
  EXPECT_EQ(a.below(0), 0u);
}

}  // namespace
}  // namespace bw::gen
