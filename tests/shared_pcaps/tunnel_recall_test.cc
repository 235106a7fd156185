// Tunnel decapsulation against an independent reader: bw-gen's encap capture (every tunnel the
// generator builds, GTP-U and AYIYA included) is read by tshark and replayed through the sensor,
// and every HTTP request, TLS SNI and DNS query tshark finds must come out of the sensor, counted
// per encapsulation as tshark names its layers. tshark decodes GTP-U on UDP 2152 and AYIYA on
// UDP 5072 itself, so it also vouches for the generator's header layouts.
//
// The real capture ndpi__gtp_false_positive.pcapng holds UDP that only looks like GTP (GTP',
// GTPv2-C, a malformed GTPv1 message): none of it may turn into an inner flow. Four other real
// captures carry GTP-U: the sensor must unwrap the same G-PDUs tshark does.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sensor/capture/pcap_source.h"
#include "sensor/decode/packet_decoder.h"
#include "sensor/pipeline/pipeline.h"
#include "tests/shared_pcaps/shared_captures.h"
#include "tests/support/collecting_writer.h"
#include "tests/support/generated_capture.h"
#include "tools/generator/generator.h"

namespace bw {
namespace {

namespace pb = beaconwatch::v1;
namespace fs = std::filesystem;

using testing::shared_root;

// tshark from BW_TSHARK or the PATH; empty when there is none.
std::string find_tshark() {
  if (const char* env = std::getenv("BW_TSHARK")) return fs::exists(env) ? env : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir) / "tshark";
    if (!dir.empty() && fs::exists(candidate)) return candidate.string();
  }
  return "";
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> fields;
  std::stringstream stream(text);
  for (std::string field; std::getline(stream, field, separator);)
    fields.push_back(field);
  if (!text.empty() && text.back() == separator) fields.emplace_back();
  return fields;
}

std::string last_of(const std::string& values) {
  const std::vector<std::string> all = split(values, ',');
  return all.empty() ? "" : all.back();
}

// One record as both sides key it: kind, the client end of the innermost flow, and the value.
std::string record_key(const std::string& kind, const std::string& client_ip,
                       const std::string& client_port, const std::string& value) {
  return kind + " " + client_ip + ":" + client_port + " " + value;
}

struct TsharkView {
  bool ok = false;
  std::string error;
  // Encapsulation (tshark's layers down to the innermost IP header) -> record keys.
  std::map<std::string, std::set<std::string>> records;
  // Encapsulation -> kinds seen ("http", "tls", "dns").
  std::map<std::string, std::set<std::string>> kinds;
};

// The layers in front of the innermost IP header, e.g. "eth:ethertype:ip:udp:gtp"; the kind
// of innermost header ("ip" or "ipv6") is left in `inner_ip`.
std::string encapsulation_of(const std::string& protocols, std::string& inner_ip) {
  const std::vector<std::string> layers = split(protocols, ':');
  std::size_t innermost = layers.size();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (layers[i] == "ip" || layers[i] == "ipv6") innermost = i;
  }
  if (innermost == layers.size()) return "";
  inner_ip = layers[innermost];
  std::string path;
  for (std::size_t i = 0; i < innermost; ++i)
    path += (i == 0 ? "" : ":") + layers[i];
  return path;
}

// tshark's text output for `arguments` on `capture`; nullopt when it cannot be run.
std::optional<std::string> run_tshark(const std::string& tshark, const std::string& capture,
                                      const std::string& arguments) {
  const std::string command = tshark + " -r '" + capture + "' " + arguments + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return std::nullopt;
  std::string output;
  char buffer[4096];
  for (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get()); n > 0;
       n = std::fread(buffer, 1, sizeof buffer, pipe.get())) {
    output.append(buffer, n);
  }
  return output;
}

TsharkView read_with_tshark(const std::string& tshark, const std::string& capture) {
  TsharkView view;
  const std::optional<std::string> output = run_tshark(
      tshark, capture,
      "-Y 'http.request || tls.handshake.type == 1 || (dns && dns.flags.response == 0)'"
      " -T fields -E separator=/t -e frame.protocols -e ip.src -e ipv6.src -e tcp.srcport"
      " -e udp.srcport -e http.host -e http.request.uri -e tls.handshake.extensions_server_name"
      " -e dns.qry.name");
  if (!output) {
    view.error = "cannot run " + tshark;
    return view;
  }
  std::stringstream lines(*output);
  for (std::string line; std::getline(lines, line);) {
    const std::vector<std::string> f = split(line, '\t');
    if (f.size() < 9) continue;
    std::string inner_ip;
    const std::string encapsulation = encapsulation_of(f[0], inner_ip);
    const std::string client_ip = last_of(inner_ip == "ip" ? f[1] : f[2]);
    const bool tcp = !f[3].empty();
    const std::string client_port = tcp ? last_of(f[3]) : last_of(f[4]);
    std::string kind;
    std::string value;
    if (!f[5].empty() && tcp) {
      kind = "http", value = f[5] + f[6];
    } else if (!f[7].empty()) {
      kind = "tls", value = f[7];
    } else if (!f[8].empty()) {
      kind = "dns", value = f[8];
    } else {
      continue;  // a ClientHello without SNI: nothing to compare
    }
    view.records[encapsulation].insert(record_key(kind, client_ip, client_port, value));
    view.kinds[encapsulation].insert(kind);
  }
  view.ok = true;
  return view;
}

