#include "collector/ecs_json.h"

#include <gtest/gtest.h>

#include "tests/unit/collector/store_test_support.h"

namespace bw::collector {
namespace {

using testing::parse_event;

std::string ecs(const std::string& text) {
  std::string json;
  EXPECT_TRUE(event_to_ecs_json(parse_event(text), json));
  return json;
}

TEST(EcsJson, HttpTransaction) {
  const std::string json = ecs(R"pb(
    sensor_id: "tap-1"
    sequence: 42
    timestamp_ns: 1614592800123456789
    flow {
      client_ip: "192.168.1.20"
      client_port: 51544
      server_ip: "203.0.113.7"
      server_port: 8080
      transport: TRANSPORT_TCP
    }
    community_id: "1:LQU9qZlK+B5F3KDmev6m5PMibrg="
    app_protocol: "HTTP"
    http {
      request {
        method: "GET"
        version: "HTTP/1.1"
        host: "Img.Example.com:8080"
        uri: "/o/3f2a.gif?u=9&t=\"x\""
        user_agent: "Microsoft Outlook 16.0"
      }
      response { status: 200 content_type: "image/GIF; charset=binary" content_length: 43 }
    }
  )pb");
  EXPECT_EQ(
      json,
      R"json({"@timestamp":"2021-03-01T10:00:00.123456789Z",)json"
      R"json("event":{"kind":"event","category":["network","web"],"type":["protocol","access"],"dataset":"beaconwatch.http","sequence":42,"id":"tap-1:0:42"},)json"
      R"json("observer":{"name":"tap-1","type":"sensor"},)json"
      R"json("source":{"ip":"192.168.1.20","port":51544},)json"
      R"json("destination":{"ip":"203.0.113.7","port":8080,"domain":"img.example.com"},)json"
      R"json("network":{"community_id":"1:LQU9qZlK+B5F3KDmev6m5PMibrg=","protocol":"http","transport":"tcp"},)json"
      R"json("url":{"original":"/o/3f2a.gif?u=9&t=\"x\"","domain":"img.example.com","path":"/o/3f2a.gif","query":"u=9&t=\"x\""},)json"
      R"json("user_agent":{"original":"Microsoft Outlook 16.0"},)json"
      R"json("http":{"version":"1.1","request":{"method":"GET"},"response":{"status_code":200,"mime_type":"image/gif"}},)json"
      R"json("beaconwatch":{"sensor_id":"tap-1","sequence":"42","timestamp_ns":"1614592800123456789","flow":{"client_ip":"192.168.1.20","client_port":51544,"server_ip":"203.0.113.7","server_port":8080,"transport":"TRANSPORT_TCP"},"community_id":"1:LQU9qZlK+B5F3KDmev6m5PMibrg=","app_protocol":"HTTP","http":{"request":{"method":"GET","version":"HTTP/1.1","host":"Img.Example.com:8080","uri":"/o/3f2a.gif?u=9&t=\"x\"","user_agent":"Microsoft Outlook 16.0"},"response":{"status":200,"content_type":"image/GIF; charset=binary","content_length":"43"}}}})json");
}

