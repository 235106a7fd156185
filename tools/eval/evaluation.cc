#include "tools/eval/evaluation.h"

#include <cstdio>
#include <set>
#include <unordered_map>

namespace bw::eval {
namespace {

constexpr std::size_t kNoRow = static_cast<std::size_t>(-1);

std::string key_text(const ItemKey& key) {
  return key.kind + " " + key.flow_text();
}

bool same_item(const TruthRow& row, const Observed& event) {
  if (event.key.kind == "http") return row.method == event.method && row.uri == event.uri;
  if (event.key.kind == "dns") {
    return row.dns_response == event.dns_response && row.dns_name == event.dns_name;
  }
  return true;
}

class TruthIndex {
 public:
  explicit TruthIndex(const std::vector<TruthRow>& truth) : truth_(truth) {
    for (std::size_t i = 0; i < truth.size(); ++i)
      rows_[key_text(truth[i].key)].push_back(i);
  }

  // The row describing `event`; the flow's first row when none matches exactly (the sensor cut
  // a long URI, say), kNoRow when the truth does not know the flow.
  std::size_t find(const Observed& event) const {
    const auto found = rows_.find(key_text(event.key));
    if (found == rows_.end()) return kNoRow;
    for (const std::size_t i : found->second) {
      if (same_item(truth_[i], event)) return i;
    }
    return found->second.front();
  }

 private:
  const std::vector<TruthRow>& truth_;
  std::unordered_map<std::string, std::vector<std::size_t>> rows_;
};

std::string item_detail(const TruthRow& row) {
  if (row.key.kind == "http") return row.method + " " + row.host + row.uri;
  if (row.key.kind == "dns") return (row.dns_response ? "response " : "query ") + row.dns_name;
  return "sni " + row.sni;
}

std::string reasons_text(const Alert& alert) {
  std::string text;
  for (const Reason& reason : alert.reasons) {
    char weight[32];
    std::snprintf(weight, sizeof weight, "%+.1f", static_cast<double>(reason.weight));
    text += (text.empty() ? "" : " ") + reason.signal + weight;
  }
  return text;
}

void count_signals(const Alert& alert, Verdict verdict, Evaluation& out) {
  std::set<std::string> seen;
  for (const Reason& reason : alert.reasons) {
    if (!seen.insert(reason.signal).second) continue;
    SignalTally& tally = out.by_signal[reason.signal];
    switch (verdict) {
      case Verdict::kBeacon:
        ++tally.on_beacons;
        break;
      case Verdict::kRelated:
        ++tally.on_related;
        break;
      case Verdict::kBenign:
        ++tally.on_benign;
        break;
    }
  }
}

void add_example(std::vector<Example>& list, std::size_t max, Example example) {
  if (list.size() < max) list.push_back(std::move(example));
}

void count_alert(Tally& tally, Verdict verdict) {
  switch (verdict) {
    case Verdict::kBeacon:
      ++tally.true_alerts;
      break;
    case Verdict::kRelated:
      ++tally.related_alerts;
      break;
    case Verdict::kBenign:
      ++tally.false_alerts;
      break;
  }
}

// Scores every alert against the row it is about; returns which rows were alerted.
std::vector<bool> judge_alerts(const std::vector<TruthRow>& truth, const EventLog& log,
                               std::size_t max_examples, Evaluation& out) {
  std::unordered_map<std::uint64_t, const Observed*> by_sequence;
  for (const Observed& event : log.events)
    by_sequence[event.sequence] = &event;
  const TruthIndex index(truth);
  std::vector<bool> alerted(truth.size(), false);
  for (const Alert& alert : log.alerts) {
    const auto event = by_sequence.find(alert.trigger_sequence);
    const std::size_t row = event == by_sequence.end() ? kNoRow : index.find(*event->second);
    // An alert on something the truth does not know is still an alert the analyst must read.
    const Verdict verdict = row == kNoRow ? Verdict::kBenign : verdict_of(truth[row]);
    count_alert(out.by_scheme[alert.scheme], verdict);
    count_alert(out.overall, verdict);
    count_signals(alert, verdict, out);
    if (row == kNoRow) {
      ++out.unmatched_alerts;
      add_example(out.false_alerts, max_examples,
                  {"false alert", alert.scheme, "(no truth row)",
                   alert.host + "  " + reasons_text(alert), ""});
      continue;
    }
    alerted[row] = true;
    const TruthRow& r = truth[row];
    if (verdict == Verdict::kBeacon) {
      CampaignTally& campaign = out.by_campaign[r.campaign];
      ++campaign.items.true_alerts;
      ++campaign.sensor_campaigns[alert.campaign_id.empty() ? "-" : alert.campaign_id];
    } else if (verdict == Verdict::kRelated) {
      ++out.by_campaign[r.campaign].items.related_alerts;
    } else {
      add_example(out.false_alerts, max_examples,
                  {"false alert", r.key.kind, r.key.flow_text(),
                   item_detail(r) + "  " + reasons_text(alert), ""});
    }
  }
  return alerted;
}

void count_recall(const std::vector<TruthRow>& truth, const std::vector<bool>& alerted,
                  std::size_t max_examples, Evaluation& out) {
  std::map<std::string, std::set<std::string>> hosts;
  std::map<std::string, std::set<std::string>> hosts_found;
  std::set<std::string> benign_flows;
  std::set<std::string> alerted_benign_flows;
  std::set<std::string> campaign_flows;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const TruthRow& row = truth[i];
    const Verdict verdict = verdict_of(row);
    const std::string flow = row.transport + " " + row.key.flow_text();
    if (verdict == Verdict::kBenign) {
      benign_flows.insert(flow);
      if (alerted[i]) alerted_benign_flows.insert(flow);
      continue;
    }
    campaign_flows.insert(flow);
    if (verdict != Verdict::kBeacon) continue;
    for (Tally* tally :
         {&out.by_scheme[row.key.kind], &out.overall, &out.by_campaign[row.campaign].items}) {
      ++tally->beacons;
      if (alerted[i]) ++tally->found;
    }
    hosts[row.campaign].insert(row.key.client_ip);
    if (alerted[i]) {
      hosts_found[row.campaign].insert(row.key.client_ip);
    } else {
      add_example(out.missed, max_examples,
                  {"missed", row.key.kind, row.key.flow_text(), item_detail(row), row.campaign});
    }
  }
  for (auto& [name, campaign] : out.by_campaign) {
    campaign.hosts = hosts[name].size();
    campaign.hosts_found = hosts_found[name].size();
  }
  // A connection that also carried a campaign's fetch is not a benign flow.
  for (const std::string& flow : campaign_flows) {
    benign_flows.erase(flow);
    alerted_benign_flows.erase(flow);
  }
  out.benign_flows = benign_flows.size();
  out.alerted_benign_flows = alerted_benign_flows.size();
}

}  // namespace