std::set<std::string> sensor_records(const std::vector<pb::Event>& events) {
  std::set<std::string> keys;
  for (const pb::Event& e : events) {
    const std::string ip = e.flow().client_ip();
    const std::string port = std::to_string(e.flow().client_port());
    if (e.has_http() && !e.http().request().method().empty()) {
      keys.insert(
          record_key("http", ip, port, e.http().request().host() + e.http().request().uri()));
    } else if (e.has_tls() && !e.tls().client_hello().sni().empty()) {
      keys.insert(record_key("tls", ip, port, e.tls().client_hello().sni()));
    } else if (e.has_dns() && !e.dns().is_response()) {
      keys.insert(record_key("dns", ip, port, e.dns().query_name()));
    }
  }
  return keys;
}

pipeline::ReplayResult replay(const std::string& capture, std::vector<pb::Event>& events) {
  std::vector<std::unique_ptr<exporter::EventWriter>> writers;
  writers.push_back(std::make_unique<testing::CollectingWriter>(events));
  return pipeline::run_replay(config::SensorConfig{}, {capture}, writers);
}

std::string write_encap_capture() {
  gen::GeneratorOptions options;
  options.profile = "encap";
  options.seed = 7;
  return testing::write_generated_capture(options, "bw_tunnel_recall_encap_7.pcap");
}

TEST(TunnelRecall, EveryRecordTsharkSeesInsideEachEncapsulationIsExtracted) {
  const std::string tshark = find_tshark();
  if (tshark.empty()) GTEST_SKIP() << "tshark not found (set BW_TSHARK or PATH)";
  const std::string capture = write_encap_capture();
  const TsharkView view = read_with_tshark(tshark, capture);
  ASSERT_TRUE(view.ok) << view.error;
  ASSERT_FALSE(view.records.empty()) << "tshark printed no records for " << capture;
  std::vector<pb::Event> events;
  const pipeline::ReplayResult result = replay(capture, events);
  ASSERT_TRUE(result.ok) << result.error;
  const std::set<std::string> extracted = sensor_records(events);

  for (const auto& [encapsulation, records] : view.records) {
    std::size_t matched = 0;
    for (const std::string& record : records) {
      if (extracted.count(record) != 0) {
        ++matched;
      } else {
        ADD_FAILURE() << encapsulation << ": the sensor missed " << record;
      }
    }
    std::printf("  %-48s %3zu/%-3zu\n", encapsulation.c_str(), matched, records.size());
  }
  // The two tunnels this test exists for must each carry all three kinds, as tshark reads them.
  for (const char* tunnel : {"eth:ethertype:ip:udp:gtp", "eth:ethertype:ip:udp:ayiya"}) {
    const auto kinds = view.kinds.find(tunnel);
    ASSERT_NE(kinds, view.kinds.end()) << "tshark found nothing under " << tunnel;
    EXPECT_EQ(kinds->second, (std::set<std::string>{"dns", "http", "tls"})) << tunnel;
  }
  EXPECT_GT(result.summary.decode.gtpu, 0u);
  EXPECT_GT(result.summary.decode.ayiya, 0u);
  std::remove(capture.c_str());
}

const fs::path kFalsePositiveCapture = "background/ndpi__gtp_false_positive.pcapng";

TEST(TunnelRecall, GtpLookalikesYieldNoInnerFlow) {
  const fs::path capture = shared_root() / kFalsePositiveCapture;
  if (!fs::exists(capture)) GTEST_SKIP() << "real captures not available at " << capture;
  std::vector<pb::Event> events;
  const pipeline::ReplayResult result = replay(capture.string(), events);
  ASSERT_TRUE(result.ok) << result.error;
  const decode::DecodeCounters& decode = result.summary.decode;
  ASSERT_GT(result.summary.capture.packets_read, 0u);
  // One IP header per frame: nothing was unwrapped.
  EXPECT_EQ(decode.ipv4 + decode.ipv6, result.summary.capture.packets_read);
  EXPECT_EQ(decode.gtpu, 0u);
  EXPECT_EQ(decode.ayiya, 0u);
}

