// What bw-eval reads: the generator's ground truth (TSV, bw-gen --truth) and the sensor's events
// (JSON lines, bw-sensor --json). Only the fields the join and the metrics need are kept.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace bw::eval {

// Identifies an application item on the wire: what it is and the flow it travelled on.
struct ItemKey {
  std::string kind;  // http, dns, tls, quic
  std::string client_ip;
  std::uint32_t client_port = 0;
  std::string server_ip;
  std::uint32_t server_port = 0;

  std::string flow_text() const;  // "10.0.0.1:5000 > 1.2.3.4:80"
};

struct TruthRow {
  ItemKey key;
  std::string transport;
  // What tells apart the items of one flow: an HTTP connection's requests, a DNS exchange's
  // query and response.
  std::string method;
  std::string uri;
  std::string host;
  std::string dns_name;
  bool dns_response = false;
  std::string sni;
  bool is_beacon = false;
  std::string recipient;
  std::string campaign;
};

struct Reason {
  std::string signal;
  float weight = 0;
};

struct Alert {
  std::uint64_t sequence = 0;
  std::uint64_t trigger_sequence = 0;
  std::string scheme;  // http, tls, quic, dns
  float score = 0;
  std::vector<Reason> reasons;
  std::string host;
  std::string campaign_id;
};

// An exported HTTP, DNS, TLS or QUIC event, the side of the join alerts point at.
struct Observed {
  std::uint64_t sequence = 0;
  ItemKey key;
  std::string source;
  std::string method;
  std::string uri;
  std::string dns_name;
  bool dns_response = false;
};

struct EventLog {
  std::vector<Observed> events;
  std::vector<Alert> alerts;
  std::size_t campaign_updates = 0;
  std::size_t lines = 0;
  std::size_t bad_lines = 0;      // not JSON, or not an Event
  std::size_t other_sources = 0;  // events and alerts left out by the source filter
};

// Reads a ground-truth TSV; columns are found by their header names, so added columns do not
// matter. Returns false (with `error`) when the header lacks a needed column; rows with too few
// cells are counted in `bad_rows` and skipped.
bool read_truth(std::istream& in, std::vector<TruthRow>& rows, std::size_t& bad_rows,
                std::string& error);

// Reads JSON-lines events. With a non-empty `source`, only events whose `source` field ends with
// it are kept (a sensor run over history then scenario, evaluated on the scenario alone).
void read_events(std::istream& in, const std::string& source, EventLog& log);

}  // namespace bw::eval
