// The exporter's writer for a collector: every event is appended to the disk spool (write-ahead)
// and the CollectorClient's sender thread streams it from there. write() never waits for the
// network, so a slow or absent collector cannot hold up packet processing; the spool absorbs it
// up to its cap.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sensor/export/event_encoder.h"
#include "sensor/stream/collector_client.h"
#include "sensor/stream/spool.h"

namespace bw::stream {

// What the spool could not keep during this run (its counters since it was opened).
struct SpoolLosses {
  std::uint64_t events_dropped_at_cap = 0;
  std::uint64_t events_lost_write = 0;
  std::uint64_t fsync_failures = 0;
  std::string first_error;  // the spool's first problem, for the log line

  std::uint64_t events_lost() const { return events_dropped_at_cap + events_lost_write; }
  bool any() const { return events_lost() != 0 || fsync_failures != 0; }
};

struct StreamingOptions {
  SpoolOptions spool;
  CollectorClientOptions client;
};

class StreamingWriter final : public exporter::EventWriter {
 public:
  // Opens the spool and starts streaming. Returns nullptr with a reason naming the spool
  // directory when it cannot be opened.
  static std::unique_ptr<StreamingWriter> open(StreamingOptions options, std::string& error);
  StreamingWriter(std::unique_ptr<Spool> spool, CollectorClientOptions client_options);
  ~StreamingWriter() override;

  // Appends to the spool. An event the spool cannot write (disk full) is counted there
  // (spool.events_lost_write) and logged once; the run carries on, so this still returns true.
  bool write(const beaconwatch::v1::Event& event) override;
  bool flush() override;  // fsyncs the spool; says so once on stderr when an fsync failed
  const std::string& error() const override { return error_; }
  // stream.connected, stream.* and spool.* counters, spool depth, for health events.
  void append_counters(std::vector<std::pair<std::string, std::uint64_t>>& out) const override;

  // The next event's sequence must be above this (it survives restarts in the spool).
  std::uint64_t last_sequence() const { return spool_->last_sequence(); }
  // Waits until the collector has acknowledged everything spooled; false on timeout.
  bool drain(std::chrono::milliseconds timeout) { return client_->drain(timeout); }
  // Stops streaming; what is unacknowledged stays in the spool. Idempotent.
  void stop();

  std::uint64_t pending_events() const { return spool_->pending_events(); }
  const Spool& spool() const { return *spool_; }
  // Events the collector confirmed stored during this run.
  std::uint64_t delivered_events() const;
  StreamCounters stream_counters() const { return client_->counters(); }
  const service::Heartbeat& sender_heartbeat() const { return client_->sender_heartbeat(); }
  SpoolCounters spool_counters() const { return spool_->counters(); }
  SpoolLosses spool_losses() const;
  // The `stream` and `spool` sections of the end-of-run summary, in RunSummary's style.
  void print_summary(std::FILE* out) const;

 private:
  std::unique_ptr<Spool> spool_;
  std::unique_ptr<CollectorClient> client_;
  std::string buffer_;  // reused serialization buffer
  std::string error_;
  bool loss_logged_ = false;
  bool fsync_failure_logged_ = false;
};

}  // namespace bw::stream
