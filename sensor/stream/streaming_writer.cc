#include "sensor/stream/streaming_writer.h"

#include <cinttypes>

#include "beaconwatch/v1/event.pb.h"

namespace bw::stream {
namespace {

using CounterList = std::vector<std::pair<std::string, std::uint64_t>>;

// Gauges and losses are reported even at zero: "no losses" is worth seeing in a health event.
bool always_reported(std::string_view name) {
  return name == "events_dropped_at_cap" || name == "events_lost_write" || name == "fsync_failures";
}

template <typename Counters>
void append_section(const char* section, const Counters& counters, CounterList& out) {
  counters.for_each([&](std::string_view name, std::uint64_t value) {
    if (value == 0 && !always_reported(name)) return;
    out.emplace_back(std::string(section) + "." + std::string(name), value);
  });
}

}  // namespace

std::unique_ptr<StreamingWriter> StreamingWriter::open(StreamingOptions options,
                                                       std::string& error) {
  std::unique_ptr<Spool> spool = Spool::open(options.spool, error);
  if (!spool) return nullptr;
  return std::make_unique<StreamingWriter>(std::move(spool), std::move(options.client));
}

StreamingWriter::StreamingWriter(std::unique_ptr<Spool> spool,
                                 CollectorClientOptions client_options)
    : spool_(std::move(spool)),
      client_(std::make_unique<CollectorClient>(*spool_, std::move(client_options))) {
  client_->start();
}

StreamingWriter::~StreamingWriter() {
  stop();
}

void StreamingWriter::stop() {
  client_->stop();
  spool_->sync();
}

bool StreamingWriter::write(const beaconwatch::v1::Event& event) {
  event.SerializeToString(&buffer_);
  if (spool_->append(event.sequence(), buffer_)) {
    client_->notify_appended(event.sequence());
  } else if (!loss_logged_) {
    loss_logged_ = true;
    error_ = "spool: " + spool_->last_error();
    std::fprintf(stderr,
                 "bw-sensor: collector: spool: %s; events that cannot be spooled are lost "
                 "(counted in spool.events_lost_write)\n",
                 spool_->last_error().c_str());
  }
  return true;
}

bool StreamingWriter::flush() {
  spool_->sync();
  // Checked here, at the flush pace, not per event: counters() takes the spool's lock.
  if (!fsync_failure_logged_ && spool_->counters().fsync_failures != 0) {
    fsync_failure_logged_ = true;
    std::fprintf(stderr,
                 "bw-sensor: collector: spool: %s; spooled events are not durable until a "
                 "later fsync succeeds (counted in spool.fsync_failures)\n",
                 spool_->last_error().c_str());
  }
  return true;
}

SpoolLosses StreamingWriter::spool_losses() const {
  const SpoolCounters counters = spool_->counters();
  return {counters.events_dropped_at_cap, counters.events_lost_write, counters.fsync_failures,
          spool_->last_error()};
}

void StreamingWriter::append_counters(CounterList& out) const {
  out.emplace_back("stream.connected", client_->connected() ? 1 : 0);
  append_section("stream", client_->counters(), out);
  out.emplace_back("spool.pending_events", spool_->pending_events());
  out.emplace_back("spool.pending_bytes", spool_->pending_bytes());
  out.emplace_back("spool.stream_epoch", spool_->stream_epoch());
  append_section("spool", spool_->counters(), out);
}

std::uint64_t StreamingWriter::delivered_events() const {
  const StreamCounters counters = client_->counters();
  return counters.events_acknowledged + counters.events_already_stored;
}

void StreamingWriter::print_summary(std::FILE* out) const {
  CounterList counters;
  append_counters(counters);
  for (const auto& [name, value] : counters) {
    std::fprintf(out, "  %s %" PRIu64 "\n", name.c_str(), value);
  }
}

}  // namespace bw::stream
