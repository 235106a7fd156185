#include "sensor/export/event_encoder.h"

#include <arpa/inet.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <cerrno>
#include <cstring>

#include "beaconwatch/v1/event.pb.h"
#include "sensor/common/utf8.h"
#include "sensor/decode/decoded_packet.h"
#include "sensor/export/json/proto_json.h"
#include "sensor/flow/community_id.h"

namespace bw::exporter {
namespace {

namespace pb = beaconwatch::v1;

// Eight bytes per step: the check runs over every exported string.
bool is_ascii(std::string_view view) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ull;
  std::uint64_t seen = 0;
  std::size_t i = 0;
  for (; i + 8 <= view.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, view.data() + i, 8);
    seen |= word;
  }
  for (; i < view.size(); ++i)
    seen |= static_cast<unsigned char>(view[i]);
  return (seen & kHighBits) == 0;
}

// Protobuf strings must be UTF-8, but packet fields are whatever a sender put there. Valid text
// passes unchanged; each byte that is not part of valid UTF-8 becomes the four characters \xNN,
// so the evidence is kept and the event still serialises.
//
// The result lives in a per-thread buffer that keeps its capacity, valid until the next call: every
// caller hands it straight to a protobuf setter, which copies it.
const std::string& text(std::string_view view) {
  thread_local std::string out;
  // Nearly every field is plain ASCII: one check, one copy.
  if (is_ascii(view)) {
    out.assign(view);
    return out;
  }
  out.clear();
  for (std::size_t i = 0; i < view.size();) {
    const std::size_t n = utf8_sequence_length(view, i);
    if (n == 0) {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto b = static_cast<unsigned char>(view[i]);
      out.append("\\x");
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
      i += 1;
    } else {
      out.append(view.substr(i, n));
      i += n;
    }
  }
  return out;
}

// Addresses are formatted on the stack and copied once into the field.
const std::string& address_text(const IpAddress& address) {
  char buf[INET6_ADDRSTRLEN];
  const std::size_t n = address.format(buf, sizeof buf);
  return text(std::string_view(buf, n));
}

template <std::size_t N>
void note_truncated(const FixedString<N>& field, const char* name, pb::HttpRequest& out) {
  if (field.truncated()) out.add_truncated_fields(name);
}

void encode_flow(const FlowInfo& flow, pb::FlowKey& out) {
  out.set_client_ip(address_text(flow.client_ip));
  out.set_client_port(flow.client_port);
  out.set_server_ip(address_text(flow.server_ip));
  out.set_server_port(flow.server_port);
  if (flow.protocol == 6) out.set_transport(pb::TRANSPORT_TCP);
  if (flow.protocol == 17) out.set_transport(pb::TRANSPORT_UDP);
  out.set_vlan_id(flow.vlan_id);
  static constexpr std::pair<std::uint32_t, const char*> kNames[] = {
      {decode::kEncapVlan, "vlan"},
      {decode::kEncapQinQ, "qinq"},
      {decode::kEncapMpls, "mpls"},
      {decode::kEncapPppoe, "pppoe"},
      {decode::kEncapGre, "gre"},
      {decode::kEncapErspan, "erspan"},
      {decode::kEncapVxlan, "vxlan"},
      {decode::kEncapGeneve, "geneve"},
      {decode::kEncapIpInIp, "ip-in-ip"},
      {decode::kEncapTeredo, "teredo"},
      {decode::kEncapGtpU, "gtp-u"},
      {decode::kEncapAyiya, "ayiya"},
      {decode::kEncapFragmented, "ip-fragments"}};
  for (const auto& [bit, name] : kNames) {
    if ((flow.encapsulation & bit) != 0) out.add_encapsulation(name);
  }
}

void encode_request(const extract::HttpRequest& in, pb::HttpRequest& out) {
  out.set_method(text(in.method));
  out.set_version(text(in.version));
  out.set_host(text(in.host));
  out.set_uri(text(in.uri));
  out.set_user_agent(text(in.user_agent));
  out.set_referer(text(in.referer));
  out.set_accept(text(in.accept));
  out.set_sec_fetch_dest(text(in.sec_fetch_dest));
  out.set_sec_fetch_mode(text(in.sec_fetch_mode));
  out.set_sec_fetch_site(text(in.sec_fetch_site));
  out.set_sec_fetch_user(text(in.sec_fetch_user));
  out.set_cookie_sent(in.cookie_sent);
  out.set_timestamp_ns(in.ts);
  note_truncated(in.host, "host", out);
  note_truncated(in.uri, "uri", out);
  note_truncated(in.user_agent, "user_agent", out);
  note_truncated(in.referer, "referer", out);
  note_truncated(in.accept, "accept", out);
}

