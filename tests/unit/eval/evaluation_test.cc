#include "tools/eval/evaluation.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tools/eval/inputs.h"
#include "tools/eval/report.h"

namespace bw::eval {
namespace {

// Only the columns bw-eval reads, in a different order from bw-gen's: columns go by name.
constexpr const char* kHeader =
    "campaign\tkind\tclient_ip\tclient_port\tserver_ip\tserver_port\ttransport\tmethod\thost\turi"
    "\tdns_name\tdns_response\tsni\tis_beacon\trecipient\textra\n";

std::string row(const std::string& campaign, const std::string& kind, const std::string& client,
                int cport, const std::string& server, int sport, const std::string& uri,
                const std::string& dns_name, bool response, bool beacon) {
  const std::string transport = kind == "http" || kind == "tls" ? "tcp" : "udp";
  return campaign + "\t" + kind + "\t" + client + "\t" + std::to_string(cport) + "\t" + server +
         "\t" + std::to_string(sport) + "\t" + transport + "\t" + (uri.empty() ? "" : "GET") +
         "\tt.example\t" + uri + "\t" + dns_name + "\t" + (response ? "1" : "0") + "\t\t" +
         (beacon ? "1" : "0") + "\t" + (beacon ? "a@x.eu" : "") + "\t-\n";
}

std::string flow(const std::string& client, int cport, const std::string& server, int sport) {
  return R"("flow":{"client_ip":")" + client + R"(","client_port":)" + std::to_string(cport) +
         R"(,"server_ip":")" + server + R"(","server_port":)" + std::to_string(sport) + "}";
}

std::string http_event(int seq, const std::string& f, const std::string& uri,
                       const std::string& source = "apt.pcap") {
  return R"({"sequence":")" + std::to_string(seq) + R"(",)" + f + R"(,"source":")" + source +
         R"(","http":{"request":{"method":"GET","uri":")" + uri + R"("}}})" + "\n";
}

std::string dns_event(int seq, const std::string& f, const std::string& name, bool response) {
  return R"({"sequence":")" + std::to_string(seq) + R"(",)" + f +
         R"(,"source":"apt.pcap","dns":{"query_name":")" + name + R"(","is_response":)" +
         (response ? "true" : "false") + "}}\n";
}

std::string handshake_event(int seq, const std::string& f, const char* body) {
  return R"({"sequence":")" + std::to_string(seq) + R"(",)" + f + R"(,"source":"apt.pcap",")" +
         body + R"(":{}})" + "\n";
}

std::string alert(int seq, int trigger, const char* scheme, const std::string& signals,
                  const std::string& source = "apt.pcap") {
  return R"({"sequence":")" + std::to_string(seq) + R"(","source":")" + source +
         R"(","beacon":{"scheme":")" + scheme + R"(","score":5,"trigger_sequence":")" +
         std::to_string(trigger) + R"(","reasons":[)" + signals + R"(],"campaign_id":"cmp-1"}})" +
         "\n";
}

constexpr const char* kToken = R"({"signal":"per_recipient_token","weight":2})";
constexpr const char* kPixel = R"({"signal":"pixel_response","weight":2})";
constexpr const char* kRare = R"({"signal":"rare_domain","weight":1.5})";

struct Fixture {
  std::vector<TruthRow> truth;
  EventLog log;
  Evaluation evaluation;
};

Fixture run(const std::string& truth_tsv, const std::string& events, const std::string& source) {
  Fixture f;
  std::istringstream truth_in(truth_tsv);
  std::size_t bad_rows = 0;
  std::string error;
  EXPECT_TRUE(read_truth(truth_in, f.truth, bad_rows, error)) << error;
  EXPECT_EQ(bad_rows, 0u);
  std::istringstream events_in(events);
  read_events(events_in, source, f.log);
  f.evaluation = evaluate(f.truth, f.log, 10);
  return f;
}

