#include "sensor/pipeline/run_summary.h"

#include <cinttypes>

namespace bw::pipeline {
namespace {

template <typename Counters>
void print_section(std::FILE* out, const char* section, const Counters& counters) {
  counters.for_each([&](std::string_view name, std::uint64_t value) {
    if (value != 0) {
      std::fprintf(out, "  %s.%.*s %" PRIu64 "\n", section, static_cast<int>(name.size()),
                   name.data(), value);
    }
  });
}

}  // namespace

WorkerSummary RunSummary::worker_totals() const {
  WorkerSummary total;
  for (const WorkerSummary& w : workers) {
    total.flow.add_from(w.flow);
    total.table.add_from(w.table);
    total.classify.add_from(w.classify);
    total.http.add_from(w.http);
    total.dns.add_from(w.dns);
    total.tls.add_from(w.tls);
    total.quic.add_from(w.quic);
    total.smtp.add_from(w.smtp);
    total.items += w.items;
  }
  return total;
}

void RunSummary::print(std::FILE* out) const {
  const WorkerSummary total = worker_totals();
  std::fprintf(out, "summary:\n");
  print_section(out, "capture", capture);
  print_section(out, "decode", decode);
  print_section(out, "flow", total.flow);
  print_section(out, "flow_table", total.table);
  print_section(out, "classify", total.classify);
  print_section(out, "http", total.http);
  print_section(out, "dns", total.dns);
  print_section(out, "tls", total.tls);
  print_section(out, "quic", total.quic);
  print_section(out, "smtp", total.smtp);
  print_section(out, "detect", detect);
  print_section(out, "export", exporter);
  for (std::size_t i = 0; i < workers.size(); ++i) {
    std::fprintf(out, "  worker%zu.packets %" PRIu64 "\n", i, workers[i].flow.packets);
  }
}

}  // namespace bw::pipeline
