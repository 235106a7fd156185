// Beaconwatch traffic generator: deterministic, realistic packet captures plus the ground truth
// of what a sensor should extract from them. Every test, benchmark and the README demo replays
// captures made here; the project ships no third-party traffic.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/common/time.h"
#include "tools/generator/capture_writer.h"

namespace bw::gen {

struct GeneratorOptions {
  std::uint64_t seed = 1;
  std::string profile = "demo";  // demo, encap, protocols, dense, mixed, history, apt, wave
  std::uint32_t linktype = 1;    // 0 null, 1 Ethernet, 101 raw IP, 113 SLL, 276 SLL2
  using Format = CaptureFormat;
  Format format = Format::kPcapMicro;
  std::size_t scale = 1;         // flows of dense, mixed and wave; hosts of history/apt
  std::uint16_t interfaces = 1;  // pcapng only: flows are spread over this many interfaces
};

// One application item the capture holds, with the values a sensor should extract from it.
// HTTP rows are request/response transactions, DNS rows single messages, TLS rows handshakes
// (ClientHello and, when sent, ServerHello), QUIC rows a connection's client Initial.
struct GroundTruth {
  std::string kind;    // http, dns, tls, quic
  TimestampNs ts = 0;  // when the item's first packet passed the sensor
  std::string client_ip;
  std::uint16_t client_port = 0;
  std::string server_ip;
  std::uint16_t server_port = 0;
  std::string transport;      // tcp or udp
  std::string encapsulation;  // event.proto names, outermost first, comma-separated
  std::uint16_t vlan_id = 0;  // outermost tag the capture shows

  // http
  std::string method;
  std::string host;
  std::string uri;
  std::string user_agent;
  std::string referer;
  bool cookie_sent = false;
  std::uint16_t status = 0;  // 0 when no response was sent
  std::string content_type;
  std::string image_format;  // gif, png, jpeg or empty
  std::uint32_t image_width = 0;
  std::uint32_t image_height = 0;

  // dns
  std::string dns_flavor;  // dns, mdns, llmnr
  std::string dns_name;
  std::uint16_t dns_type = 0;
  bool dns_response = false;
  std::uint8_t dns_rcode = 0;
  std::uint16_t dns_answers = 0;

  // tls and quic
  std::string sni;
  std::string alpn;               // offered protocols, comma-separated
  std::string ja3;                // JA3 string of the ClientHello as built
  bool ech = false;               // encrypted_client_hello extension present (GREASE ECH included)
  std::uint16_t tls_version = 0;  // negotiated (ServerHello), 0 without one
  std::uint32_t quic_version = 0;
  std::string quic_dcid;  // hex

  // labels for detection work
  bool is_beacon = false;
  std::string recipient;
  std::string campaign;
};

bool generate(const GeneratorOptions& options, std::vector<std::uint8_t>& capture_out,
              std::vector<GroundTruth>& truth_out, std::string& error);

// Same as generate(), writing the capture to `capture_out` as it is serialised (large dense
// or mixed captures then need one copy in memory, not two).
bool generate_to_stream(const GeneratorOptions& options, std::ostream& capture_out,
                        std::vector<GroundTruth>& truth_out, std::string& error);

// The protected addresses the history and apt profiles' tokens belong to, one per member host
// (the directory a sensor is given with --recipients). Fails for other profiles.
bool recipient_directory(const GeneratorOptions& options, std::vector<std::string>& out,
                         std::string& error);

bool write_ground_truth_tsv(const std::vector<GroundTruth>& truth, std::ostream& out);

// Names accepted by GeneratorOptions::profile.
const std::vector<std::string_view>& profile_names();
// Command-line spellings: ethernet|raw|sll|sll2|null and pcap|pcap-ns|pcapng.
bool parse_linktype(std::string_view name, std::uint32_t& linktype);
bool parse_format(std::string_view name, CaptureFormat& format);

}  // namespace bw::gen
