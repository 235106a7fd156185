#include "sensor/pipeline/run_summary.h"

#include <cinttypes>

namespace bw::pipeline {
namespace {

template <typename Counters, typename Visitor>
void visit_section(const char* section, const Counters& counters, Visitor& visitor) {
  counters.for_each(
      [&](std::string_view name, std::uint64_t value) { visitor(section, name, value); });
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
    total.reassembly.add_from(w.reassembly);
    total.starttls.add_from(w.starttls);
    total.items += w.items;
  }
  return total;
}

void RunSummary::for_each_counter(
    const std::function<void(std::string_view section, std::string_view name, std::uint64_t value)>&
        visitor) const {
  const WorkerSummary total = worker_totals();
  visit_section("capture", capture, visitor);
  visit_section("decode", decode, visitor);
  visit_section("flow", total.flow, visitor);
  visit_section("flow_table", total.table, visitor);
  visit_section("tcp", total.reassembly, visitor);
  visit_section("classify", total.classify, visitor);
  visit_section("http", total.http, visitor);
  visit_section("dns", total.dns, visitor);
  visit_section("tls", total.tls, visitor);
  visit_section("quic", total.quic, visitor);
  visit_section("smtp", total.smtp, visitor);
  visit_section("starttls", total.starttls, visitor);
  visit_section("detect", detect, visitor);
  visit_section("export", exporter, visitor);
  std::string name;
  for (const ThreadCpu& thread : threads) {
    name.assign(thread.name);
    name.append(".cpu_us");
    visitor("thread", name, thread.cpu_us);
  }
}

void RunSummary::print(std::FILE* out) const {
  std::fprintf(out, "summary:\n");
  for_each_counter([out](std::string_view section, std::string_view name, std::uint64_t value) {
    if (value == 0) return;
    std::fprintf(out, "  %.*s.%.*s %" PRIu64 "\n", static_cast<int>(section.size()), section.data(),
                 static_cast<int>(name.size()), name.data(), value);
  });
  for (std::size_t i = 0; i < workers.size(); ++i) {
    std::fprintf(out, "  worker%zu.packets %" PRIu64 "\n", i, workers[i].flow.packets);
  }
}

}  // namespace bw::pipeline