TEST(EcsJson, BeaconAlert) {
  const std::string json = ecs(R"pb(
    sensor_id: "tap-1"
    sequence: 43
    timestamp_ns: 1614592800000000001
    flow {
      client_ip: "192.168.1.20"
      client_port: 51545
      server_ip: "203.0.113.7"
      server_port: 443
      transport: TRANSPORT_TCP
    }
    community_id: "1:abc="
    app_protocol: "TLS"
    beacon {
      scheme: SCHEME_TLS
      score: 7.5
      threshold: 5
      trigger_sequence: 42
      reasons { signal: "tracker_intel" weight: 4 detail: "listed" }
      reasons { signal: "mail_client" weight: 3.5 detail: "outlook" }
      host: "t.Tracker.example"
      registrable_domain: "tracker.example"
      url_template: "/o/{hex32}.gif"
      user_agent: "Microsoft Outlook 16.0"
      ja3_md5: "e7d705a3286e19ea42f587b344ee6865"
      ja4: "t13d1516h2_8daaf6152771_02713d6af862"
      campaign_id: "c-3"
    }
  )pb");
  EXPECT_EQ(
      json,
      R"json({"@timestamp":"2021-03-01T10:00:00.000000001Z",)json"
      R"json("event":{"kind":"alert","category":["intrusion_detection","network"],"type":["info"],"dataset":"beaconwatch.beacon","sequence":43,"id":"tap-1:0:43","reason":"tracker_intel, mail_client","risk_score":7.5},)json"
      R"json("observer":{"name":"tap-1","type":"sensor"},)json"
      R"json("source":{"ip":"192.168.1.20","port":51545},)json"
      R"json("destination":{"ip":"203.0.113.7","port":443,"domain":"t.tracker.example"},)json"
      R"json("network":{"community_id":"1:abc=","protocol":"tls","transport":"tcp"},)json"
      R"json("url":{"domain":"t.tracker.example"},)json"
      R"json("user_agent":{"original":"Microsoft Outlook 16.0"},)json"
      R"json("tls":{"client":{"ja3":"e7d705a3286e19ea42f587b344ee6865","ja4":"t13d1516h2_8daaf6152771_02713d6af862"}},)json"
      R"json("rule":{"name":"tracking-beacon","ruleset":"beaconwatch"},)json"
      R"json("beaconwatch":{"sensor_id":"tap-1","sequence":"43","timestamp_ns":"1614592800000000001","flow":{"client_ip":"192.168.1.20","client_port":51545,"server_ip":"203.0.113.7","server_port":443,"transport":"TRANSPORT_TCP"},"community_id":"1:abc=","app_protocol":"TLS","beacon":{"scheme":"SCHEME_TLS","score":7.5,"threshold":5,"reasons":[{"signal":"tracker_intel","weight":4,"detail":"listed"},{"signal":"mail_client","weight":3.5,"detail":"outlook"}],"trigger_sequence":"42","host":"t.Tracker.example","registrable_domain":"tracker.example","url_template":"/o/{hex32}.gif","user_agent":"Microsoft Outlook 16.0","ja4":"t13d1516h2_8daaf6152771_02713d6af862","ja3_md5":"e7d705a3286e19ea42f587b344ee6865","campaign_id":"c-3"}}})json");
}

TEST(EcsJson, DnsResponse) {
  const std::string json = ecs(R"pb(
    sensor_id: "tap-2"
    sequence: 7
    timestamp_ns: 0
    flow {
      client_ip: "2001:db8::5"
      client_port: 5353
      server_ip: "2001:db8::53"
      server_port: 53
      transport: TRANSPORT_UDP
      vlan_id: 12
    }
    app_protocol: "DNS"
    dns {
      transport: TRANSPORT_UDP
      id: 4660
      is_response: true
      rcode: 3
      query_name: "x1.t.example"
      query_type: 28
      query_class: 1
      question_count: 1
      answer_count: 2
      answers { name: "x1.t.example" type: 5 ttl: 60 data: "edge.example" }
      answers { name: "edge.example" type: 28 ttl: 30 data: "2001:db8::1" }
    }
  )pb");
  EXPECT_EQ(
      json,
      R"json({"@timestamp":"1970-01-01T00:00:00.000000000Z",)json"
      R"json("event":{"kind":"event","category":["network"],"type":["protocol"],"dataset":"beaconwatch.dns","sequence":7,"id":"tap-2:0:7"},)json"
      R"json("observer":{"name":"tap-2","type":"sensor"},)json"
      R"json("source":{"ip":"2001:db8::5","port":5353},)json"
      R"json("destination":{"ip":"2001:db8::53","port":53},)json"
      R"json("network":{"protocol":"dns","transport":"udp","vlan":{"id":"12"}},)json"
      R"json("dns":{"id":"4660","type":"answer","response_code":"NXDOMAIN","question":{"name":"x1.t.example","type":"AAAA"},"answers":[{"name":"x1.t.example","type":"CNAME","ttl":60,"data":"edge.example"},{"name":"edge.example","type":"AAAA","ttl":30,"data":"2001:db8::1"}],"resolved_ip":["2001:db8::1"]},)json"
      R"json("beaconwatch":{"sensor_id":"tap-2","sequence":"7","flow":{"client_ip":"2001:db8::5","client_port":5353,"server_ip":"2001:db8::53","server_port":53,"transport":"TRANSPORT_UDP","vlan_id":12},"app_protocol":"DNS","dns":{"transport":"TRANSPORT_UDP","id":4660,"is_response":true,"rcode":3,"query_name":"x1.t.example","query_type":28,"query_class":1,"question_count":1,"answer_count":2,"answers":[{"name":"x1.t.example","type":5,"ttl":60,"data":"edge.example"},{"name":"edge.example","type":28,"ttl":30,"data":"2001:db8::1"}]}}})json");
}