void encode_response(const extract::HttpResponse& in, pb::HttpResponse& out) {
  out.set_status(in.status);
  out.set_version(text(in.version));
  out.set_content_type(text(in.content_type));
  out.set_content_length(in.content_length);
  out.set_cache_control(text(in.cache_control));
  out.set_pragma(text(in.pragma));
  out.set_expires(text(in.expires));
  out.set_location(text(in.location));
  out.set_set_cookie(in.set_cookie);
  out.set_timestamp_ns(in.ts);
  if (in.image.format != extract::ImageFormat::kNone) {
    pb::ImageInfo& image = *out.mutable_image();
    image.set_format(static_cast<pb::ImageFormat>(static_cast<int>(in.image.format)));
    image.set_dimensions_known(in.image.dimensions_known);
    image.set_width(in.image.width);
    image.set_height(in.image.height);
  }
}

void encode_client_hello(const extract::TlsClientHello& in, pb::TlsClientHello& out) {
  out.set_record_version(in.record_version);
  out.set_legacy_version(in.legacy_version);
  out.set_sni(text(in.sni));
  for (const auto& protocol : in.alpn)
    out.add_alpn(text(protocol));
  for (const std::uint16_t version : in.supported_versions)
    out.add_supported_versions(version);
  out.set_cipher_count(in.cipher_count);
  out.set_extension_count(in.extension_count);
  out.set_ech(in.ech_present);
  out.set_ja3(text(in.ja3));
  out.set_ja3_md5(text(in.ja3_md5));
  out.set_ja3_truncated(in.ja3.truncated());
  out.set_ja4(text(in.ja4));
}

void encode_server_hello(const extract::TlsServerHello& in, pb::TlsServerHello& out) {
  out.set_legacy_version(in.legacy_version);
  out.set_selected_version(in.selected_version);
  out.set_cipher_suite(in.cipher_suite);
  out.set_alpn(text(in.alpn));
  out.set_ja3s(text(in.ja3s));
  out.set_ja3s_md5(text(in.ja3s_md5));
}

void encode_dns(const extract::DnsMessage& in, pb::DnsMessage& out) {
  out.set_flavor(static_cast<pb::DnsFlavor>(static_cast<int>(in.flavor)));
  out.set_transport(in.transport == extract::DnsTransport::kTcp ? pb::TRANSPORT_TCP
                                                                : pb::TRANSPORT_UDP);
  out.set_id(in.id);
  out.set_is_response(in.is_response);
  out.set_opcode(in.opcode);
  out.set_rcode(in.rcode);
  out.set_query_name(text(in.query_name));
  out.set_query_type(in.query_type);
  out.set_query_class(in.query_class);
  out.set_question_count(in.question_count);
  out.set_answer_count(in.answer_count);
  for (const extract::DnsAnswer& answer : in.answers) {
    pb::DnsAnswer& a = *out.add_answers();
    a.set_name(text(answer.name));
    a.set_type(answer.type);
    a.set_ttl(answer.ttl);
    a.set_data(text(answer.data));
  }
  out.set_answers_truncated(in.answers.truncated());
}

pb::Scheme scheme_of(correlate::Scheme scheme) {
  switch (scheme) {
    case correlate::Scheme::kHttp:
      return pb::SCHEME_HTTP;
    case correlate::Scheme::kTls:
      return pb::SCHEME_TLS;
    case correlate::Scheme::kQuic:
      return pb::SCHEME_QUIC;
    case correlate::Scheme::kDns:
      return pb::SCHEME_DNS;
  }
  return pb::SCHEME_HTTP;
}

