#include "collector/ecs_json.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <vector>

#include "beaconwatch/v1/event.pb.h"
#include "collector/store_columns.h"
#include "sensor/common/ascii.h"
#include "sensor/common/utf8.h"
#include "sensor/export/json/proto_json.h"

namespace bw::collector {
namespace {

namespace pb = beaconwatch::v1;

// ECS objects nest ("url": {"domain": ...}); fields are added by dotted path in the order they
// should appear, and objects are created on first use so none is ever empty.
class JsonTree {
 public:
  void set_raw(std::string_view path, std::string raw_json) {
    Node* node = &root_;
    while (true) {
      const std::size_t dot = path.find('.');
      node = &node->child(path.substr(0, dot));
      if (dot == std::string_view::npos) break;
      path.remove_prefix(dot + 1);
    }
    node->value = std::move(raw_json);
  }
  void set_string(std::string_view path, std::string_view text) {
    if (text.empty()) return;
    std::string json;
    append_json_string(json, text);
    set_raw(path, std::move(json));
  }
  void set_number(std::string_view path, std::uint64_t number) {
    set_raw(path, std::to_string(number));
  }
  void set_strings(std::string_view path, const std::vector<std::string_view>& texts) {
    if (texts.empty()) return;
    std::string json = "[";
    for (std::string_view text : texts) {
      if (json.size() > 1) json.push_back(',');
      append_json_string(json, text);
    }
    json.push_back(']');
    set_raw(path, std::move(json));
  }
  void write(std::string& out) const { root_.write(out); }

 private:
  struct Node {
    std::string key;
    std::string value;  // raw JSON of a leaf
    std::vector<Node> children;

