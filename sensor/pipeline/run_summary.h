// Counters of a whole run, gathered from every stage at the end and printed as a summary.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/classify/ndpi_classifier.h"
#include "sensor/common/counters.h"
#include "sensor/correlate/beacon_detector.h"
#include "sensor/decode/packet_decoder.h"
#include "sensor/flow/flow_processor.h"

namespace bw::pipeline {

#define BW_CAPTURE_COUNTERS(X) \
  X(files_opened)              \
  X(packets_read)              \
  X(bytes_read)                \
  X(packets_dispatched)        \
  X(packets_not_ip)            \
  X(packets_malformed)         \
  X(timestamps_out_of_range)   \
  X(fragments_held)            \
  X(unsupported_linktype)      \
  X(queue_full_waits)          \
  X(queue_full_drops)          \
  X(kernel_received)           \
  X(kernel_dropped)            \
  X(kernel_interface_dropped)  \
  X(ticks)

struct CaptureCounters {
  BW_DECLARE_COUNTERS(BW_CAPTURE_COUNTERS)
};

#define BW_EXPORT_COUNTERS(X) \
  X(events_written)           \
  X(events_http)              \
  X(events_dns)               \
  X(events_tls)               \
  X(events_quic)              \
  X(events_beacon)            \
  X(events_campaign)          \
  X(events_health)            \
  X(event_queue_full_waits)   \
  X(write_errors)

struct ExportCounters {
  BW_DECLARE_COUNTERS(BW_EXPORT_COUNTERS)
};

struct WorkerSummary {
  flow::FlowCounters flow;
  flow::FlowTableCounters table;
  classify::ClassifyCounters classify;
  extract::http::HttpCounters http;
  extract::dns::DnsCounters dns;
  extract::tls::TlsCounters tls;
  extract::quic::QuicCounters quic;
  extract::smtp::SmtpCounters smtp;
  flow::TcpReassemblyCounters reassembly;
  extract::starttls::StartTlsCounters starttls;
  std::uint64_t items = 0;
};

// One of the run's threads (bw-capture, bw-worker-N, bw-export) and the CPU time it has used
// (user + system, its own clock: pthread_getcpuclockid).
struct ThreadCpu {
  std::string name;
  std::uint64_t cpu_us = 0;
};

struct RunSummary {
  CaptureCounters capture;
  decode::DecodeCounters decode;
  std::vector<WorkerSummary> workers;
  ExportCounters exporter;
  correlate::DetectCounters detect;
  std::vector<ThreadCpu> threads;  // capture, workers in order, exporter

  WorkerSummary worker_totals() const;
  // Every counter in a fixed order, workers summed; then each thread's CPU time as section
  // "thread", name "<thread>.cpu_us" (e.g. thread.bw-worker-0.cpu_us).
  void for_each_counter(const std::function<void(std::string_view section, std::string_view name,
                                                 std::uint64_t value)>& visitor) const;
  // Prints "section.counter value" lines, non-zero counters only, in that order.
  void print(std::FILE* out) const;
};

}  // namespace bw::pipeline