TEST(EcsJson, TlsHandshake) {
  const std::string json = ecs(R"pb(
    sensor_id: "tap-1"
    sequence: 9
    timestamp_ns: 1700000000500000000
    flow {
      client_ip: "10.0.0.8"
      client_port: 40000
      server_ip: "198.51.100.4"
      server_port: 443
      transport: TRANSPORT_TCP
    }
    app_protocol: "TLS.Google"
    tls {
      client_hello {
        sni: "Mail.Example.org"
        alpn: "h2"
        ja3: "771,4865,0,29,0"
        ja3_md5: "0123456789abcdef0123456789abcdef"
        ja4: "t13d0101h2_aaaaaaaaaaaa_bbbbbbbbbbbb"
      }
      server_hello { selected_version: 772 alpn: "h2" ja3s_md5: "fedcba9876543210fedcba9876543210" }
    }
  )pb");
  EXPECT_EQ(
      json,
      R"json({"@timestamp":"2023-11-14T22:13:20.500000000Z",)json"
      R"json("event":{"kind":"event","category":["network"],"type":["protocol"],"dataset":"beaconwatch.tls","sequence":9,"id":"tap-1:0:9"},)json"
      R"json("observer":{"name":"tap-1","type":"sensor"},)json"
      R"json("source":{"ip":"10.0.0.8","port":40000},)json"
      R"json("destination":{"ip":"198.51.100.4","port":443,"domain":"mail.example.org"},)json"
      R"json("network":{"protocol":"tls.google","transport":"tcp"},)json"
      R"json("tls":{"version":"1.3","version_protocol":"tls","client":{"server_name":"Mail.Example.org","ja3":"0123456789abcdef0123456789abcdef","ja4":"t13d0101h2_aaaaaaaaaaaa_bbbbbbbbbbbb"},"next_protocol":"h2","server":{"ja3s":"fedcba9876543210fedcba9876543210"}},)json"
      R"json("beaconwatch":{"sensor_id":"tap-1","sequence":"9","timestamp_ns":"1700000000500000000","flow":{"client_ip":"10.0.0.8","client_port":40000,"server_ip":"198.51.100.4","server_port":443,"transport":"TRANSPORT_TCP"},"app_protocol":"TLS.Google","tls":{"client_hello":{"sni":"Mail.Example.org","alpn":["h2"],"ja3":"771,4865,0,29,0","ja3_md5":"0123456789abcdef0123456789abcdef","ja4":"t13d0101h2_aaaaaaaaaaaa_bbbbbbbbbbbb"},"server_hello":{"selected_version":772,"alpn":"h2","ja3s_md5":"fedcba9876543210fedcba9876543210"}}}})json");
}

