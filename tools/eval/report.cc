#include "tools/eval/report.h"

#include <cstdio>
#include <string>

namespace bw::eval {
namespace {

std::string format(const char* pattern, auto... values) {
  char line[256];
  std::snprintf(line, sizeof line, pattern, values...);
  return line;
}

void tally_row(std::ostream& out, const std::string& name, const Tally& t) {
  out << format("  %-28s %7zu %7zu %8.4f %7zu %7zu %7zu %9.4f\n", name.c_str(), t.beacons, t.found,
                t.recall(), t.true_alerts, t.related_alerts, t.false_alerts, t.precision());
}

void tally_header(std::ostream& out, const char* title) {
  out << format("  %-28s %7s %7s %8s %7s %7s %7s %9s\n", title, "beacons", "found", "recall",
                "true", "related", "false", "precision");
}

void write_examples(std::ostream& out, const std::vector<Example>& examples) {
  for (const Example& e : examples) {
    out << "  " << e.what << "  " << e.kind << "  " << e.flow << "  " << e.detail;
    if (!e.campaign.empty()) out << "  [" << e.campaign << "]";
    out << '\n';
  }
}

// JSON string escaping for the few characters our names and URIs can hold.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += format("\\u%04x", static_cast<unsigned>(c));
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

std::string tally_json(const Tally& t) {
  return format(
      "{\"beacons\":%zu,\"found\":%zu,\"recall\":%.6f,\"true_alerts\":%zu,\"related_alerts\":%zu,"
      "\"false_alerts\":%zu,\"precision\":%.6f}",
      t.beacons, t.found, t.recall(), t.true_alerts, t.related_alerts, t.false_alerts,
      t.precision());
}

}  // namespace

void write_table(const Evaluation& e, const EventLog& log, const ReportOptions& options,
                 std::ostream& out) {
  out << format(
      "events %zu, alerts %zu, campaign updates %zu, bad lines %zu, unmatched alerts %zu\n\n",
      log.events.size(), log.alerts.size(), log.campaign_updates, log.bad_lines,
      e.unmatched_alerts);
  tally_header(out, "scheme");
  for (const auto& [name, tally] : e.by_scheme)
    tally_row(out, name, tally);
  tally_row(out, "tls+quic", e.tls_quic());
  tally_row(out, "all", e.overall);
  out << '\n';
  tally_header(out, "campaign");
  for (const auto& [name, campaign] : e.by_campaign)
    tally_row(out, name, campaign.items);
  out << "\n  campaign                       hosts   found  sensor campaign ids (alerts)\n";
  for (const auto& [name, campaign] : e.by_campaign) {
    std::string ids;
    for (const auto& [id, alerts] : campaign.sensor_campaigns)
      ids += (ids.empty() ? "" : ", ") + id + " (" + std::to_string(alerts) + ")";
    out << format("  %-28s %7zu %7zu  ", name.c_str(), campaign.hosts, campaign.hosts_found) << ids
        << '\n';
  }
  if (options.by_signal) {
    out << format("\n  %-28s %10s %10s %10s\n", "signal", "beacons", "related", "benign");
    for (const auto& [name, s] : e.by_signal) {
      out << format("  %-28s %10zu %10zu %10zu\n", name.c_str(), s.on_beacons, s.on_related,
                    s.on_benign);
    }
  }
  out << format("\nfalse alerts per 10,000 benign flows: %.2f (%zu of %zu benign flows alerted)\n",
                e.false_per_10k_benign_flows(), e.alerted_benign_flows, e.benign_flows);
  if (!e.missed.empty() || !e.false_alerts.empty()) out << "\nexamples:\n";
  write_examples(out, e.missed);
  write_examples(out, e.false_alerts);
}

void write_json(const Evaluation& e, const EventLog& log, std::ostream& out) {
  out << "{\"events\":" << log.events.size() << ",\"alerts\":" << log.alerts.size()
      << ",\"bad_lines\":" << log.bad_lines << ",\"unmatched_alerts\":" << e.unmatched_alerts
      << ",\"schemes\":{";
  const char* comma = "";
  for (const auto& [name, tally] : e.by_scheme) {
    out << comma << quoted(name) << ':' << tally_json(tally);
    comma = ",";
  }
  out << "},\"tls_quic\":" << tally_json(e.tls_quic()) << ",\"overall\":" << tally_json(e.overall)
      << ",\"campaigns\":{";
  comma = "";
  for (const auto& [name, c] : e.by_campaign) {
    out << comma << quoted(name) << ":{\"items\":" << tally_json(c.items)
        << ",\"hosts\":" << c.hosts << ",\"hosts_found\":" << c.hosts_found << '}';
    comma = ",";
  }
  out << "},\"signals\":{";
  comma = "";
  for (const auto& [name, s] : e.by_signal) {
    out << comma << quoted(name)
        << format(":{\"beacons\":%zu,\"related\":%zu,\"benign\":%zu}", s.on_beacons, s.on_related,
                  s.on_benign);
    comma = ",";
  }
  out << format("},\"benign_flows\":%zu,\"alerted_benign_flows\":%zu,\"false_per_10k\":%.4f}\n",
                e.benign_flows, e.alerted_benign_flows, e.false_per_10k_benign_flows());
}

}  // namespace bw::eval