void encode_beacon(const correlate::BeaconAlert& in, pb::BeaconAlert& out) {
  out.set_scheme(scheme_of(in.scheme));
  out.set_score(in.score);
  out.set_threshold(in.threshold);
  for (const correlate::Reason& reason : in.reasons) {
    pb::Reason& r = *out.add_reasons();
    r.set_signal(text(reason.signal));
    r.set_weight(reason.weight);
    r.set_detail(text(reason.detail));
  }
  out.set_trigger_sequence(in.trigger_sequence);
  out.set_host(text(in.host));
  out.set_registrable_domain(text(in.registrable_domain));
  out.set_url_template(text(in.url_template));
  out.set_token(text(in.token));
  out.set_user_agent(text(in.user_agent));
  out.set_mail_client(text(in.mail_client));
  out.set_ja4(text(in.ja4));
  out.set_ja3_md5(text(in.ja3_md5));
  out.set_response_shape(text(in.response_shape));
  out.set_recipient(text(in.recipient));
  out.set_recipient_encoding(text(in.recipient_encoding));
  out.set_tracker(text(in.tracker));
  out.set_privacy_proxy(text(in.privacy_proxy));
  out.set_message_id(text(in.message_id));
  out.set_mail_recipients(text(in.mail_recipients));
  out.set_campaign_id(text(in.campaign_id));
}

void encode_campaign(const correlate::CampaignUpdate& in, pb::CampaignUpdate& out) {
  out.set_campaign_id(text(in.campaign_id));
  out.set_key_kind(text(in.key_kind));
  out.set_key(text(in.key));
  out.set_scheme(scheme_of(in.scheme));
  out.set_distinct_hosts(in.distinct_hosts);
  out.set_distinct_tokens(in.distinct_tokens);
  out.set_first_seen_ns(in.first_seen);
  out.set_last_seen_ns(in.last_seen);
  for (const correlate::CampaignMember& member : in.members) {
    pb::CampaignMember& m = *out.add_members();
    m.set_client_ip(address_text(member.client_ip));
    m.set_token(text(member.token));
    m.set_recipient(text(member.recipient));
    m.set_first_seen_ns(member.first_seen);
  }
}

// An alert or campaign update follows the event it is about, on the same flow: the last flow's
// Community ID (a SHA-1) is kept for the next event.
std::string_view community_id_of(const FlowInfo& flow) {
  struct Last {
    IpAddress client_ip, server_ip;
    std::uint16_t client_port = 0, server_port = 0;
    std::uint8_t protocol = 0;
    bool valid = false;
    flow::CommunityId id;
  };
  thread_local Last last;
  if (!last.valid || !(last.client_ip == flow.client_ip) || !(last.server_ip == flow.server_ip) ||
      last.client_port != flow.client_port || last.server_port != flow.server_port ||
      last.protocol != flow.protocol) {
    last.id = flow::community_id_v1(flow.client_ip, flow.client_port, flow.server_ip,
                                    flow.server_port, flow.protocol);
    last.client_ip = flow.client_ip;
    last.server_ip = flow.server_ip;
    last.client_port = flow.client_port;
    last.server_port = flow.server_port;
    last.protocol = flow.protocol;
    last.valid = true;
  }
  return last.id.view();
}

struct BodyEncoder {
  pb::Event& out;
  void operator()(const extract::HttpTransaction& in) const {
    pb::HttpTransaction& http = *out.mutable_http();
    if (in.has_request) encode_request(in.request, *http.mutable_request());
    if (in.has_response) encode_response(in.response, *http.mutable_response());
  }
  void operator()(const extract::DnsMessage& in) const { encode_dns(in, *out.mutable_dns()); }
  void operator()(const TlsHandshakeRecord& in) const {
    pb::TlsHandshake& tls = *out.mutable_tls();
    if (in.has_client_hello) encode_client_hello(in.client_hello, *tls.mutable_client_hello());
    if (in.has_server_hello) encode_server_hello(in.server_hello, *tls.mutable_server_hello());
  }
  void operator()(const extract::QuicInitial& in) const {
    pb::QuicHandshake& quic = *out.mutable_quic();
    quic.set_version(in.version);
    quic.set_dcid(text(in.dcid_hex));
    quic.set_scid(text(in.scid_hex));
    encode_client_hello(in.client_hello, *quic.mutable_client_hello());
  }
  void operator()(const correlate::BeaconAlert& in) const {
    encode_beacon(in, *out.mutable_beacon());
  }
  void operator()(const correlate::CampaignUpdate& in) const {
    encode_campaign(in, *out.mutable_campaign());
  }
  // Internal to the sensor (feeds the mail watchlist); never exported.
  void operator()(const MailUrlRecord& /*in*/) const {}
};

