#include "sensor/extract/tls/tls_parser.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "sensor/common/crypto.h"
#include "tests/unit/tls/tls_test_messages.h"

namespace bw::extract::tls {
namespace {

using test::Bytes;

ByteSpan span_of(const Bytes& b) {
  return ByteSpan(b.data(), b.size());
}
ByteSpan span_of(std::string_view s) {
  return ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// Digests of the strings the spec says are hashed, computed with the one-shot helpers so the
// incremental hashing in the parser is checked against an independent path.
std::string md5_hex(std::string_view text) {
  std::array<char, 32> hex{};
  crypto::to_hex(crypto::md5(span_of(text)), hex.data());
  return std::string(hex.data(), hex.size());
}
std::string sha256_12(std::string_view text) {
  std::array<char, 64> hex{};
  crypto::to_hex(crypto::sha256(span_of(text)), hex.data());
  return std::string(hex.data(), 12);
}

// A TLS 1.3 ClientHello written out byte by byte: GREASE cipher 0x0a0a, GREASE extension 0x1a1a,
// GREASE group 0x2a2a and GREASE version 0x3a3a must all vanish from the fingerprints.
const Bytes kLiteralClientHelloRecord = {
    0x16, 0x03, 0x01, 0x00, 0x8a,  // handshake record, 138 bytes
    0x01, 0x00, 0x00, 0x86,        // ClientHello, 134 bytes
    0x03, 0x03,                    // legacy_version TLS 1.2
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x00,                                                  // session_id: empty
    0x00, 0x06, 0x0a, 0x0a, 0x13, 0x01, 0xc0, 0x2b,        // ciphers: GREASE, 1301, c02b
    0x01, 0x00,                                            // compression: null
    0x00, 0x57,                                            // extensions, 87 bytes
    0x1a, 0x1a, 0x00, 0x00,                                // GREASE extension, empty
    0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09,  // server_name "a.example"
    'a',  '.',  'e',  'x',  'a',  'm',  'p',  'l',  'e',  0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02,
    'h',  '2',  // ALPN "h2", "http/1.1"
    0x08, 'h',  't',  't',  'p',  '/',  '1',  '.',  '1',  0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x2a,
    0x2a, 0x00, 0x1d, 0x00, 0x17,                                      // groups
    0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,                                // point formats
    0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x04, 0x03, 0x08, 0x04,        // sig algs
    0x00, 0x2b, 0x00, 0x07, 0x06, 0x3a, 0x3a, 0x03, 0x04, 0x03, 0x03,  // versions
    0xfe, 0x0d, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef,  // encrypted_client_hello (opaque here)
};

TEST(TlsClientHello, ParsesLiteralRecordAndExcludesGrease) {
  TlsClientHello hello;
  TlsCounters counters;
  ASSERT_EQ(parse_client_hello_stream(span_of(kLiteralClientHelloRecord), hello, counters),
            TlsStatus::kComplete);
  EXPECT_EQ(hello.record_version, 0x0301);
  EXPECT_EQ(hello.legacy_version, 0x0303);
  EXPECT_EQ(hello.sni, "a.example");
  ASSERT_EQ(hello.alpn.size(), 2u);
  EXPECT_EQ(hello.alpn[0], "h2");
  EXPECT_EQ(hello.alpn[1], "http/1.1");
  ASSERT_EQ(hello.supported_versions.size(), 2u);
  EXPECT_EQ(hello.supported_versions[0], 0x0304);
  EXPECT_EQ(hello.supported_versions[1], 0x0303);
  EXPECT_EQ(hello.cipher_count, 2);
  EXPECT_EQ(hello.extension_count, 7);
  EXPECT_TRUE(hello.ech_present);

  const std::string ja3 = "771,4865-49195,0-16-10-11-13-43-65037,29-23,0";
  EXPECT_EQ(hello.ja3, ja3);
  EXPECT_FALSE(hello.ja3.truncated());
  EXPECT_EQ(hello.ja3_md5, md5_hex(ja3));
  const std::string ja4 = "t13d0207h2_" + sha256_12("1301,c02b") + "_" +
                          sha256_12("000a,000b,000d,002b,fe0d_0403,0804");
  EXPECT_EQ(hello.ja4, ja4);
  EXPECT_EQ(counters.client_hellos, 1u);
  EXPECT_EQ(counters.extension_malformed, 0u);
}

// The worked example of FoxIO's JA4 specification (technical_details/JA4.md), with GREASE
// values added: the published fingerprint must come out unchanged.
test::ClientHelloSpec foxio_example_spec() {
  test::ClientHelloSpec spec;
  spec.ciphers = {0x5a5a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
                  0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  const std::vector<std::uint16_t> order = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017,
                                            0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b,
                                            0xff01, 0x000b, 0x000a, 0x0015};
  spec.extensions.push_back(test::empty_extension(0xdada));
  for (const std::uint16_t type : order) {
    switch (type) {
      case 0x0000:
        spec.extensions.push_back(test::sni_extension("example.org"));
        break;
      case 0x0010:
        spec.extensions.push_back(test::alpn_extension({test::text_bytes("h2")}));
        break;
      case 0x000d:
        spec.extensions.push_back(test::u16_list_extension(
            0x000d, {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601}));
        break;
      case 0x002b:
        spec.extensions.push_back(test::supported_versions_extension({0x0304}));
        break;
      default:
        spec.extensions.push_back(test::empty_extension(type));
        break;
    }
  }
  spec.extensions.push_back(test::empty_extension(0x9a9a));
  return spec;
}

TEST(TlsJa4, MatchesFoxIoPublishedExample) {
  TlsClientHello hello;
  TlsCounters counters;
  const Bytes record = test::as_records(test::client_hello_message(foxio_example_spec()));
  ASSERT_EQ(parse_client_hello_stream(span_of(record), hello, counters), TlsStatus::kComplete);
  EXPECT_EQ(hello.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
  EXPECT_EQ(hello.cipher_count, 15);
  EXPECT_EQ(hello.extension_count, 16);
}

TEST(TlsJa4, EmptySignatureAlgorithmListDropsTheUnderscorePart) {
  test::ClientHelloSpec spec = foxio_example_spec();
  for (test::Extension& e : spec.extensions) {
    if (e.type == 0x000d) e = test::u16_list_extension(0x000d, {});
  }
  TlsClientHello hello;
  TlsCounters counters;
  const Bytes record = test::as_records(test::client_hello_message(spec));
  ASSERT_EQ(parse_client_hello_stream(span_of(record), hello, counters), TlsStatus::kComplete);
  // Published in the same document: the sorted list without signature algorithms.
  EXPECT_EQ(hello.ja4, "t13d1516h2_8daaf6152771_6d807ffa2a79");
}

TEST(TlsJa4, NoSniNoAlpnNoExtensions) {
  test::ClientHelloSpec spec;
  spec.legacy_version = 0x0301;
  spec.ciphers = {0x002f, 0x0035};
  spec.omit_extensions_block = true;
  TlsClientHello hello;
  TlsCounters counters;
  ASSERT_EQ(
      parse_client_hello_message(span_of(test::client_hello_message(spec)), false, hello, counters),
      TlsStatus::kComplete);
  EXPECT_EQ(hello.ja4, "t10i020000_" + sha256_12("002f,0035") + "_000000000000");
  EXPECT_EQ(hello.ja3, "769,47-53,,,");
  EXPECT_TRUE(hello.sni.empty());
  EXPECT_TRUE(hello.alpn.empty());
}

TEST(TlsJa4, NoCiphersAndQuicPrefix) {
  test::ClientHelloSpec spec;
  spec.ciphers = {0x0a0a};
  spec.extensions = {test::supported_versions_extension({0x0304}), test::sni_extension("x.test")};
  TlsClientHello hello;
  TlsCounters counters;
  ASSERT_EQ(
      parse_client_hello_message(span_of(test::client_hello_message(spec)), true, hello, counters),
      TlsStatus::kComplete);
  EXPECT_EQ(hello.ja4, "q13d000200_000000000000_" + sha256_12("002b"));
}

std::string ja4_alpn_part(const Bytes& first_alpn) {
  test::ClientHelloSpec spec;
  spec.ciphers = {0x1301};
  spec.extensions = {test::alpn_extension({first_alpn, test::text_bytes("h2")})};
  TlsClientHello hello;
  TlsCounters counters;
  parse_client_hello_message(span_of(test::client_hello_message(spec)), false, hello, counters);
  return std::string(hello.ja4.view().substr(8, 2));
}

TEST(TlsJa4, AlpnCharactersFollowTheSpecRules) {
  EXPECT_EQ(ja4_alpn_part(test::text_bytes("http/1.1")), "h1");
  EXPECT_EQ(ja4_alpn_part(test::text_bytes("h3-29")), "h9");
  EXPECT_EQ(ja4_alpn_part(test::text_bytes("h")), "hh");
  EXPECT_EQ(ja4_alpn_part({}), "00");
  // The spec's own examples for non-alphanumeric bytes.
  EXPECT_EQ(ja4_alpn_part({0xab}), "ab");
  EXPECT_EQ(ja4_alpn_part({0xab, 0xcd}), "ad");
  EXPECT_EQ(ja4_alpn_part({0x30, 0xab}), "3b");
  EXPECT_EQ(ja4_alpn_part({0x30, 0x31, 0xab, 0xcd}), "3d");
  EXPECT_EQ(ja4_alpn_part({0x30, 0xab, 0xcd, 0x31}), "01");
}

TEST(TlsJa4, VersionFromHighestSupportedVersionElseLegacy) {
  const auto version_part = [](std::uint16_t legacy, std::vector<std::uint16_t> versions) {
    test::ClientHelloSpec spec;
    spec.legacy_version = legacy;
    spec.ciphers = {0x1301};
    if (!versions.empty()) spec.extensions = {test::supported_versions_extension(versions)};
    TlsClientHello hello;
    TlsCounters counters;
    parse_client_hello_message(span_of(test::client_hello_message(spec)), false, hello, counters);
    return std::string(hello.ja4.view().substr(1, 2));
  };
  EXPECT_EQ(version_part(0x0303, {0x0303, 0x0304, 0xfafa}), "13");
  EXPECT_EQ(version_part(0x0303, {}), "12");
  EXPECT_EQ(version_part(0x0302, {}), "11");
  EXPECT_EQ(version_part(0x0300, {}), "s3");
  EXPECT_EQ(version_part(0x0303, {0x7f1c}), "00");  // a TLS 1.3 draft number
}

TEST(TlsJa3, FullStringHashedEvenWhenFieldIsCut) {
  test::ClientHelloSpec spec;
  std::string ja3 = "771,";
  for (std::uint16_t c = 1; c <= 400; ++c) {
    spec.ciphers.push_back(static_cast<std::uint16_t>(c + 1000));
    if (c > 1) ja3 += "-";
    ja3 += std::to_string(c + 1000);
  }
  ja3 += ",,,";
  TlsClientHello hello;
  TlsCounters counters;
  const Bytes record = test::as_records(test::client_hello_message(spec));
  ASSERT_EQ(parse_client_hello_stream(span_of(record), hello, counters), TlsStatus::kComplete);
  ASSERT_GT(ja3.size(), hello.ja3.capacity());
  EXPECT_TRUE(hello.ja3.truncated());
  EXPECT_EQ(hello.ja3, std::string_view(ja3).substr(0, hello.ja3.capacity()));
  EXPECT_EQ(hello.ja3_md5, md5_hex(ja3));
  EXPECT_EQ(counters.ja3_truncated, 1u);
  EXPECT_EQ(hello.ja4.view().substr(0, 10), "t12i990000");  // counts cap at 99
}

TEST(TlsClientHello, ThreeRecordsFourSegmentsNeedMoreUntilWhole) {
  const Bytes message = test::client_hello_message(foxio_example_spec());
  // The record boundaries fall inside the handshake header and inside the extensions.
  const Bytes stream = test::as_records(message, {2, 150});
  ASSERT_GT(message.size(), 152u);
  TlsCounters counters;
  TlsClientHello hello;
  const std::vector<std::size_t> segment_ends = {3, 7, 120, stream.size()};
  std::size_t previous_end = 0;
  for (const std::size_t end : segment_ends) {
    for (std::size_t n = previous_end; n < end; ++n) {
      ASSERT_EQ(parse_client_hello_stream(ByteSpan(stream.data(), n), hello, counters),
                TlsStatus::kNeedMore)
          << "prefix " << n;
    }
    previous_end = end;
  }
  ASSERT_EQ(parse_client_hello_stream(span_of(stream), hello, counters), TlsStatus::kComplete);
  EXPECT_EQ(hello.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
  EXPECT_EQ(hello.sni, "example.org");
  EXPECT_EQ(counters.client_hellos, 1u);
  EXPECT_EQ(counters.not_tls + counters.record_malformed, 0u);
}

TEST(TlsClientHello, BytesAfterTheMessageAreIgnored) {
  Bytes stream = kLiteralClientHelloRecord;
  const Bytes alert = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
  test::append(stream, alert);
  TlsClientHello hello;
  TlsCounters counters;
  EXPECT_EQ(parse_client_hello_stream(span_of(stream), hello, counters), TlsStatus::kComplete);
}

TEST(TlsClientHello, EveryTruncationOfTheRecordNeedsMore) {
  TlsClientHello hello;
  TlsCounters counters;
  for (std::size_t n = 0; n < kLiteralClientHelloRecord.size(); ++n) {
    EXPECT_EQ(
        parse_client_hello_stream(ByteSpan(kLiteralClientHelloRecord.data(), n), hello, counters),
        TlsStatus::kNeedMore)
        << "prefix " << n;
  }
  EXPECT_EQ(counters.client_hellos, 0u);
}

TEST(TlsClientHello, BodyCutWithConsistentFramingIsMalformed) {
  // Shorten the body while keeping the handshake length honest, so the parser sees a whole
  // message whose inner fields run past its end.
  const Bytes message(kLiteralClientHelloRecord.begin() + 5, kLiteralClientHelloRecord.end());
  const Bytes body(message.begin() + 4, message.end());
  const std::size_t end_of_compression = 2 + 32 + 1 + 8 + 2;
  for (std::size_t n = 0; n < body.size(); ++n) {
    const Bytes cut = test::handshake_message(1, Bytes(body.begin(), body.begin() + n));
    TlsClientHello hello;
    TlsCounters counters;
    const TlsStatus status = parse_client_hello_message(span_of(cut), false, hello, counters);
    if (n == end_of_compression) {
      EXPECT_EQ(status, TlsStatus::kComplete);  // a hello without extensions is legal
    } else {
      EXPECT_EQ(status, TlsStatus::kMalformed) << "body length " << n;
      EXPECT_EQ(counters.client_hello_malformed, 1u);
    }
  }
}

TEST(TlsClientHello, MalformedExtensionContentIsCountedAndSkipped) {
  test::ClientHelloSpec spec;
  spec.ciphers = {0x1301};
  spec.extensions = {{0x0000, {0x00, 0x09, 0x00, 0x00, 0x20}},  // list claims more than it has
                     test::alpn_extension({test::text_bytes("h2")})};
  TlsClientHello hello;
  TlsCounters counters;
  ASSERT_EQ(
      parse_client_hello_message(span_of(test::client_hello_message(spec)), false, hello, counters),
      TlsStatus::kComplete);
  EXPECT_EQ(counters.extension_malformed, 1u);
  EXPECT_TRUE(hello.sni.empty());
  EXPECT_EQ(hello.ja4.view().substr(0, 10), "t12d0102h2");  // the extension is still present
}

TEST(TlsClientHello, RejectsGarbageAndWrongMessages) {
  TlsClientHello hello;
  TlsCounters counters;
  EXPECT_EQ(
      parse_client_hello_stream(span_of(std::string_view("GET / HTTP/1.1\r\n")), hello, counters),
      TlsStatus::kNotTls);
  EXPECT_EQ(parse_client_hello_stream(span_of(Bytes{0x16, 0x03, 0x09}), hello, counters),
            TlsStatus::kNotTls);
  EXPECT_EQ(parse_client_hello_stream(span_of(Bytes{0x16, 0x03, 0x01, 0x00, 0x00, 0x01}), hello,
                                      counters),
            TlsStatus::kNotTls);  // zero-length record
  EXPECT_EQ(counters.not_tls, 3u);

  // The ClientHello continues in a record that is not a handshake record.
  Bytes split = test::as_records(test::client_hello_message(foxio_example_spec()), {40});
  split[5 + 40] = 0x17;
  EXPECT_EQ(parse_client_hello_stream(span_of(split), hello, counters), TlsStatus::kMalformed);
  EXPECT_EQ(counters.record_malformed, 1u);

  // A ServerHello where the client's first message should be.
  const Bytes server_first = test::as_records(test::handshake_message(2, Bytes(40, 0)));
  EXPECT_EQ(parse_client_hello_stream(span_of(server_first), hello, counters),
            TlsStatus::kMalformed);
  EXPECT_EQ(counters.unexpected_handshake_type, 1u);

  // A declared message larger than anything the parser will gather fails at once.
  const Bytes huge = {0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x7f, 0xff, 0xff};
  EXPECT_EQ(parse_client_hello_stream(span_of(huge), hello, counters), TlsStatus::kMalformed);
  EXPECT_EQ(counters.handshake_too_large, 1u);
  EXPECT_EQ(counters.client_hellos, 0u);
}

TEST(TlsClientHello, LooksLikeHandshake) {
  EXPECT_TRUE(looks_like_tls_handshake(span_of(kLiteralClientHelloRecord)));
  EXPECT_TRUE(looks_like_tls_handshake(span_of(Bytes{0x16, 0x03, 0x00, 0x00, 0x30})));
  EXPECT_FALSE(looks_like_tls_handshake(span_of(Bytes{0x16, 0x03, 0x01, 0x00})));
  EXPECT_FALSE(looks_like_tls_handshake(span_of(Bytes{0x17, 0x03, 0x03, 0x00, 0x30})));
  EXPECT_FALSE(looks_like_tls_handshake(span_of(Bytes{0x16, 0x03, 0x05, 0x00, 0x30})));
  EXPECT_FALSE(looks_like_tls_handshake(span_of(Bytes{0x16, 0x03, 0x03, 0x48, 0x01})));
  EXPECT_FALSE(looks_like_tls_handshake(span_of(std::string_view("GET / HTTP/1.1"))));
}

TEST(TlsClientHello, MessageParserNeedsWholeMessage) {
  const Bytes message = test::client_hello_message(foxio_example_spec());
  TlsClientHello hello;
  TlsCounters counters;
  for (std::size_t n = 0; n < message.size(); ++n) {
    ASSERT_EQ(parse_client_hello_message(ByteSpan(message.data(), n), true, hello, counters),
              TlsStatus::kNeedMore);
  }
  ASSERT_EQ(parse_client_hello_message(span_of(message), true, hello, counters),
            TlsStatus::kComplete);
  EXPECT_EQ(hello.ja4, "q13d1516h2_8daaf6152771_e5627efa2ab1");
  EXPECT_EQ(hello.record_version, 0);
}

// ServerHello: legacy_version 0x0303, random, session id, cipher, compression, extensions.
Bytes server_hello_message(const std::array<std::uint8_t, 32>& random, std::uint16_t cipher,
                           const std::vector<test::Extension>& extensions) {
  Bytes body;
  test::put16(body, 0x0303);
  body.insert(body.end(), random.begin(), random.end());
  test::append(body, test::with_length8(Bytes(32, 0x77)));
  test::put16(body, cipher);
  test::put8(body, 0);
  test::append(body, test::with_length16(test::extensions_block(extensions)));
  return test::handshake_message(2, body);
}

TEST(TlsServerHello, Tls13SelectedVersionAndJa3s) {
  std::array<std::uint8_t, 32> random{};
  random.fill(0x42);
  const Bytes message =
      server_hello_message(random, 0x1301, {{0x002b, {0x03, 0x04}}, {0x0033, Bytes(36, 0x01)}});
  Bytes stream = test::as_records(message, {}, 0x0303);
  // The rest of the server flight follows in the same segment.
  test::append(stream, Bytes{0x14, 0x03, 0x03, 0x00, 0x01, 0x01});
  TlsServerHello hello;
  TlsCounters counters;
  ASSERT_EQ(parse_server_hello_stream(span_of(stream), hello, counters), TlsStatus::kComplete);
  EXPECT_EQ(hello.legacy_version, 0x0303);
  EXPECT_EQ(hello.selected_version, 0x0304);
  EXPECT_EQ(hello.cipher_suite, 0x1301);
  EXPECT_EQ(hello.ja3s, "771,4865,43-51");
  EXPECT_EQ(hello.ja3s_md5, md5_hex("771,4865,43-51"));
  EXPECT_EQ(counters.server_hellos, 1u);
  EXPECT_EQ(counters.hello_retry_requests, 0u);
  for (std::size_t n = 0; n < 5 + message.size(); ++n) {
    EXPECT_EQ(parse_server_hello_stream(ByteSpan(stream.data(), n), hello, counters),
              TlsStatus::kNeedMore);
  }
}

TEST(TlsServerHello, Tls12AlpnAndLegacyVersion) {
  std::array<std::uint8_t, 32> random{};
  const Bytes stream = test::as_records(server_hello_message(
      random, 0xc02f, {{0xff01, {0x00}}, test::alpn_extension({test::text_bytes("h2")})}));
  TlsServerHello hello;
  TlsCounters counters;
  ASSERT_EQ(parse_server_hello_stream(span_of(stream), hello, counters), TlsStatus::kComplete);
  EXPECT_EQ(hello.selected_version, 0x0303);
  EXPECT_EQ(hello.alpn, "h2");
  EXPECT_EQ(hello.ja3s, "771,49199,65281-16");
}

TEST(TlsServerHello, HelloRetryRequestIsCounted) {
  // RFC 8446 section 4.1.3: SHA-256("HelloRetryRequest").
  const std::array<std::uint8_t, 32> retry_random = {
      0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
      0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
      0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
  std::array<std::uint8_t, 32> computed{};
  computed = crypto::sha256(span_of(std::string_view("HelloRetryRequest")));
  ASSERT_EQ(computed, retry_random);
  const Bytes stream = test::as_records(
      server_hello_message(retry_random, 0x1301, {{0x002b, {0x03, 0x04}}, {0x0033, {0x00, 0x1d}}}));
  TlsServerHello hello;
  TlsCounters counters;
  ASSERT_EQ(parse_server_hello_stream(span_of(stream), hello, counters), TlsStatus::kComplete);
  EXPECT_EQ(counters.hello_retry_requests, 1u);
  EXPECT_EQ(counters.server_hellos, 1u);
  EXPECT_EQ(hello.selected_version, 0x0304);
}

TEST(TlsServerHello, RejectsClientHelloAndCutBodies) {
  TlsServerHello hello;
  TlsCounters counters;
  EXPECT_EQ(parse_server_hello_stream(span_of(kLiteralClientHelloRecord), hello, counters),
            TlsStatus::kMalformed);
  EXPECT_EQ(counters.unexpected_handshake_type, 1u);
  const Bytes cut = test::as_records(test::handshake_message(2, Bytes(20, 0x03)));
  EXPECT_EQ(parse_server_hello_stream(span_of(cut), hello, counters), TlsStatus::kMalformed);
  EXPECT_EQ(counters.server_hello_malformed, 1u);
}

}  // namespace
}  // namespace bw::extract::tls