    Node& child(std::string_view name) {
      for (Node& existing : children) {
        if (existing.key == name) return existing;
      }
      children.push_back(Node{std::string(name), {}, {}});
      return children.back();
    }
    void write(std::string& out) const {
      if (children.empty()) {
        out += value;
        return;
      }
      out.push_back('{');
      for (std::size_t i = 0; i < children.size(); ++i) {
        if (i > 0) out.push_back(',');
        append_json_string(out, children[i].key);
        out.push_back(':');
        children[i].write(out);
      }
      out.push_back('}');
    }
  };
  Node root_;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = ascii_lower(c);
  return out;
}

std::string_view transport_name(pb::Transport transport) {
  switch (transport) {
    case pb::TRANSPORT_TCP:
      return "tcp";
    case pb::TRANSPORT_UDP:
      return "udp";
    default:
      return {};
  }
}

std::string dns_type_name(std::uint32_t type) {
  switch (type) {
    case 1:
      return "A";
    case 2:
      return "NS";
    case 5:
      return "CNAME";
    case 6:
      return "SOA";
    case 12:
      return "PTR";
    case 15:
      return "MX";
    case 16:
      return "TXT";
    case 28:
      return "AAAA";
    case 33:
      return "SRV";
    case 64:
      return "SVCB";
    case 65:
      return "HTTPS";
    case 255:
      return "ANY";
    default:
      return "TYPE" + std::to_string(type);  // RFC 3597 notation for the rest
  }
}

std::string dns_rcode_name(std::uint32_t rcode) {
  static constexpr const char* kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                           "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                           "NXRRSET", "NOTAUTH", "NOTZONE"};
  return rcode < std::size(kNames) ? kNames[rcode] : "RCODE" + std::to_string(rcode);
}

// TLS protocol version as ECS wants it: tls.version "1.3" with tls.version_protocol "tls".
void set_tls_version(JsonTree& tree, std::uint32_t version) {
  if (version < 0x0300 || version > 0x0304) return;
  tree.set_string("tls.version",
                  version == 0x0300 ? "3.0" : "1." + std::to_string(version - 0x0301));
  tree.set_string("tls.version_protocol", version == 0x0300 ? "ssl" : "tls");
}

struct EcsCategory {
  std::vector<std::string_view> category;
  std::vector<std::string_view> type;
};

EcsCategory ecs_category(const pb::Event& event) {
  switch (event.body_case()) {
    case pb::Event::kHttp:
      return {{"network", "web"}, {"protocol", "access"}};
    case pb::Event::kDns:
    case pb::Event::kTls:
    case pb::Event::kQuic:
      return {{"network"}, {"protocol"}};
    case pb::Event::kBeacon:
    case pb::Event::kCampaign:
      return {{"intrusion_detection", "network"}, {"info"}};
    case pb::Event::kHealth:
      return {{"host"}, {"info"}};
    default:
      return {};
  }
}

void set_envelope(JsonTree& tree, const pb::Event& event) {
  const bool alert = event.has_beacon() || event.has_campaign();
  const EcsCategory category = ecs_category(event);
  tree.set_string("@timestamp", format_rfc3339_ns(event.timestamp_ns()));
  tree.set_string("event.kind", alert ? "alert" : "event");
  tree.set_strings("event.category", category.category);
  tree.set_strings("event.type", category.type);
  tree.set_string("event.dataset", "beaconwatch." + std::string(event_kind_name(event)));
  tree.set_number("event.sequence", event.sequence());
  // The event's identity end to end: a SIEM that deduplicates on it keeps apart the events of a
  // sensor whose spool was replaced (a new epoch restarts the sequence).
  tree.set_string("event.id", event.sensor_id() + ":" + std::to_string(event.stream_epoch()) + ":" +
                                  std::to_string(event.sequence()));
  tree.set_string("observer.name", event.sensor_id());
  tree.set_string("observer.type", "sensor");
  const pb::FlowKey& flow = event.flow();
  tree.set_string("source.ip", flow.client_ip());
  if (flow.client_port() != 0) tree.set_number("source.port", flow.client_port());
  tree.set_string("destination.ip", flow.server_ip());
  if (flow.server_port() != 0) tree.set_number("destination.port", flow.server_port());
  tree.set_string("network.community_id", event.community_id());
  tree.set_string("network.protocol", lower(event.app_protocol()));
  tree.set_string("network.transport", transport_name(flow.transport()));
  if (flow.vlan_id() != 0) tree.set_string("network.vlan.id", std::to_string(flow.vlan_id()));
}

void set_url(JsonTree& tree, std::string_view uri, std::string_view domain) {
  tree.set_string("url.original", uri);
  tree.set_string("url.domain", domain);
  // Absolute-form targets (proxies) carry scheme and authority before the path.
  const std::size_t scheme_end = uri.find("://");
  if (scheme_end != std::string_view::npos) {
    const std::size_t path_start = uri.find('/', scheme_end + 3);
    uri = path_start == std::string_view::npos ? std::string_view() : uri.substr(path_start);
  }
  const std::size_t query_start = uri.find('?');
  tree.set_string("url.path", uri.substr(0, query_start));
  if (query_start != std::string_view::npos)
    tree.set_string("url.query", uri.substr(query_start + 1));
}

void set_http(JsonTree& tree, const pb::HttpTransaction& http) {
  const pb::HttpRequest& request = http.request();
  const std::string host = host_without_port(request.host());
  tree.set_string("destination.domain", host);
  set_url(tree, request.uri(), host);
  tree.set_string("user_agent.original", request.user_agent());
  const std::string_view version = request.version();
  tree.set_string("http.version", version.starts_with("HTTP/") ? version.substr(5) : version);
  tree.set_string("http.request.method", request.method());
  tree.set_string("http.request.referrer", request.referer());
  if (!http.has_response()) return;
  const pb::HttpResponse& response = http.response();
  if (response.status() != 0) tree.set_number("http.response.status_code", response.status());
  const std::string_view content_type = response.content_type();
  std::string_view mime = content_type.substr(0, content_type.find(';'));
  while (!mime.empty() && mime.back() == ' ')
    mime.remove_suffix(1);
  tree.set_string("http.response.mime_type", lower(mime));
}

void set_dns(JsonTree& tree, const pb::DnsMessage& dns) {
  tree.set_string("dns.id", std::to_string(dns.id()));
  tree.set_string("dns.type", dns.is_response() ? "answer" : "query");
  if (dns.is_response()) tree.set_string("dns.response_code", dns_rcode_name(dns.rcode()));
  tree.set_string("dns.question.name", dns.query_name());
  if (dns.question_count() > 0)
    tree.set_string("dns.question.type", dns_type_name(dns.query_type()));
  std::string answers;
  std::vector<std::string_view> resolved;
  for (const pb::DnsAnswer& answer : dns.answers()) {
    JsonTree entry;
    entry.set_string("name", answer.name());
    entry.set_string("type", dns_type_name(answer.type()));
    entry.set_number("ttl", answer.ttl());
    entry.set_string("data", answer.data());
    answers += answers.empty() ? "[" : ",";
    entry.write(answers);
    if (answer.type() == 1 || answer.type() == 28) resolved.push_back(answer.data());
  }
  if (!answers.empty()) tree.set_raw("dns.answers", answers + "]");
  tree.set_strings("dns.resolved_ip", resolved);
}

void set_client_hello(JsonTree& tree, const pb::TlsClientHello& hello) {
  tree.set_string("destination.domain", lower(hello.sni()));
  tree.set_string("tls.client.server_name", hello.sni());
  tree.set_string("tls.client.ja3", hello.ja3_md5());
  tree.set_string("tls.client.ja4", hello.ja4());
}

void set_tls(JsonTree& tree, const pb::TlsHandshake& tls) {
  if (tls.has_server_hello()) set_tls_version(tree, tls.server_hello().selected_version());
  set_client_hello(tree, tls.client_hello());
  tree.set_string("tls.next_protocol", tls.server_hello().alpn());
  tree.set_string("tls.server.ja3s", tls.server_hello().ja3s_md5());
}

void set_beacon(JsonTree& tree, const pb::BeaconAlert& beacon) {
  tree.set_string("event.reason", [&] {
    std::string signals;
    for (const pb::Reason& reason : beacon.reasons()) {
      if (!signals.empty()) signals += ", ";
      signals += reason.signal();
    }
    return signals;
  }());
  tree.set_raw("event.risk_score", float_text(beacon.score()));
  const std::string host = lower(beacon.host());
  tree.set_string("destination.domain", host);
  // url.path stays out: the alert carries the URL template, whose tokens are masked.
  tree.set_string("url.domain", host);
  tree.set_string("user_agent.original", beacon.user_agent());
  tree.set_string("tls.client.ja3", beacon.ja3_md5());
  tree.set_string("tls.client.ja4", beacon.ja4());
  tree.set_string("rule.name", "tracking-beacon");
  tree.set_string("rule.ruleset", "beaconwatch");
}

void set_campaign(JsonTree& tree, const pb::CampaignUpdate& campaign) {
  tree.set_string("event.reason", campaign.key_kind() + " " + campaign.key() + " fetched by " +
                                      std::to_string(campaign.distinct_hosts()) + " hosts");
  tree.set_string("rule.name", "tracking-campaign");
  tree.set_string("rule.ruleset", "beaconwatch");
}

void set_body(JsonTree& tree, const pb::Event& event) {
  switch (event.body_case()) {
    case pb::Event::kHttp:
      return set_http(tree, event.http());
    case pb::Event::kDns:
      return set_dns(tree, event.dns());
    case pb::Event::kTls:
      return set_tls(tree, event.tls());
    case pb::Event::kQuic:
      return set_client_hello(tree, event.quic().client_hello());
    case pb::Event::kBeacon:
      return set_beacon(tree, event.beacon());
    case pb::Event::kCampaign:
      return set_campaign(tree, event.campaign());
    default:
      return;
  }
}

}  // namespace

std::string float_text(float value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t length = utf8_sequence_length(text, i);
      out += length == 0 ? std::string_view("\\ufffd") : text.substr(i, length);
      i += length == 0 ? 1 : length;
      continue;
    }
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out.push_back(static_cast<char>(c));
    }
    ++i;
  }
  out.push_back('"');
}

std::string format_rfc3339_ns(std::int64_t unix_ns) {
  using namespace std::chrono;
  const sys_time<nanoseconds> time{nanoseconds(unix_ns)};
  const sys_days day = floor<days>(time);
  const year_month_day date(day);
  const hh_mm_ss clock(time - day);
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%09lldZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()),
                static_cast<long long>(clock.subseconds().count()));
  return buffer;
}

bool event_to_ecs_json(const pb::Event& event, std::string& out) {
  std::string mapping;
  if (!exporter::json::message_to_json(event, mapping)) return false;
  JsonTree tree;
  set_envelope(tree, event);
  set_body(tree, event);
  tree.set_raw("beaconwatch", std::move(mapping));
  out.clear();
  tree.write(out);
  return true;
}

}  // namespace bw::collector
