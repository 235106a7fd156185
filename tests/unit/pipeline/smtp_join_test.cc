// Inbound-mail join: SMTP seen on the tap feeds the mail watchlist, and a later fetch of a URL
// from that mail raises an alert naming the message and its recipients.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "sensor/correlate/beacon_detector.h"
#include "sensor/flow/flow_processor.h"

namespace bw {
namespace {

// An IPv4/TCP datagram as the decoder hands it over (checksums are not the flow stage's business).
struct Segment {
  std::vector<std::uint8_t> bytes;
  decode::DecodedPacket packet;
};

Segment tcp_segment(bool from_client, std::uint32_t seq, std::uint8_t flags,
                    std::string_view payload) {
  Segment s;
  const std::uint8_t client[4] = {10, 40, 1, 7};
  const std::uint8_t server[4] = {192, 0, 2, 25};
  const std::size_t total = 40 + payload.size();
  s.bytes = {0x45,
             0,
             static_cast<std::uint8_t>(total >> 8),
             static_cast<std::uint8_t>(total),
             0,
             0,
             0x40,
             0,
             64,
             6,
             0,
             0};
  const std::uint8_t* src = from_client ? client : server;
  const std::uint8_t* dst = from_client ? server : client;
  s.bytes.insert(s.bytes.end(), src, src + 4);
  s.bytes.insert(s.bytes.end(), dst, dst + 4);
  const std::uint16_t sport = from_client ? 40000 : 25;
  const std::uint16_t dport = from_client ? 25 : 40000;
  const std::uint8_t tcp[20] = {static_cast<std::uint8_t>(sport >> 8),
                                static_cast<std::uint8_t>(sport),
                                static_cast<std::uint8_t>(dport >> 8),
                                static_cast<std::uint8_t>(dport),
                                static_cast<std::uint8_t>(seq >> 24),
                                static_cast<std::uint8_t>(seq >> 16),
                                static_cast<std::uint8_t>(seq >> 8),
                                static_cast<std::uint8_t>(seq),
                                0,
                                0,
                                0,
                                0,
                                0x50,
                                flags,
                                0xff,
                                0xff,
                                0,
                                0,
                                0,
                                0};
  s.bytes.insert(s.bytes.end(), tcp, tcp + 20);
  s.bytes.insert(s.bytes.end(), payload.begin(), payload.end());
  s.packet.src_ip = IpAddress::v4(src);
  s.packet.dst_ip = IpAddress::v4(dst);
  s.packet.src_port = sport;
  s.packet.dst_port = dport;
  s.packet.ip_protocol = 6;
  s.packet.ip_version = 4;
  s.packet.tcp_flags = flags;
  s.packet.tcp_seq = seq;
  s.packet.payload_offset = 40;
  s.packet.payload_length = static_cast<std::uint32_t>(payload.size());
  return s;
}

class Collect final : public flow::EventSink {
 public:
  void on_event(const exporter::EventRecord& event) override { events.push_back(event); }
  std::vector<exporter::EventRecord> events;
};

class AlertCollect final : public correlate::AlertSink {
 public:
  void on_alert(const exporter::EventRecord& alert) override { alerts.push_back(alert); }
  std::vector<exporter::EventRecord> alerts;
};

TEST(SmtpJoin, UrlsOfMailSeenOnTheTapNameTheMessageWhenFetched) {
  Collect sink;
  flow::FlowConfig config;
  config.max_flows = 1024;
  flow::FlowProcessor processor(config, sink);
  const std::string client =
      "EHLO relay.example\r\nMAIL FROM:<news@news-example.com>\r\n"
      "RCPT TO:<anna.berg@parliament.example>\r\nDATA\r\n"
      "Message-ID: <wave1-0042@news-example.com>\r\nFrom: News <news@news-example.com>\r\n"
      "To: anna.berg@parliament.example\r\nSubject: Weekly briefing\r\n"
      "Content-Type: text/html; charset=utf-8\r\n\r\n"
      "<html><body><p>Hello</p><img src=\"http://t.news-example.com/o/"
      "3f2a9c0e4b7d11ee9a1c0242ac120002.gif\" width=\"1\" height=\"1\"></body></html>\r\n"
      ".\r\nQUIT\r\n";
  const std::string server =
      "220 mx.parliament.example ESMTP\r\n250 mx.parliament.example\r\n250 OK\r\n250 OK\r\n"
      "354 go ahead\r\n250 queued\r\n221 bye\r\n";
  std::uint64_t seq = 0;
  auto feed = [&](const Segment& s) {
    decode::DecodedPacket packet = s.packet;
    packet.datagram = ByteSpan(s.bytes.data(), s.bytes.size());
    processor.on_packet({++seq, static_cast<TimestampNs>(seq) * 1000, 0}, packet);
  };
  const Segment syn = tcp_segment(true, 999, 0x02, "");
  const Segment syn_ack = tcp_segment(false, 4999, 0x12, "");
  const Segment greeting = tcp_segment(false, 5000, 0x18, server);
  const Segment data = tcp_segment(true, 1000, 0x18, client);
  feed(syn);
  feed(syn_ack);
  feed(greeting);
  feed(data);
  processor.finish_all({++seq, 1'000'000, 0});

  const exporter::MailUrlRecord* mail = nullptr;
  for (const auto& e : sink.events) {
    if (const auto* m = std::get_if<exporter::MailUrlRecord>(&e.body)) mail = m;
  }
  ASSERT_NE(mail, nullptr) << "no URL reported from the SMTP session";
  EXPECT_EQ(mail->url.view(), "http://t.news-example.com/o/3f2a9c0e4b7d11ee9a1c0242ac120002.gif");
  EXPECT_EQ(mail->message_id.view(), "<wave1-0042@news-example.com>");
  EXPECT_EQ(mail->recipients.view(), "anna.berg@parliament.example");

  correlate::MailWatchlist watchlist(64);
  correlate::BeaconDetector detector(correlate::DetectConfig{}, nullptr, nullptr, &watchlist);
  detector.observe_mail_url(*mail);
  exporter::EventRecord fetch;
  fetch.flow.client_ip = IpAddress::v4(std::array<std::uint8_t, 4>{10, 40, 1, 7}.data());
  extract::HttpTransaction http;
  http.has_request = true;
  http.request.host.assign("t.news-example.com");
  http.request.uri.assign("/o/3f2a9c0e4b7d11ee9a1c0242ac120002.gif");
  http.request.user_agent.assign("Mozilla/5.0 (Windows NT 10.0) Chrome/124.0 Safari/537.36");
  fetch.body = http;
  AlertCollect alerts;
  detector.observe(fetch, 10, alerts);
  ASSERT_FALSE(alerts.alerts.empty());
  const auto& beacon = std::get<correlate::BeaconAlert>(alerts.alerts.front().body);
  EXPECT_EQ(beacon.message_id.view(), "<wave1-0042@news-example.com>");
  EXPECT_EQ(beacon.mail_recipients.view(), "anna.berg@parliament.example");
}

}  // namespace
}  // namespace bw