// The same datagrams moved onto the GTP-U port, where only the header checks stand between them
// and decapsulation: each must be refused under a named reason and stay one UDP datagram.
TEST(TunnelRecall, GtpLookalikesOnTheUserPlanePortAreRefusedAndCounted) {
  const fs::path capture = shared_root() / kFalsePositiveCapture;
  if (!fs::exists(capture)) GTEST_SKIP() << "real captures not available at " << capture;
  std::string error;
  auto source = capture::PcapFileSource::open(capture.string(), error);
  ASSERT_TRUE(source) << error;
  ASSERT_EQ(source->linktype(), decode::linktype::kEthernet);
  decode::PacketDecoder decoder;
  decode::DecodedPacket out;
  capture::RawPacket packet;
  std::size_t frames = 0;
  while (source->next(packet) == capture::ReadStatus::kPacket) {
    std::vector<std::uint8_t> frame(packet.data.begin(), packet.data.end());
    constexpr std::size_t kUdpHeaderAt = 14 + 20;  // Ethernet, option-less IPv4
    ASSERT_GE(frame.size(), kUdpHeaderAt + 8);
    ASSERT_EQ(frame[14], 0x45);
    ASSERT_EQ(frame[14 + 9], 17);
    for (std::size_t port_at : {kUdpHeaderAt, kUdpHeaderAt + 2}) {
      frame[port_at] = 2152 >> 8;
      frame[port_at + 1] = 2152 & 0xff;
    }
    ASSERT_EQ(decoder.decode(decode::linktype::kEthernet, frame, packet.ts, out),
              decode::DecodeResult::kOk)
        << "frame " << frames + 1;
    EXPECT_EQ(out.ip_protocol, 17) << "frame " << frames + 1;
    EXPECT_EQ(out.dst_port, 2152) << "frame " << frames + 1;
    ++frames;
  }
  ASSERT_GT(frames, 0u);
  const decode::DecodeCounters& c = decoder.counters();
  EXPECT_EQ(c.gtpu, 0u);
  EXPECT_EQ(c.ipv4, frames);
  EXPECT_EQ(c.gtpu_not_user_plane + c.gtpu_signalling_message + c.gtpu_truncated +
                c.gtpu_length_mismatch + c.gtpu_bad_extension + c.gtpu_inner_not_ip,
            frames);
}

// Real captures (nDPI's test set) that carry mobile traffic in GTP-U behind QinQ tags: the sensor
// must unwrap exactly the G-PDUs tshark unwraps, and extract every record tshark reads inside.
TEST(TunnelRecall, RealGtpuCapturesAreUnwrappedAsTsharkUnwrapsThem) {
  const std::string tshark = find_tshark();
  if (tshark.empty()) GTEST_SKIP() << "tshark not found (set BW_TSHARK or PATH)";
  const fs::path background = shared_root() / "background";
  if (!fs::exists(background)) GTEST_SKIP() << "real captures not available at " << background;
  for (const char* file : {"ndpi__dtls.pcap", "ndpi__http_origin_different_than_host.pcap",
                           "ndpi__rtmp.pcap", "ndpi__zoom.pcap"}) {
    SCOPED_TRACE(file);
    const std::string capture = (background / file).string();
    ASSERT_TRUE(fs::exists(capture));
    const std::optional<std::string> layers =
        run_tshark(tshark, capture, "-Y gtp -T fields -e frame.protocols");
    ASSERT_TRUE(layers);
    std::uint64_t unwrapped_by_tshark = 0;
    for (const std::string& line : split(*layers, '\n')) {
      if (line.find(":gtp:ip") != std::string::npos) ++unwrapped_by_tshark;
    }
    std::vector<pb::Event> events;
    const pipeline::ReplayResult result = replay(capture, events);
    ASSERT_TRUE(result.ok) << result.error;
    EXPECT_GT(unwrapped_by_tshark, 0u);
    EXPECT_EQ(result.summary.decode.gtpu, unwrapped_by_tshark);

    const TsharkView view = read_with_tshark(tshark, capture);
    ASSERT_TRUE(view.ok) << view.error;
    const std::set<std::string> extracted = sensor_records(events);
    for (const auto& [encapsulation, records] : view.records) {
      if (encapsulation.find(":gtp") == std::string::npos) continue;
      for (const std::string& record : records) {
        EXPECT_EQ(extracted.count(record), 1u) << encapsulation << ": the sensor missed " << record;
      }
      std::printf("  %-44s %-48s %3zu records\n", file, encapsulation.c_str(), records.size());
    }
  }
}

}  // namespace
}  // namespace bw