TEST(EcsJson, HealthReport) {
  const std::string json = ecs(R"pb(
    sensor_id: "tap-1"
    sequence: 100
    timestamp_ns: 1614592860000000000
    health {
      uptime_s: 60.5
      counters { name: "capture.kernel_dropped" value: 3 }
      counters { name: "spool.pending_events" value: 12 }
    }
  )pb");
  EXPECT_EQ(
      json,
      R"json({"@timestamp":"2021-03-01T10:01:00.000000000Z",)json"
      R"json("event":{"kind":"event","category":["host"],"type":["info"],"dataset":"beaconwatch.health","sequence":100,"id":"tap-1:0:100"},)json"
      R"json("observer":{"name":"tap-1","type":"sensor"},)json"
      R"json("beaconwatch":{"sensor_id":"tap-1","sequence":"100","timestamp_ns":"1614592860000000000","health":{"uptime_s":60.5,"counters":[{"name":"capture.kernel_dropped","value":"3"},{"name":"spool.pending_events","value":"12"}]}}})json");
}

TEST(EcsJson, AbsoluteFormTargetAndBracketedHost) {
  const std::string json = ecs(R"pb(
    sensor_id: "s"
    sequence: 1
    http {
      request { method: "GET" host: "[2001:DB8::7]:8080" uri: "http://[2001:db8::7]:8080/a/b?c" }
    }
  )pb");
  EXPECT_NE(
      json.find(
          R"("url":{"original":"http://[2001:db8::7]:8080/a/b?c","domain":"2001:db8::7","path":"/a/b","query":"c"})"),
      std::string::npos)
      << json;
}

TEST(EcsJson, CampaignIsAnAlertWithItsKeyAsTheReason) {
  const std::string json = ecs(R"pb(
    sensor_id: "s"
    sequence: 5
    timestamp_ns: 1000000000
    campaign { campaign_id: "c-1" key_kind: "template" key: "/o/{hex32}.gif" distinct_hosts: 3 }
  )pb");
  EXPECT_EQ(
      json,
      R"json({"@timestamp":"1970-01-01T00:00:01.000000000Z",)json"
      R"json("event":{"kind":"alert","category":["intrusion_detection","network"],"type":["info"],)json"
      R"json("dataset":"beaconwatch.campaign","sequence":5,"id":"s:0:5","reason":"template /o/{hex32}.gif fetched by 3 hosts"},)json"
      R"json("observer":{"name":"s","type":"sensor"},)json"
      R"json("rule":{"name":"tracking-campaign","ruleset":"beaconwatch"},)json"
      R"json("beaconwatch":{"sensor_id":"s","sequence":"5","timestamp_ns":"1000000000",)json"
      R"json("campaign":{"campaign_id":"c-1","key_kind":"template","key":"/o/{hex32}.gif","distinct_hosts":3}}})json");
}

TEST(EcsJson, EventIdIsSensorEpochAndSequence) {
  // A sensor whose spool was replaced restarts its sequence under a new epoch: the id tells the
  // two events apart where event.sequence alone does not.
  const std::string json = ecs(R"pb(
    sensor_id: "tap-1"
    stream_epoch: 18364758544493064720
    sequence: 1
    health { uptime_s: 1 }
  )pb");
  EXPECT_NE(json.find(R"("sequence":1,"id":"tap-1:18364758544493064720:1")"), std::string::npos)
      << json;
}

TEST(EcsJson, StringsAreEscapedAndInvalidUtf8Replaced) {
  std::string out;
  append_json_string(out, std::string("a\"\\\n\x01\xc3\xa9\xff", 8));
  EXPECT_EQ(out, "\"a\\\"\\\\\\u000a\\u0001\xc3\xa9\\ufffd\"");
}

TEST(EcsJson, TimestampsBeforeTheEpochFormatCorrectly) {
  EXPECT_EQ(format_rfc3339_ns(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(format_rfc3339_ns(951782400000000000), "2000-02-29T00:00:00.000000000Z");
}

}  // namespace
}  // namespace bw::collector
