#include "sensor/classify/ndpi_classifier.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace bw::classify {
namespace {

// IPv4/UDP datagram 10.0.0.2:40000 -> 10.0.0.1:53 carrying a DNS query for example.com (A).
std::vector<std::uint8_t> dns_query_datagram() {
  const std::vector<std::uint8_t> dns = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                                         0x00, 0x00, 7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',
                                         3,    'c',  'o',  'm',  0,    0x00, 0x01, 0x00, 0x01};
  const std::size_t udp_len = 8 + dns.size();
  const std::size_t total = 20 + udp_len;
  std::vector<std::uint8_t> d = {0x45,
                                 0x00,
                                 static_cast<std::uint8_t>(total >> 8),
                                 static_cast<std::uint8_t>(total),
                                 0x00,
                                 0x01,
                                 0x00,
                                 0x00,
                                 64,
                                 17,
                                 0x00,
                                 0x00,
                                 10,
                                 0,
                                 0,
                                 2,
                                 10,
                                 0,
                                 0,
                                 1};
  const std::vector<std::uint8_t> udp = {0x9c,
                                         0x40,
                                         0x00,
                                         53,
                                         static_cast<std::uint8_t>(udp_len >> 8),
                                         static_cast<std::uint8_t>(udp_len),
                                         0x00,
                                         0x00};
  d.insert(d.end(), udp.begin(), udp.end());
  d.insert(d.end(), dns.begin(), dns.end());
  return d;
}