class FileWriter : public EventWriter {
 public:
  FileWriter(std::FILE* file, bool owned, std::string path)
      : file_(file), owned_(owned), path_(std::move(path)) {}
  ~FileWriter() override {
    if (file_ != nullptr) {
      std::fflush(file_);
      if (owned_) std::fclose(file_);
    }
  }
  bool flush() override {
    if (std::fflush(file_) != 0) return fail();
    return true;
  }
  const std::string& error() const override { return error_; }

 protected:
  bool put(const void* data, std::size_t size) {
    if (std::fwrite(data, 1, size, file_) != size) return fail();
    return true;
  }
  bool fail() {
    error_ = path_ + ": " + std::strerror(errno);
    return false;
  }

 private:
  std::FILE* file_;
  bool owned_;
  std::string path_;
  std::string error_;
};

class JsonLinesWriter final : public FileWriter {
 public:
  using FileWriter::FileWriter;
  bool write(const pb::Event& event) override {
    if (!event_to_json_line(event, line_)) return false;
    line_.push_back('\n');
    return put(line_.data(), line_.size());
  }

 private:
  std::string line_;
};

class DelimitedProtobufWriter final : public FileWriter {
 public:
  using FileWriter::FileWriter;
  bool write(const pb::Event& event) override {
    // Length-delimited framing: a varint byte count, then the message (what
    // parseDelimitedFrom / ParseDelimitedFromZeroCopyStream read).
    bytes_.clear();
    const std::size_t size = event.ByteSizeLong();
    std::uint8_t prefix[10];
    std::uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(size, prefix);
    bytes_.resize(size);
    event.SerializeWithCachedSizesToArray(reinterpret_cast<std::uint8_t*>(bytes_.data()));
    return put(prefix, static_cast<std::size_t>(end - prefix)) && put(bytes_.data(), size);
  }

 private:
  std::string bytes_;
};

std::FILE* open_output(const std::string& path, const char* mode, bool& owned, std::string& error) {
  if (path == "-") {
    owned = false;
    return stdout;
  }
  owned = true;
  std::FILE* file = std::fopen(path.c_str(), mode);
  if (file == nullptr) error = path + ": cannot open for writing: " + std::strerror(errno);
  return file;
}

}  // namespace

void encode_event(const EventRecord& record, std::uint64_t sequence, const EncoderContext& context,
                  pb::Event& out) {
  out.Clear();
  out.set_sensor_id(context.sensor_id);
  out.set_sequence(sequence);
  out.set_timestamp_ns(record.ts);
  encode_flow(record.flow, *out.mutable_flow());
  out.set_community_id(text(community_id_of(record.flow)));
  out.set_app_protocol(text(record.app_protocol));
  if (record.source_index < context.source_names.size()) {
    out.set_source(context.source_names[record.source_index]);
  }
  std::visit(BodyEncoder{out}, record.body);
}

void encode_health(const std::vector<std::pair<std::string, std::uint64_t>>& counters,
                   double uptime_s, TimestampNs now, std::uint64_t sequence,
                   const EncoderContext& context, pb::Event& out) {
  out.Clear();
  out.set_sensor_id(context.sensor_id);
  out.set_sequence(sequence);
  out.set_timestamp_ns(now);
  pb::HealthReport& health = *out.mutable_health();
  health.set_uptime_s(uptime_s);
  for (const auto& [name, value] : counters) {
    pb::HealthCounter& counter = *health.add_counters();
    counter.set_name(name);
    counter.set_value(value);
  }
}

bool event_to_json_line(const pb::Event& event, std::string& out) {
  return json::message_to_json(event, out);
}

std::unique_ptr<EventWriter> open_json_lines_writer(const std::string& path, std::string& error) {
  bool owned = false;
  std::FILE* file = open_output(path, "w", owned, error);
  if (file == nullptr) return nullptr;
  return std::make_unique<JsonLinesWriter>(file, owned, path == "-" ? "<stdout>" : path);
}

std::unique_ptr<EventWriter> open_delimited_protobuf_writer(const std::string& path,
                                                            std::string& error) {
  bool owned = false;
  std::FILE* file = open_output(path, "wb", owned, error);
  if (file == nullptr) return nullptr;
  return std::make_unique<DelimitedProtobufWriter>(file, owned, path == "-" ? "<stdout>" : path);
}

}  // namespace bw::exporter
