#include "tools/eval/inputs.h"

#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <map>
#include <string_view>

#include "beaconwatch/v1/event.pb.h"

namespace bw::eval {
namespace {

namespace pb = beaconwatch::v1;

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    cells.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) return cells;
    start = tab + 1;
  }
}

std::uint32_t to_u32(std::string_view text) {
  std::uint32_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

constexpr const char* kTruthColumns[] = {
    "kind", "client_ip", "client_port",  "server_ip", "server_port", "transport", "method",  "host",
    "uri",  "dns_name",  "dns_response", "sni",       "is_beacon",   "recipient", "campaign"};

TruthRow truth_row(const std::vector<std::string_view>& cells,
                   const std::map<std::string, std::size_t>& column) {
  auto at = [&](const char* name) { return std::string(cells[column.at(name)]); };
  TruthRow row;
  row.key.kind = at("kind");
  row.key.client_ip = at("client_ip");
  row.key.client_port = to_u32(cells[column.at("client_port")]);
  row.key.server_ip = at("server_ip");
  row.key.server_port = to_u32(cells[column.at("server_port")]);
  row.transport = at("transport");
  row.method = at("method");
  row.host = at("host");
  row.uri = at("uri");
  row.dns_name = at("dns_name");
  row.dns_response = at("dns_response") == "1";
  row.sni = at("sni");
  row.is_beacon = at("is_beacon") == "1";
  row.recipient = at("recipient");
  row.campaign = at("campaign");
  return row;
}

std::string scheme_name(pb::Scheme scheme) {
  switch (scheme) {
    case pb::SCHEME_HTTP:
      return "http";
    case pb::SCHEME_TLS:
      return "tls";
    case pb::SCHEME_QUIC:
      return "quic";
    case pb::SCHEME_DNS:
      return "dns";
    default:
      return "unknown";
  }
}

Alert alert_of(const pb::Event& event) {
  const pb::BeaconAlert& beacon = event.beacon();
  Alert alert;
  alert.sequence = event.sequence();
  alert.trigger_sequence = beacon.trigger_sequence();
  alert.scheme = scheme_name(beacon.scheme());
  alert.score = beacon.score();
  alert.host = beacon.host();
  alert.campaign_id = beacon.campaign_id();
  for (const pb::Reason& reason : beacon.reasons()) {
    alert.reasons.push_back(Reason{reason.signal(), reason.weight()});
  }
  return alert;
}

// False for bodies that are neither an item nor an alert (campaign updates).
bool observed_of(const pb::Event& event, Observed& out) {
  out.sequence = event.sequence();
  out.source = event.source();
  out.key.client_ip = event.flow().client_ip();
  out.key.client_port = event.flow().client_port();
  out.key.server_ip = event.flow().server_ip();
  out.key.server_port = event.flow().server_port();
  switch (event.body_case()) {
    case pb::Event::kHttp:
      out.key.kind = "http";
      out.method = event.http().request().method();
      out.uri = event.http().request().uri();
      return true;
    case pb::Event::kDns:
      out.key.kind = "dns";
      out.dns_name = event.dns().query_name();
      out.dns_response = event.dns().is_response();
      return true;
    case pb::Event::kTls:
      out.key.kind = "tls";
      return true;
    case pb::Event::kQuic:
      out.key.kind = "quic";
      return true;
    default:
      return false;
  }
}

bool from_source(const std::string& source, const std::string& wanted) {
  return wanted.empty() || source.ends_with(wanted);
}

}  // namespace

std::string ItemKey::flow_text() const {
  return client_ip + ":" + std::to_string(client_port) + " > " + server_ip + ":" +
         std::to_string(server_port);
}

bool read_truth(std::istream& in, std::vector<TruthRow>& rows, std::size_t& bad_rows,
                std::string& error) {
  std::string line;
  if (!std::getline(in, line)) {
    error = "empty ground truth";
    return false;
  }
  std::map<std::string, std::size_t> column;
  const auto header = split_tabs(line);
  for (std::size_t i = 0; i < header.size(); ++i)
    column[std::string(header[i])] = i;
  std::size_t needed = 0;
  for (const char* name : kTruthColumns) {
    if (!column.contains(name)) {
      error = std::string("ground truth has no '") + name + "' column";
      return false;
    }
    needed = std::max(needed, column[name] + 1);
  }
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto cells = split_tabs(line);
    if (cells.size() < needed) {
      ++bad_rows;
      continue;
    }
    rows.push_back(truth_row(cells, column));
  }
  return true;
}

void read_events(std::istream& in, const std::string& source, EventLog& log) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  std::string line;
  pb::Event event;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++log.lines;
    event.Clear();
    if (!google::protobuf::util::JsonStringToMessage(line, &event, options).ok()) {
      ++log.bad_lines;
      continue;
    }
    if (!from_source(event.source(), source)) {
      ++log.other_sources;
      continue;
    }
    if (event.has_beacon()) {
      log.alerts.push_back(alert_of(event));
    } else if (event.has_campaign()) {
      ++log.campaign_updates;
    } else if (Observed observed; observed_of(event, observed)) {
      log.events.push_back(std::move(observed));
    }
  }
}

}  // namespace bw::eval
