// An EventWriter that keeps every event in memory, for tests that inspect a replay's output.
#pragma once

#include <string>
#include <vector>

#include "beaconwatch/v1/event.pb.h"
#include "sensor/export/event_encoder.h"

namespace bw::testing {

class CollectingWriter final : public exporter::EventWriter {
 public:
  explicit CollectingWriter(std::vector<beaconwatch::v1::Event>& sink) : sink_(sink) {}
  bool write(const beaconwatch::v1::Event& event) override {
    sink_.push_back(event);
    return true;
  }
  bool flush() override { return true; }
  const std::string& error() const override { return error_; }

 private:
  std::vector<beaconwatch::v1::Event>& sink_;
  std::string error_;
};

}  // namespace bw::testing
