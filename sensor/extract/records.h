// Records produced by the extractors: plain data with inline strings (see fixed_string.h), so a
// worker can fill one without allocating and hand it to the exporter by copy. The exporter maps
// them one to one onto proto/beaconwatch/v1/event.proto.
#pragma once

#include <cstdint>

#include "sensor/common/fixed_string.h"
#include "sensor/common/time.h"

namespace bw::extract {

enum class ImageFormat : std::uint8_t { kNone = 0, kGif, kPng, kJpeg, kWebp, kIco };

struct ImageInfo {
  ImageFormat format = ImageFormat::kNone;
  bool dimensions_known = false;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};

struct HttpRequest {
  FixedString<16> method;
  FixedString<16> version;  // "HTTP/1.1"
  FixedString<256> host;
  FixedString<2048> uri;
  FixedString<512> user_agent;
  FixedString<1024> referer;
  FixedString<256> accept;
  FixedString<32> sec_fetch_dest;
  FixedString<32> sec_fetch_mode;
  FixedString<32> sec_fetch_site;
  FixedString<32> sec_fetch_user;
  bool cookie_sent = false;
  TimestampNs ts = 0;
};

struct HttpResponse {
  std::uint16_t status = 0;
  FixedString<16> version;
  FixedString<128> content_type;
  std::int64_t content_length = -1;  // -1 when absent or unparsable
  FixedString<128> cache_control;
  FixedString<64> pragma;
  FixedString<64> expires;
  FixedString<512> location;
  bool set_cookie = false;
  ImageInfo image;  // from the first body bytes, whatever the declared content type
  TimestampNs ts = 0;
};

// One request and, when seen, its response, paired in order (pipelining included).
struct HttpTransaction {
  bool has_request = false;
  bool has_response = false;
  HttpRequest request;
  HttpResponse response;
};

enum class DnsTransport : std::uint8_t { kUdp, kTcp };
enum class DnsFlavor : std::uint8_t { kDns, kMdns, kLlmnr };

struct DnsAnswer {
  FixedString<256> name;
  std::uint16_t type = 0;  // 1 A, 28 AAAA, 5 CNAME
  std::uint32_t ttl = 0;
  FixedString<256> data;  // address text for A/AAAA, target name for CNAME
};

struct DnsMessage {
  DnsFlavor flavor = DnsFlavor::kDns;
  DnsTransport transport = DnsTransport::kUdp;
  std::uint16_t id = 0;
  bool is_response = false;
  std::uint8_t opcode = 0;
  std::uint8_t rcode = 0;
  FixedString<256> query_name;  // first question; presentation form without the trailing dot
  std::uint16_t query_type = 0;
  std::uint16_t query_class = 0;
  std::uint16_t question_count = 0;
  std::uint16_t answer_count = 0;      // as declared in the header
  FixedVector<DnsAnswer, 12> answers;  // A, AAAA and CNAME answers, in message order
};

struct TlsClientHello {
  std::uint16_t record_version = 0;
  std::uint16_t legacy_version = 0;  // client_version field
  FixedString<256> sni;
  FixedVector<FixedString<32>, 8> alpn;
  FixedVector<std::uint16_t, 8> supported_versions;  // GREASE removed
  std::uint16_t cipher_count = 0;
  std::uint16_t extension_count = 0;
  bool ech_present = false;  // encrypted_client_hello (0xfe0d): `sni` is then the outer SNI
  FixedString<1536> ja3;     // full JA3 string; see ja3_truncated via ja3.truncated()
  FixedString<32> ja3_md5;   // hex, computed over the full string even when `ja3` was cut
  FixedString<40> ja4;       // e.g. t13d1516h2_8daaf6152771_e5627efa2ab1
};

struct TlsServerHello {
  std::uint16_t legacy_version = 0;
  std::uint16_t selected_version = 0;  // supported_versions extension when present, else legacy
  std::uint16_t cipher_suite = 0;
  FixedString<32> alpn;
  FixedString<512> ja3s;
  FixedString<32> ja3s_md5;
};

struct QuicInitial {
  std::uint32_t version = 0;  // 0x00000001 v1, 0x6b3343cf v2, drafts 0xff0000xx
  FixedString<40> dcid_hex;
  FixedString<40> scid_hex;
  TlsClientHello client_hello;
};

}  // namespace bw::extract