// One HTTP connection carrying a benign page and then a beacon pixel: an alert on the second
// request must join to the pixel, not to the flow's first row.
TEST(EvaluationTest, JoinsAnAlertThroughItsTriggerEventToTheRightRequestOfTheFlow) {
  const std::string truth =
      std::string(kHeader) +
      row("", "http", "10.0.0.5", 5000, "1.2.3.4", 80, "/index.html", "", false, false) +
      row("w1", "http", "10.0.0.5", 5000, "1.2.3.4", 80, "/img/ab.gif", "", false, true);
  const std::string f = flow("10.0.0.5", 5000, "1.2.3.4", 80);
  const std::string events = http_event(1, f, "/index.html") + http_event(2, f, "/img/ab.gif") +
                             alert(3, 2, "SCHEME_HTTP", std::string(kToken) + "," + kPixel);
  const Fixture x = run(truth, events, "");
  const Tally& http = x.evaluation.by_scheme.at("http");
  EXPECT_EQ(http.beacons, 1u);
  EXPECT_EQ(http.found, 1u);
  EXPECT_EQ(http.true_alerts, 1u);
  EXPECT_EQ(http.false_alerts, 0u);
  EXPECT_EQ(x.evaluation.benign_flows, 0u) << "the flow carries a beacon row too";
  EXPECT_EQ(x.evaluation.by_signal.at("pixel_response").on_beacons, 1u);
}

TEST(EvaluationTest, AnAlertOnTheBenignRequestOfTheSameFlowIsFalse) {
  const std::string truth =
      std::string(kHeader) +
      row("", "http", "10.0.0.5", 5000, "1.2.3.4", 80, "/index.html", "", false, false) +
      row("w1", "http", "10.0.0.5", 5000, "1.2.3.4", 80, "/img/ab.gif", "", false, true);
  const std::string f = flow("10.0.0.5", 5000, "1.2.3.4", 80);
  const std::string events = http_event(1, f, "/index.html") + http_event(2, f, "/img/ab.gif") +
                             alert(3, 1, "SCHEME_HTTP", kToken);
  const Fixture x = run(truth, events, "");
  EXPECT_EQ(x.evaluation.by_scheme.at("http").found, 0u);
  EXPECT_EQ(x.evaluation.by_scheme.at("http").false_alerts, 1u);
  EXPECT_EQ(x.evaluation.by_signal.at("per_recipient_token").on_benign, 1u);
  ASSERT_EQ(x.evaluation.missed.size(), 1u);
  EXPECT_EQ(x.evaluation.missed[0].detail, "GET t.example/img/ab.gif");
}

// The token label's query is the beacon; its labelled response is not counted, and the plain
// lookup of the tracker is related (no hit, no false alert).
TEST(EvaluationTest, DnsQueriesCountAndResponsesDoNot) {
  const std::string truth =
      std::string(kHeader) +
      row("w1", "dns", "10.0.0.7", 40000, "10.0.0.53", 53, "", "ab12.t.x.com", false, true) +
      row("w1", "dns", "10.0.0.7", 40000, "10.0.0.53", 53, "", "ab12.t.x.com", true, true) +
      row("w1", "dns", "10.0.0.7", 40001, "10.0.0.53", 53, "", "t.x.com", false, false);
  const std::string f1 = flow("10.0.0.7", 40000, "10.0.0.53", 53);
  const std::string f2 = flow("10.0.0.7", 40001, "10.0.0.53", 53);
  const std::string events = dns_event(1, f1, "ab12.t.x.com", false) +
                             dns_event(2, f1, "ab12.t.x.com", true) +
                             alert(3, 1, "SCHEME_DNS", kRare) + dns_event(4, f2, "t.x.com", false) +
                             alert(5, 4, "SCHEME_DNS", kRare);
  const Fixture x = run(truth, events, "");
  const Tally& dns = x.evaluation.by_scheme.at("dns");
  EXPECT_EQ(dns.beacons, 1u);
  EXPECT_EQ(dns.found, 1u);
  EXPECT_EQ(dns.true_alerts, 1u);
  EXPECT_EQ(dns.related_alerts, 1u);
  EXPECT_EQ(dns.false_alerts, 0u);
  EXPECT_DOUBLE_EQ(dns.precision(), 1.0);
}