Verdict verdict_of(const TruthRow& row) {
  if (row.is_beacon && !(row.key.kind == "dns" && row.dns_response)) return Verdict::kBeacon;
  return row.campaign.empty() ? Verdict::kBenign : Verdict::kRelated;
}

double Tally::recall() const {
  return beacons == 0 ? 1.0 : static_cast<double>(found) / static_cast<double>(beacons);
}

double Tally::precision() const {
  const std::size_t judged = true_alerts + false_alerts;
  return judged == 0 ? 1.0 : static_cast<double>(true_alerts) / static_cast<double>(judged);
}

double Evaluation::false_per_10k_benign_flows() const {
  if (benign_flows == 0) return 0;
  return 10000.0 * static_cast<double>(alerted_benign_flows) / static_cast<double>(benign_flows);
}

Tally Evaluation::tls_quic() const {
  Tally sum;
  for (const char* scheme : {"tls", "quic"}) {
    const auto found = by_scheme.find(scheme);
    if (found == by_scheme.end()) continue;
    sum.beacons += found->second.beacons;
    sum.found += found->second.found;
    sum.true_alerts += found->second.true_alerts;
    sum.related_alerts += found->second.related_alerts;
    sum.false_alerts += found->second.false_alerts;
  }
  return sum;
}

Evaluation evaluate(const std::vector<TruthRow>& truth, const EventLog& log,
                    std::size_t max_examples) {
  Evaluation out;
  const std::vector<bool> alerted = judge_alerts(truth, log, max_examples, out);
  count_recall(truth, alerted, max_examples, out);
  return out;
}

std::vector<std::string> unmet_targets(const Evaluation& evaluation, const Targets& targets) {
  std::vector<std::string> unmet;
  auto check_min = [&](const char* what, double value, double target) {
    if (target < 0 || value >= target) return;
    char line[96];
    std::snprintf(line, sizeof line, "%s %.4f < %.4f", what, value, target);
    unmet.emplace_back(line);
  };
  const auto scheme = [&](const char* name) {
    const auto found = evaluation.by_scheme.find(name);
    return found == evaluation.by_scheme.end() ? Tally{} : found->second;
  };
  check_min("http recall", scheme("http").recall(), targets.min_http_recall);
  check_min("tls+quic recall", evaluation.tls_quic().recall(), targets.min_tls_quic_recall);
  check_min("dns recall", scheme("dns").recall(), targets.min_dns_recall);
  check_min("precision", evaluation.overall.precision(), targets.min_precision);
  const double false_rate = evaluation.false_per_10k_benign_flows();
  if (targets.max_false_per_10k >= 0 && false_rate > targets.max_false_per_10k) {
    char line[96];
    std::snprintf(line, sizeof line, "false alerts per 10k benign flows %.2f > %.2f", false_rate,
                  targets.max_false_per_10k);
    unmet.emplace_back(line);
  }
  return unmet;
}

}  // namespace bw::eval
