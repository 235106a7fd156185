#include "sensor/export/event_encoder.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "beaconwatch/v1/event.pb.h"
#include "sensor/decode/decoded_packet.h"

namespace bw::exporter {
namespace {

IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::uint8_t bytes[4] = {a, b, c, d};
  return IpAddress::v4(bytes);
}

EventRecord pixel_fetch() {
  EventRecord record;
  record.ts = 1700000000123456789;
  record.flow.client_ip = v4(10, 1, 2, 3);
  record.flow.server_ip = v4(203, 0, 113, 9);
  record.flow.client_port = 51000;
  record.flow.server_port = 80;
  record.flow.protocol = 6;
  record.flow.vlan_id = 42;
  record.flow.encapsulation = decode::kEncapVlan | decode::kEncapVxlan;
  record.app_protocol.assign("HTTP");
  extract::HttpTransaction http;
  http.has_request = true;
  http.request.method.assign("GET");
  http.request.version.assign("HTTP/1.1");
  http.request.host.assign("news.example");
  http.request.uri.assign("/img/0123456789abcdef.gif");
  http.request.user_agent.assign("Microsoft Office/16.0");
  http.request.ts = 1700000000123456789;
  http.has_response = true;
  http.response.status = 200;
  http.response.content_type.assign("image/gif");
  http.response.content_length = 43;
  http.response.image = {extract::ImageFormat::kGif, true, 1, 1};
  http.response.ts = 1700000000200000000;
  record.body = http;
  return record;
}

TEST(EventEncoder, JsonUsesProtoFieldNamesAndTheCanonicalMapping) {
  beaconwatch::v1::Event event;
  encode_event(pixel_fetch(), 7, EncoderContext{"tap-1", {"in.pcap"}}, event);
  std::string json;
  ASSERT_TRUE(event_to_json_line(event, json));
  EXPECT_EQ(json,
            R"({"sensor_id":"tap-1","sequence":"7","timestamp_ns":"1700000000123456789",)"
            R"("flow":{"client_ip":"10.1.2.3","client_port":51000,"server_ip":"203.0.113.9",)"
            R"("server_port":80,"transport":"TRANSPORT_TCP","vlan_id":42,)"
            R"("encapsulation":["vlan","vxlan"]},)"
            R"("community_id":")" +
                std::string(event.community_id()) +
                R"(","app_protocol":"HTTP","source":"in.pcap",)"
                R"("http":{"request":{"method":"GET","version":"HTTP/1.1","host":"news.example",)"
                R"("uri":"/img/0123456789abcdef.gif","user_agent":"Microsoft Office/16.0",)"
                R"("timestamp_ns":"1700000000123456789"},)"
                R"("response":{"status":200,"content_type":"image/gif","content_length":"43",)"
                R"("image":{"format":"IMAGE_FORMAT_GIF","dimensions_known":true,"width":1,)"
                R"("height":1},"timestamp_ns":"1700000000200000000"}}})");
  EXPECT_EQ(event.community_id().substr(0, 2), "1:");
  EXPECT_EQ(event.community_id().size(), 30u);
}

TEST(EventEncoder, TruncatedFieldsAreNamed) {
  EventRecord record = pixel_fetch();
  auto& http = std::get<extract::HttpTransaction>(record.body);
  http.request.uri.assign(std::string(5000, 'a'));
  beaconwatch::v1::Event event;
  encode_event(record, 1, EncoderContext{"s", {}}, event);
  ASSERT_EQ(event.http().request().truncated_fields_size(), 1);
  EXPECT_EQ(event.http().request().truncated_fields(0), "uri");
  EXPECT_EQ(event.http().request().uri().size(), 2048u);
}

TEST(EventEncoder, InvalidUtf8IsEscapedAndValidUtf8Kept) {
  EventRecord record = pixel_fetch();
  auto& http = std::get<extract::HttpTransaction>(record.body);
  http.request.user_agent.assign("caf\xc3\xa9 \xff\xc3");  // valid "é", then two stray bytes
  beaconwatch::v1::Event event;
  encode_event(record, 1, EncoderContext{"s", {}}, event);
  EXPECT_EQ(event.http().request().user_agent(), "caf\xc3\xa9 \\xff\\xc3");
  std::string json;
  EXPECT_TRUE(event_to_json_line(event, json));
}

TEST(EventEncoder, DelimitedProtobufRoundTrips) {
  const std::string path = ::testing::TempDir() + "bw_events.pb";
  std::string error;
  {
    auto writer = open_delimited_protobuf_writer(path, error);
    ASSERT_TRUE(writer) << error;
    beaconwatch::v1::Event event;
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
      encode_event(pixel_fetch(), seq, EncoderContext{"s", {}}, event);
      ASSERT_TRUE(writer->write(event));
    }
    ASSERT_TRUE(writer->flush());
  }
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  google::protobuf::io::ArrayInputStream stream(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream coded(&stream);
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    std::uint32_t size = 0;
    ASSERT_TRUE(coded.ReadVarint32(&size));
    const auto limit = coded.PushLimit(static_cast<int>(size));
    beaconwatch::v1::Event event;
    ASSERT_TRUE(event.ParseFromCodedStream(&coded));
    coded.PopLimit(limit);
    EXPECT_EQ(event.sequence(), seq);
    EXPECT_EQ(event.http().response().image().width(), 1u);
  }
  std::uint32_t extra = 0;
  EXPECT_FALSE(coded.ReadVarint32(&extra));
  std::remove(path.c_str());
}

TEST(EventEncoder, HealthReportListsCountersByName) {
  beaconwatch::v1::Event event;
  encode_health({{"capture.packets_read", 1200}, {"capture.kernel_dropped", 3}}, 12.5,
                1700000000000000000, 9, EncoderContext{"tap-2", {}}, event);
  std::string json;
  ASSERT_TRUE(event_to_json_line(event, json));
  EXPECT_EQ(json, R"({"sensor_id":"tap-2","sequence":"9","timestamp_ns":"1700000000000000000",)"
                  R"("health":{"uptime_s":12.5,"counters":[{"name":"capture.packets_read",)"
                  R"("value":"1200"},{"name":"capture.kernel_dropped","value":"3"}]}})");
}

TEST(EventEncoder, UnwritablePathIsReportedWithThePath) {
  std::string error;
  EXPECT_EQ(open_json_lines_writer("/nonexistent/dir/events.jsonl", error), nullptr);
  EXPECT_NE(error.find("/nonexistent/dir/events.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace bw::exporter
