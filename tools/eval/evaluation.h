// Joins the sensor's beacon alerts to the ground truth and measures the detector.
//
// The join: alert.trigger_sequence -> the exported event with that sequence -> its kind and flow
// (client ip:port, server ip:port) -> the truth rows of that flow, told apart by the HTTP request
// (method, URI) or the DNS message (name, query or response).
//
// What counts: a truth row is a beacon when labelled so, except DNS responses (the detector
// judges the query that reveals the token, the answer adds nothing). Rows of a campaign that are
// not beacons (the plain lookup of the tracker, a link click) are "related": an alert on them is
// neither a hit nor a false alert. Every other row is benign. Recall is per beacon item: an HTTP
// pixel fetch is found by an alert on that fetch (so on its recipient's host), a TLS or QUIC
// beacon by an alert on its flow, a DNS token label by an alert on its query.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "tools/eval/inputs.h"

namespace bw::eval {

enum class Verdict { kBeacon, kRelated, kBenign };
Verdict verdict_of(const TruthRow& row);

struct Tally {
  std::size_t beacons = 0;  // beacon truth rows
  std::size_t found = 0;    // of which an alert was raised on
  std::size_t true_alerts = 0;
  std::size_t related_alerts = 0;
  std::size_t false_alerts = 0;  // on benign rows, or on nothing the truth knows

  double recall() const;     // 1 when there is nothing to find
  double precision() const;  // 1 when nothing was alerted
};

struct CampaignTally {
  Tally items;
  std::size_t hosts = 0;        // distinct client addresses with a beacon row
  std::size_t hosts_found = 0;  // of which at least one beacon row was alerted
  std::map<std::string, std::size_t> sensor_campaigns;  // campaign_id -> alerts carrying it
};

struct SignalTally {
  std::size_t on_beacons = 0;  // alerts on beacon rows listing this signal
  std::size_t on_related = 0;
  std::size_t on_benign = 0;
};

struct Example {
  std::string what;  // "missed" or "false alert"
  std::string kind;
  std::string flow;
  std::string detail;  // URI, name or SNI; the alert's reasons
  std::string campaign;
};

struct Evaluation {
  std::map<std::string, Tally> by_scheme;  // http, tls, quic, dns
  Tally overall;
  std::map<std::string, CampaignTally> by_campaign;
  std::map<std::string, SignalTally> by_signal;
  std::size_t benign_flows = 0;  // flows with benign rows only
  std::size_t alerted_benign_flows = 0;
  std::size_t unmatched_alerts = 0;  // trigger event missing, or no truth row for it
  std::vector<Example> missed;
  std::vector<Example> false_alerts;

  double false_per_10k_benign_flows() const;
  Tally tls_quic() const;
};

// `max_examples` bounds each example list.
Evaluation evaluate(const std::vector<TruthRow>& truth, const EventLog& log,
                    std::size_t max_examples);

// Command-line targets; negative values are not checked.
struct Targets {
  double min_http_recall = -1;
  double min_tls_quic_recall = -1;
  double min_dns_recall = -1;
  double min_precision = -1;
  double max_false_per_10k = -1;
};

// One line per target missed, e.g. "http recall 0.950 < 0.990"; empty when all are met.
std::vector<std::string> unmet_targets(const Evaluation& evaluation, const Targets& targets);

}  // namespace bw::eval
