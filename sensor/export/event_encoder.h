// Maps event records onto the protobuf schema (proto/beaconwatch/v1/event.proto) and writes them
// as JSON lines or length-delimited binary protobuf. Runs on the exporter thread only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sensor/export/event_record.h"

namespace beaconwatch::v1 {
class Event;
}

namespace bw::exporter {

struct EncoderContext {
  std::string sensor_id;
  std::vector<std::string> source_names;  // by EventRecord::source_index
};

void encode_event(const EventRecord& record, std::uint64_t sequence, const EncoderContext& context,
                  beaconwatch::v1::Event& out);

// A health report: `counters` as (section.name, value) pairs, zeros already left out.
void encode_health(const std::vector<std::pair<std::string, std::uint64_t>>& counters,
                   double uptime_s, TimestampNs now, std::uint64_t sequence,
                   const EncoderContext& context, beaconwatch::v1::Event& out);

// JSON text of one event on one line (protobuf JSON mapping, proto field names).
bool event_to_json_line(const beaconwatch::v1::Event& event, std::string& out);

class EventWriter {
 public:
  virtual ~EventWriter() = default;
  virtual bool write(const beaconwatch::v1::Event& event) = 0;
  virtual bool flush() = 0;
  // One-line reason after a failed write or flush.
  virtual const std::string& error() const = 0;
  // Adds the writer's own counters, as (section.name, value), to health reports. Writers with
  // state worth watching (the collector stream's spool) override it.
  virtual void append_counters(std::vector<std::pair<std::string, std::uint64_t>>& /*out*/) const {}
};

// Opens "-" as standard output. Returns nullptr with a reason naming the path on failure.
std::unique_ptr<EventWriter> open_json_lines_writer(const std::string& path, std::string& error);
std::unique_ptr<EventWriter> open_delimited_protobuf_writer(const std::string& path,
                                                            std::string& error);

}  // namespace bw::exporter