// Two HTTP beacons (one found), a TLS beacon found, a QUIC beacon missed, four benign flows of
// which one is alerted.
TEST(EvaluationTest, RecallPrecisionAndFalseAlertRate) {
  std::string truth = std::string(kHeader);
  truth += row("w1", "http", "10.0.0.1", 1001, "9.9.9.9", 80, "/a.gif", "", false, true);
  truth += row("w1", "http", "10.0.0.2", 1002, "9.9.9.9", 80, "/b.gif", "", false, true);
  truth += row("w2", "tls", "10.0.0.3", 1003, "9.9.9.9", 443, "", "", false, true);
  truth += row("w2", "quic", "10.0.0.4", 1004, "9.9.9.9", 443, "", "", false, true);
  for (int i = 0; i < 4; ++i) {
    truth += row("", "tls", "10.0.1." + std::to_string(i), 2000 + i, "8.8.4.4", 443, "", "", false,
                 false);
  }
  std::string events;
  events += http_event(1, flow("10.0.0.1", 1001, "9.9.9.9", 80), "/a.gif");
  events += alert(2, 1, "SCHEME_HTTP", kToken);
  events += http_event(3, flow("10.0.0.2", 1002, "9.9.9.9", 80), "/b.gif");
  events += handshake_event(4, flow("10.0.0.3", 1003, "9.9.9.9", 443), "tls");
  events += alert(5, 4, "SCHEME_TLS", kRare);
  events += handshake_event(6, flow("10.0.0.4", 1004, "9.9.9.9", 443), "quic");
  events += handshake_event(7, flow("10.0.1.2", 2002, "8.8.4.4", 443), "tls");
  events += alert(8, 7, "SCHEME_TLS", kRare);
  const Fixture x = run(truth, events, "");
  const Evaluation& e = x.evaluation;
  EXPECT_DOUBLE_EQ(e.by_scheme.at("http").recall(), 0.5);
  EXPECT_DOUBLE_EQ(e.tls_quic().recall(), 0.5);
  EXPECT_DOUBLE_EQ(e.by_scheme.at("tls").precision(), 0.5);
  EXPECT_DOUBLE_EQ(e.overall.precision(), 2.0 / 3.0);
  EXPECT_EQ(e.benign_flows, 4u);
  EXPECT_EQ(e.alerted_benign_flows, 1u);
  EXPECT_DOUBLE_EQ(e.false_per_10k_benign_flows(), 2500.0);
  EXPECT_EQ(e.by_campaign.at("w1").hosts, 2u);
  EXPECT_EQ(e.by_campaign.at("w1").hosts_found, 1u);
  EXPECT_EQ(e.by_campaign.at("w1").sensor_campaigns.at("cmp-1"), 1u);
  EXPECT_EQ(e.by_signal.at("rare_domain").on_beacons, 1u);
  EXPECT_EQ(e.by_signal.at("rare_domain").on_benign, 1u);

  Targets targets;
  targets.min_http_recall = 0.99;
  targets.min_tls_quic_recall = 0.5;
  targets.max_false_per_10k = 1;
  const auto unmet = unmet_targets(e, targets);
  ASSERT_EQ(unmet.size(), 2u);
  EXPECT_EQ(unmet[0], "http recall 0.5000 < 0.9900");
  EXPECT_EQ(unmet[1], "false alerts per 10k benign flows 2500.00 > 1.00");
  EXPECT_TRUE(unmet_targets(e, Targets{}).empty()) << "no targets given, none missed";
}

TEST(EvaluationTest, AlertsOnUnknownEventsAreFalseAndCounted) {
  const std::string truth =
      std::string(kHeader) + row("", "tls", "10.0.0.1", 1, "2.2.2.2", 443, "", "", false, false);
  const std::string events = alert(1, 99, "SCHEME_TLS", kRare) +
                             handshake_event(2, flow("10.0.0.9", 9, "2.2.2.2", 443), "tls") +
                             alert(3, 2, "SCHEME_TLS", kRare);
  const Fixture x = run(truth, events, "");
  EXPECT_EQ(x.evaluation.unmatched_alerts, 2u);
  EXPECT_EQ(x.evaluation.by_scheme.at("tls").false_alerts, 2u);
  EXPECT_DOUBLE_EQ(x.evaluation.overall.precision(), 0.0);
}

