// Feeds arbitrary bytes, parsed as an Event, to the direct JSON printer: whatever it agrees to
// print must be byte for byte what protobuf's own printer prints.
#include <google/protobuf/util/json_util.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "beaconwatch/v1/event.pb.h"
#include "sensor/export/json/proto_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  beaconwatch::v1::Event event;
  if (!event.ParseFromArray(data, static_cast<int>(size))) return 0;
  std::string direct;
  if (!bw::exporter::json::append_proto_json(event, direct)) return 0;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string reference;
  if (!google::protobuf::util::MessageToJsonString(event, &reference, options).ok()) std::abort();
  if (direct != reference) std::abort();
  return 0;
}