TEST(NdpiClassifier, NamesADnsFlowAndFreesItsState) {
  NdpiClassifier classifier(ClassifierConfig{.max_packets_per_flow = 8, .max_concurrent_flows = 4});
  ASSERT_TRUE(classifier.ok());
  FlowClassification flow;
  const auto datagram = dns_query_datagram();
  classifier.inspect(flow, datagram, 1'000'000'000);
  classifier.finish(flow);
  FixedString<48> name;
  classifier.name(flow, name);
  EXPECT_EQ(name.view(), "DNS");
  EXPECT_TRUE(flow.finished);
  EXPECT_EQ(flow.state, nullptr);
  EXPECT_EQ(classifier.counters().flows_classified, 1u);
}

TEST(NdpiClassifier, PoolExhaustionIsCountedNotFatal) {
  NdpiClassifier classifier(ClassifierConfig{.max_packets_per_flow = 8, .max_concurrent_flows = 1});
  const std::vector<std::uint8_t> opaque(40, 0x45);  // an unclassifiable IPv4-looking blob
  FlowClassification first;
  FlowClassification second;
  classifier.inspect(first, opaque, 1);
  classifier.inspect(second, opaque, 2);
  EXPECT_EQ(classifier.counters().state_pool_exhausted, 1u);
  EXPECT_TRUE(second.finished);
  classifier.finish(first);
  FlowClassification third;
  classifier.inspect(third, opaque, 3);  // the freed state is reused
  EXPECT_EQ(classifier.counters().state_pool_exhausted, 1u);
  classifier.finish(third);
}

TEST(NdpiClassifier, GivesUpAfterThePacketBound) {
  NdpiClassifier classifier(ClassifierConfig{.max_packets_per_flow = 3, .max_concurrent_flows = 4});
  const std::vector<std::uint8_t> opaque(40, 0x45);
  FlowClassification flow;
  for (int i = 0; i < 5; ++i)
    classifier.inspect(flow, opaque, i);
  EXPECT_TRUE(flow.finished);
  EXPECT_EQ(flow.state, nullptr);
  EXPECT_EQ(flow.packets_seen, 3);
  EXPECT_EQ(classifier.counters().flows_given_up, 1u);
}

TEST(NdpiClassifier, StopsOnceItHasNamedTheFlowAndItsServer) {
  // nDPI would keep a DNS flow for the answer; the query already names the flow and the server.
  NdpiClassifier classifier(ClassifierConfig{.max_packets_per_flow = 8, .max_concurrent_flows = 4});
  FlowClassification flow;
  classifier.inspect(flow, dns_query_datagram(), 1'000'000'000);
  EXPECT_TRUE(flow.finished);
  EXPECT_EQ(flow.state, nullptr);
  EXPECT_EQ(classifier.counters().flows_detected, 1u);
  classifier.inspect(flow, dns_query_datagram(), 1'000'000'001);
  EXPECT_EQ(classifier.counters().packets_inspected, 1u);
  FixedString<48> name;
  classifier.name(flow, name);
  EXPECT_EQ(name.view(), "DNS");
}

TEST(NdpiClassifier, ReleaseUnneededFreesTheStateWithoutAnAnswer) {
  NdpiClassifier classifier(ClassifierConfig{.max_packets_per_flow = 8, .max_concurrent_flows = 1});
  const std::vector<std::uint8_t> opaque(40, 0x45);
  FlowClassification first;
  classifier.inspect(first, opaque, 1);
  ASSERT_NE(first.state, nullptr);
  classifier.release_unneeded(first);
  EXPECT_TRUE(first.finished);
  EXPECT_EQ(first.state, nullptr);
  classifier.inspect(first, opaque, 2);  // finished: not fed again
  classifier.release_unneeded(first);    // and not counted twice
  const ClassifyCounters& counters = classifier.counters();
  EXPECT_EQ(counters.flows_released_unneeded, 1u);
  EXPECT_EQ(counters.flows_given_up, 0u);
  EXPECT_EQ(counters.packets_inspected, 1u);

  FlowClassification second;  // the one state of the pool is free again
  classifier.inspect(second, opaque, 3);
  EXPECT_NE(second.state, nullptr);
  EXPECT_EQ(counters.state_pool_exhausted, 0u);

  FlowClassification never_fed;  // a flow that never got a state is simply closed
  classifier.release_unneeded(never_fed);
  EXPECT_TRUE(never_fed.finished);
  EXPECT_EQ(counters.flows_released_unneeded, 1u);
  classifier.finish(second);
}

IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::uint8_t bytes[4] = {a, b, c, d};
  return IpAddress::v4(bytes);
}

std::string handshake_name(NdpiClassifier& classifier, NdpiClassifier::Handshake handshake,
                           std::string_view server_name, const IpAddress& server) {
  FlowClassification flow;
  classifier.name_from_handshake(flow, handshake, server_name, v4(10, 0, 0, 2), server);
  EXPECT_TRUE(flow.finished);
  EXPECT_EQ(flow.state, nullptr);
  FixedString<48> name;
  classifier.name(flow, name);
  return std::string(name.view());
}

TEST(NdpiClassifier, NamesAHandshakeFromItsServerNameThenItsAddressesThenTheProtocol) {
  NdpiClassifier classifier(ClassifierConfig{.max_packets_per_flow = 8, .max_concurrent_flows = 4});
  using Handshake = NdpiClassifier::Handshake;
  const IpAddress documentation = v4(192, 0, 2, 1);  // no service owns it
  const IpAddress azure = v4(104, 215, 175, 37);     // in nDPI's Azure ranges
  EXPECT_EQ(handshake_name(classifier, Handshake::kTls, "www.youtube.com", documentation),
            "TLS.YouTube");
  EXPECT_EQ(handshake_name(classifier, Handshake::kQuic, "www.google.com", documentation),
            "QUIC.Google");
  EXPECT_EQ(handshake_name(classifier, Handshake::kTls, "*.youtube.com", documentation),
            "TLS.YouTube");
  // The server name wins over the address; without a known name, the address's owner.
  EXPECT_EQ(handshake_name(classifier, Handshake::kTls, "www.youtube.com", azure), "TLS.YouTube");
  EXPECT_EQ(handshake_name(classifier, Handshake::kTls, "px.mail-metrics.example", azure),
            "TLS.Azure");
  EXPECT_EQ(handshake_name(classifier, Handshake::kQuic, "", azure), "QUIC.Azure");
  EXPECT_EQ(handshake_name(classifier, Handshake::kTls, "px.mail-metrics.example", documentation),
            "TLS");
  EXPECT_EQ(handshake_name(classifier, Handshake::kQuic, "", documentation), "QUIC");
  EXPECT_EQ(classifier.counters().flows_named_from_handshake, 8u);
}

TEST(NdpiClassifier, NamingAHandshakeFreesAStateTheFlowHeld) {
  NdpiClassifier classifier(ClassifierConfig{.max_packets_per_flow = 8, .max_concurrent_flows = 1});
  const std::vector<std::uint8_t> opaque(40, 0x45);
  FlowClassification flow;
  classifier.inspect(flow, opaque, 1);  // the handshake's TCP SYN, say
  ASSERT_NE(flow.state, nullptr);
  classifier.name_from_handshake(flow, NdpiClassifier::Handshake::kTls, "www.youtube.com",
                                 v4(10, 0, 0, 2), v4(192, 0, 2, 1));
  EXPECT_EQ(flow.state, nullptr);
  FlowClassification next;  // the pool's only state is free again
  classifier.inspect(next, opaque, 2);
  EXPECT_NE(next.state, nullptr);
  EXPECT_EQ(classifier.counters().state_pool_exhausted, 0u);
  classifier.finish(next);
}

}  // namespace
}  // namespace bw::classify