TEST(InputsTest, MalformedLinesAreCountedAndReadingCarriesOn) {
  const std::string f = flow("10.0.0.1", 1, "2.2.2.2", 80);
  const std::string events = "not json\n" + std::string("{\"sequence\": \n") + "[1,2,3]\n" +
                             http_event(7, f, "/x") +
                             R"({"sequence":"8","campaign":{"campaign_id":"c"}})" + "\n";
  EventLog log;
  std::istringstream in(events);
  read_events(in, "", log);
  EXPECT_EQ(log.lines, 5u);
  EXPECT_EQ(log.bad_lines, 3u);
  ASSERT_EQ(log.events.size(), 1u);
  EXPECT_EQ(log.events[0].sequence, 7u);
  EXPECT_EQ(log.events[0].key.kind, "http");
  EXPECT_EQ(log.events[0].key.client_port, 1u);
  EXPECT_EQ(log.events[0].uri, "/x");
  EXPECT_EQ(log.campaign_updates, 1u);
}

TEST(InputsTest, SourceFilterKeepsOnlyTheScenarioCapture) {
  const std::string f = flow("10.0.0.1", 1, "2.2.2.2", 80);
  const std::string events = http_event(1, f, "/x", "/tmp/history.pcap") +
                             alert(2, 1, "SCHEME_HTTP", kToken, "/tmp/history.pcap") +
                             http_event(3, f, "/y", "/tmp/apt.pcap");
  EventLog log;
  std::istringstream in(events);
  read_events(in, "apt.pcap", log);
  EXPECT_EQ(log.other_sources, 2u);
  ASSERT_EQ(log.events.size(), 1u);
  EXPECT_EQ(log.events[0].uri, "/y");
  EXPECT_TRUE(log.alerts.empty());
}

TEST(InputsTest, TruthNeedsItsColumnsAndSkipsShortRows) {
  std::vector<TruthRow> rows;
  std::size_t bad_rows = 0;
  std::string error;
  std::istringstream missing("kind\tclient_ip\n");
  EXPECT_FALSE(read_truth(missing, rows, bad_rows, error));
  EXPECT_NE(error.find("client_port"), std::string::npos);
  std::istringstream empty("");
  EXPECT_FALSE(read_truth(empty, rows, bad_rows, error));
  std::istringstream short_row(
      std::string(kHeader) + "w1\thttp\t10.0.0.1\n" +
      row("", "dns", "10.0.0.1", 5, "10.0.0.53", 53, "", "a.b", true, false));
  ASSERT_TRUE(read_truth(short_row, rows, bad_rows, error)) << error;
  EXPECT_EQ(bad_rows, 1u);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].key.server_port, 53u);
  EXPECT_TRUE(rows[0].dns_response);
  EXPECT_EQ(verdict_of(rows[0]), Verdict::kBenign);
}

TEST(ReportTest, JsonCarriesTheHeadlineFigures) {
  const std::string truth = std::string(kHeader) + row("w1", "http", "10.0.0.1", 1001, "9.9.9.9",
                                                       80, "/a.gif", "", false, true);
  const std::string events = http_event(1, flow("10.0.0.1", 1001, "9.9.9.9", 80), "/a.gif") +
                             alert(2, 1, "SCHEME_HTTP", kToken);
  const Fixture x = run(truth, events, "");
  std::ostringstream json;
  write_json(x.evaluation, x.log, json);
  EXPECT_NE(json.str().find(R"("http":{"beacons":1,"found":1,"recall":1.000000)"),
            std::string::npos)
      << json.str();
  std::ostringstream table;
  write_table(x.evaluation, x.log, ReportOptions{true}, table);
  EXPECT_NE(table.str().find("per_recipient_token"), std::string::npos);
}

}  // namespace
}  // namespace bw::eval
