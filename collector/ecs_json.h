// SIEM output: one JSON object per event, with Elastic Common Schema names where ECS has a field
// for the value (source.ip, destination.domain, url.original, tls.client.ja3...) and the whole
// event in the project's protobuf JSON mapping under `beaconwatch`, so nothing is lost. The
// mapping table is in docs/COLLECTOR.md ("SIEM output").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace beaconwatch::v1 {
class Event;
}

namespace bw::collector {

// Writes the JSON object (no trailing newline) to `out`. False only when protobuf cannot map the
// event (e.g. a string field that is not UTF-8).
bool event_to_ecs_json(const beaconwatch::v1::Event& event, std::string& out);

// RFC 3339 UTC with nanoseconds, e.g. "2021-03-01T10:00:00.000000001Z".
std::string format_rfc3339_ns(std::int64_t unix_ns);

// Appends `text` as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view text);

// The shortest text that reads back as `value` (scores are floats in event.proto).
std::string float_text(float value);

}  // namespace bw::collector
