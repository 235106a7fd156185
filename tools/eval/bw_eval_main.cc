// bw-eval: precision and recall of the sensor's beacon alerts against the generator's truth.
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "tools/eval/evaluation.h"
#include "tools/eval/inputs.h"
#include "tools/eval/report.h"

namespace {

constexpr const char* kUsage =
    "usage: bw-eval --truth T.tsv --events E.jsonl [--source NAME] [--by-signal] [--json]\n"
    "               [--examples N] [--min-http-recall R] [--min-tls-quic-recall R]\n"
    "               [--min-dns-recall R] [--min-precision P] [--max-false-per-10k F]\n"
    "\n"
    "Joins beacon alerts (bw-sensor --json) to ground truth (bw-gen --truth) and prints recall\n"
    "and precision per scheme, per campaign and, with --by-signal, per detection signal.\n"
    "\n"
    "  --source NAME    only events read from a capture whose name ends with NAME (the\n"
    "                   scenario, when the sensor also replayed a history capture)\n"
    "  --examples N     list up to N missed beacons and N false alerts (default 0)\n"
    "  --json           one JSON object instead of the table\n"
    "  --min-*/--max-*  targets: exit status 1, naming each, when one is not met\n"
    "\n"
    "Exit status: 0 targets met, 1 a target missed, 2 bad usage or unreadable input.\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "bw-eval: %s (see --help)\n", message.c_str());
  return 2;
}

bool parse_double(std::string_view text, double& out) {
  const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
  return result.ec == std::errc() && result.ptr == text.data() + text.size() && out >= 0;
}

struct Options {
  std::string truth_path;
  std::string events_path;
  std::string source;
  bool json = false;
  bw::eval::ReportOptions report;
  std::size_t examples = 0;
  bw::eval::Targets targets;
};

double* target_named(std::string_view arg, bw::eval::Targets& t) {
  if (arg == "--min-http-recall") return &t.min_http_recall;
  if (arg == "--min-tls-quic-recall") return &t.min_tls_quic_recall;
  if (arg == "--min-dns-recall") return &t.min_dns_recall;
  if (arg == "--min-precision") return &t.min_precision;
  if (arg == "--max-false-per-10k") return &t.max_false_per_10k;
  return nullptr;
}

// Returns an empty string on success, else the complaint.
std::string parse_arguments(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--json") {
      o.json = true;
      continue;
    }
    if (arg == "--by-signal") {
      o.report.by_signal = true;
      continue;
    }
    if (i + 1 >= argc) return "option " + std::string(arg) + " needs a value";
    const std::string_view value = argv[++i];
    if (arg == "--truth") {
      o.truth_path = value;
    } else if (arg == "--events") {
      o.events_path = value;
    } else if (arg == "--source") {
      o.source = value;
    } else if (arg == "--examples") {
      double n = 0;
      if (!parse_double(value, n)) return "--examples wants a non-negative number";
      o.examples = static_cast<std::size_t>(n);
    } else if (double* target = target_named(arg, o.targets)) {
      if (!parse_double(value, *target)) return std::string(arg) + " wants a non-negative number";
    } else {
      return "unknown option " + std::string(arg);
    }
  }
  if (o.truth_path.empty() || o.events_path.empty()) return "--truth and --events are required";
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  Options options;
  if (const std::string complaint = parse_arguments(argc, argv, options); !complaint.empty()) {
    return fail(complaint);
  }
  std::ifstream truth_file(options.truth_path);
  if (!truth_file) return fail("cannot open " + options.truth_path);
  std::vector<bw::eval::TruthRow> truth;
  std::size_t bad_rows = 0;
  std::string error;
  if (!bw::eval::read_truth(truth_file, truth, bad_rows, error)) {
    return fail(options.truth_path + ": " + error);
  }
  std::ifstream events_file(options.events_path);
  if (!events_file) return fail("cannot open " + options.events_path);
  bw::eval::EventLog log;
  bw::eval::read_events(events_file, options.source, log);
  if (bad_rows > 0) std::fprintf(stderr, "bw-eval: %zu malformed truth rows skipped\n", bad_rows);

  const bw::eval::Evaluation evaluation = bw::eval::evaluate(truth, log, options.examples);
  if (options.json) {
    bw::eval::write_json(evaluation, log, std::cout);
  } else {
    bw::eval::write_table(evaluation, log, options.report, std::cout);
  }
  const auto unmet = bw::eval::unmet_targets(evaluation, options.targets);
  for (const std::string& line : unmet)
    std::fprintf(stderr, "bw-eval: target missed: %s\n", line.c_str());
  return unmet.empty() ? 0 : 1;
}
