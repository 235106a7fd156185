// The ground truth agrees with what the capture holds, read back by independent parsers.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include "tests/unit/generator/generated_capture.h"
#include "tests/unit/generator/tls_reader.h"

namespace bw::gen::testing {
namespace {

using Direction = std::tuple<IpAddress, std::uint16_t, IpAddress, std::uint16_t>;

// Payload of each TCP direction, in capture order (the generator never reorders TCP).
std::map<Direction, std::vector<std::uint8_t>> tcp_streams(const Generated& g) {
  std::map<Direction, std::vector<std::uint8_t>> streams;
  for (const Segment& s : g.walker.segments()) {
    if (s.protocol != 6) continue;
    auto& stream = streams[{s.src, s.src_port, s.dst, s.dst_port}];
    stream.insert(stream.end(), s.payload.begin(), s.payload.end());
  }
  return streams;
}

std::size_t count_text(const std::vector<std::uint8_t>& stream, std::string_view needle) {
  const std::string_view text(reinterpret_cast<const char*>(stream.data()), stream.size());
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// Decodes a possibly compressed DNS name starting at `at`; empty on malformed input.
std::string dns_name(ByteSpan message, std::size_t at) {
  std::string name;
  for (int hops = 0; hops < 32 && at < message.size();) {
    const std::uint8_t length = message[at];
    if (length == 0) return name;
    if ((length & 0xc0) == 0xc0) {
      if (at + 1 >= message.size()) return {};
      at = ((length & 0x3fu) << 8) | message[at + 1];
      ++hops;
      continue;
    }
    if (at + 1 + length > message.size()) return {};
    if (!name.empty()) name += '.';
    name.append(reinterpret_cast<const char*>(message.data() + at + 1), length);
    at += 1 + length;
  }
  return {};
}

using DnsFacts = std::tuple<bool, std::string, std::uint16_t, std::uint8_t, std::uint16_t>;

DnsFacts dns_facts(ByteSpan message) {
  const bool response = (message[2] & 0x80) != 0;
  const std::uint8_t rcode = message[3] & 0x0f;
  const std::uint16_t questions = load_be16(message.data() + 4);
  const std::uint16_t answers = load_be16(message.data() + 6);
  std::string name;
  std::uint16_t type = 0;
  if (questions > 0) {
    name = dns_name(message, 12);
    std::size_t at = 12;
    while (at < message.size() && message[at] != 0 && (message[at] & 0xc0) != 0xc0) {
      at += 1 + message[at];
    }
    at += (at < message.size() && message[at] == 0) ? 1 : 2;
    type = load_be16(message.data() + at);
  }
  return {response, name, type, rcode, answers};
}

bool is_dns_port(std::uint16_t port) {
  return port == 53 || port == 5353 || port == 5355;
}

class GroundTruthTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GroundTruthTest, HttpTransactionsMatchTheStreams) {
  const Generated& g = generated(GetParam());
  std::size_t requests = 0, responses = 0;
  for (const auto& [direction, stream] : tcp_streams(g)) {
    if (std::get<3>(direction) == 80) requests += count_text(stream, "GET /");
    if (std::get<1>(direction) == 80) responses += count_text(stream, "HTTP/1.1 ");
  }
  std::size_t truth_requests = 0, truth_responses = 0;
  for (const GroundTruth& row : g.truth) {
    if (row.kind != "http") continue;
    ++truth_requests;
    truth_responses += row.status != 0 ? 1 : 0;
  }
  EXPECT_EQ(requests, truth_requests);
  EXPECT_EQ(responses, truth_responses);
}

TEST_P(GroundTruthTest, DnsMessagesMatchOneForOne) {
  const Generated& g = generated(GetParam());
  std::vector<DnsFacts> seen;
  for (const Segment& s : g.walker.segments()) {
    if (!is_dns_port(s.src_port) && !is_dns_port(s.dst_port)) continue;
    if (s.protocol == 17 && s.payload.size() >= 12) seen.push_back(dns_facts(s.payload));
  }
  for (const auto& [direction, stream] : tcp_streams(g)) {
    if (std::get<1>(direction) != 53 && std::get<3>(direction) != 53) continue;
    for (std::size_t at = 0; at + 2 <= stream.size();) {
      const std::size_t length = load_be16(stream.data() + at);
      ASSERT_LE(at + 2 + length, stream.size());
      seen.push_back(dns_facts(ByteSpan(stream.data() + at + 2, length)));
      at += 2 + length;
    }
  }
  std::vector<DnsFacts> expected;
  for (const GroundTruth& row : g.truth) {
    if (row.kind != "dns") continue;
    expected.emplace_back(row.dns_response, row.dns_name, row.dns_type, row.dns_rcode,
                          row.dns_answers);
  }
  std::sort(seen.begin(), seen.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(seen, expected);
}

TEST_P(GroundTruthTest, TlsClientHellosMatchSniAndJa3) {
  const Generated& g = generated(GetParam());
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& [direction, stream] : tcp_streams(g)) {
    if (std::get<3>(direction) != 443 || stream.size() < 6 || stream[0] != 0x16) continue;
    const std::size_t record = load_be16(stream.data() + 3);
    ParsedHello hello;
    ASSERT_TRUE(parse_client_hello(ByteSpan(stream.data() + 5, std::min(record, stream.size() - 5)),
                                   hello));
    seen.emplace_back(hello.sni, hello.ja3);
  }
  std::vector<std::pair<std::string, std::string>> expected;
  for (const GroundTruth& row : g.truth) {
    if (row.kind == "tls") expected.emplace_back(row.sni, row.ja3);
  }
  std::sort(seen.begin(), seen.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(seen, expected);
}

TEST_P(GroundTruthTest, EveryRowNamesAFlowOfTheCapture) {
  const Generated& g = generated(GetParam());
  std::set<std::tuple<std::string, std::uint16_t, std::string, std::uint16_t>> flows;
  for (const Segment& s : g.walker.segments()) {
    flows.emplace(s.src.to_string(), s.src_port, s.dst.to_string(), s.dst_port);
  }
  for (const GroundTruth& row : g.truth) {
    // Responses of multicast name services travel from the responder, so match either way.
    const bool forward =
        flows.count({row.client_ip, row.client_port, row.server_ip, row.server_port}) > 0;
    const bool backward =
        flows.count({row.server_ip, row.server_port, row.client_ip, row.client_port}) > 0;
    EXPECT_TRUE(forward || backward) << row.kind << " " << row.client_ip << ":" << row.client_port
                                     << " -> " << row.server_ip << ":" << row.server_port;
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, GroundTruthTest,
                         ::testing::Values("demo", "encap", "protocols", "dense", "mixed"));

TEST(GroundTruthContentTest, DemoHoldsTheCampaignAcrossChannels) {
  const Generated& g = generated("demo");
  std::map<std::string, std::size_t> beacons;
  std::set<std::string> recipients;
  for (const GroundTruth& row : g.truth) {
    if (!row.is_beacon) continue;
    ++beacons[row.kind];
    recipients.insert(row.recipient);
    if (row.kind == "http" && row.status == 200) {
      EXPECT_TRUE(row.referer.empty());
      EXPECT_FALSE(row.cookie_sent);
      EXPECT_EQ(row.image_width, 1u);
      EXPECT_EQ(row.image_height, 1u);
    }
  }
  EXPECT_GT(beacons["http"], 20u);
  EXPECT_GT(beacons["tls"], 0u);
  EXPECT_GT(beacons["quic"], 0u);
  EXPECT_GE(recipients.size(), 30u);
}

TEST(GroundTruthContentTest, ProtocolsProfileCoversEveryVariant) {
  const Generated& g = generated("protocols");
  std::set<std::string> flavors, statuses, images, versions;
  bool ech = false;
  for (const GroundTruth& row : g.truth) {
    flavors.insert(row.dns_flavor);
    statuses.insert(std::to_string(row.status));
    images.insert(row.image_format);
    if (row.quic_version != 0) versions.insert(std::to_string(row.quic_version));
    ech |= row.sni == "cloudflare-ech.com" && row.ech;
  }
  EXPECT_TRUE(flavors.count("dns") && flavors.count("mdns") && flavors.count("llmnr"));
  EXPECT_TRUE(statuses.count("200") && statuses.count("204") && statuses.count("302"));
  EXPECT_TRUE(images.count("gif") && images.count("png") && images.count("jpeg"));
  EXPECT_EQ(versions, (std::set<std::string>{"1", "1798521807"}));
  EXPECT_TRUE(ech);
}

TEST(GroundTruthTsvTest, OneLinePerRowWithFixedColumns) {
  const Generated& g = generated("protocols");
  std::ostringstream out;
  ASSERT_TRUE(write_ground_truth_tsv(g.truth, out));
  std::istringstream in(out.str());
  std::string line;
  std::getline(in, line);
  const auto columns = std::count(line.begin(), line.end(), '\t');
  EXPECT_EQ(line.rfind("kind\tts_ns\t", 0), 0u);
  std::size_t rows = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(std::count(line.begin(), line.end(), '\t'), columns);
    ++rows;
  }
  EXPECT_EQ(rows, g.truth.size());
}

}  // namespace
}  // namespace bw::gen::testing
