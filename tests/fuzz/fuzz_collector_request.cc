// Arbitrary bytes as a StreamRequest, judged by validate_batch against a stream of "sensor-1"
// in stream epoch 0 whose previous batch ended at sequence 100. Beyond not crashing, an accepted
// batch must really satisfy every rule, and a refused one must say why.
#include <cstddef>
#include <cstdint>

#include "beaconwatch/v1/collector.pb.h"
#include "beaconwatch/v1/event.pb.h"
#include "collector/collector_service.h"

namespace {

bool acceptable(const beaconwatch::v1::EventBatch& batch,
                const bw::collector::StreamPosition& position) {
  if (batch.events().empty()) return false;
  std::uint64_t previous = position.last_sequence;
  for (const beaconwatch::v1::Event& event : batch.events()) {
    if (event.sensor_id() != position.sensor_id || event.sequence() <= previous ||
        event.stream_epoch() != position.stream_epoch) {
      return false;
    }
    previous = event.sequence();
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  beaconwatch::v1::StreamRequest request;
  if (size > (1u << 20) || !request.ParseFromArray(data, static_cast<int>(size))) return 0;
  if (!request.has_batch()) return 0;
  static const bw::collector::StreamPosition kPosition{"sensor-1", 100};
  const grpc::Status status = bw::collector::validate_batch(request.batch(), kPosition);
  if (status.ok() != acceptable(request.batch(), kPosition)) __builtin_trap();
  if (!status.ok() && status.error_message().empty()) __builtin_trap();
  return 0;
}
