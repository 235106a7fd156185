// validate_batch: the rules a batch must pass before anything of it is stored.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "beaconwatch/v1/collector.pb.h"
#include "beaconwatch/v1/event.pb.h"
#include "collector/collector_service.h"

namespace bw::collector {
namespace {

namespace v1 = beaconwatch::v1;

v1::EventBatch batch_of(const std::string& sensor_id,
                        std::initializer_list<std::uint64_t> sequences,
                        std::uint64_t batch_id = 7) {
  v1::EventBatch batch;
  batch.set_batch_id(batch_id);
  for (const std::uint64_t sequence : sequences) {
    v1::Event& event = *batch.add_events();
    event.set_sensor_id(sensor_id);
    event.set_sequence(sequence);
  }
  return batch;
}

StreamPosition position(std::uint64_t last_sequence) {
  return {"sensor-1", last_sequence};
}

TEST(ValidateBatch, AcceptsIncreasingSequencesWithGapsAfterThePreviousBatch) {
  EXPECT_TRUE(validate_batch(batch_of("sensor-1", {11, 12, 20}), position(10)).ok());
  EXPECT_TRUE(validate_batch(batch_of("sensor-1", {1}), position(0)).ok());
}

TEST(ValidateBatch, RefusesEventsOfAnotherEpochThanTheHello) {
  StreamPosition hello_epoch = position(0);
  hello_epoch.stream_epoch = 0xfedcba9876543210;
  v1::EventBatch batch = batch_of("sensor-1", {1, 2});
  batch.mutable_events(0)->set_stream_epoch(0xfedcba9876543210);
  const grpc::Status status = validate_batch(batch, hello_epoch);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "event 2 has stream epoch 0 but the hello named 18364758544493064720");
  batch.mutable_events(1)->set_stream_epoch(0xfedcba9876543210);
  EXPECT_TRUE(validate_batch(batch, hello_epoch).ok());
}

TEST(ValidateBatch, RefusesAnEmptyBatch) {
  const grpc::Status status = validate_batch(batch_of("sensor-1", {}, 42), position(0));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "empty batch 42");
}

TEST(ValidateBatch, RefusesEventsOfAnotherSensorEvenAfterValidOnes) {
  v1::EventBatch batch = batch_of("sensor-1", {1, 2, 3});
  batch.mutable_events(2)->set_sensor_id("sensor-2");
  const grpc::Status status = validate_batch(batch, position(0));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "event 3 names sensor 'sensor-2' but the certificate is 'sensor-1'");
}

TEST(ValidateBatch, RefusesEventsWithoutSensorId) {
  EXPECT_EQ(validate_batch(batch_of("", {1}), position(0)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST(ValidateBatch, RefusesIdentityByCaseOrPrefixOnly) {
  EXPECT_EQ(validate_batch(batch_of("Sensor-1", {1}), position(0)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(validate_batch(batch_of("sensor-10", {1}), position(0)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST(ValidateBatch, RefusesSequenceZero) {
  const grpc::Status status = validate_batch(batch_of("sensor-1", {0, 1}), position(0));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "sequence 0 (sequences start at 1)");
}

TEST(ValidateBatch, RefusesRepeatedOrDecreasingSequencesWithinABatch) {
  const grpc::Status repeated = validate_batch(batch_of("sensor-1", {5, 6, 6}), position(0));
  EXPECT_EQ(repeated.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(repeated.error_message(), "sequences not increasing within batch 7: 6 after 6");
  const grpc::Status decreasing = validate_batch(batch_of("sensor-1", {5, 9, 8}), position(0));
  EXPECT_EQ(decreasing.error_message(), "sequences not increasing within batch 7: 8 after 9");
}

TEST(ValidateBatch, RefusesABatchStartingAtOrBelowThePreviousBatch) {
  const grpc::Status equal = validate_batch(batch_of("sensor-1", {10, 11}), position(10));
  EXPECT_EQ(equal.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(equal.error_message(), "sequence going backwards: batch starts at 10 after 10");
  const grpc::Status below = validate_batch(batch_of("sensor-1", {3, 4}), position(10));
  EXPECT_EQ(below.error_message(), "sequence going backwards: batch starts at 3 after 10");
}

TEST(StatusCodeName, NamesTheCodesOfTheProtocol) {
  EXPECT_EQ(status_code_name(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(status_code_name(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
  EXPECT_EQ(status_code_name(grpc::StatusCode::PERMISSION_DENIED), "PERMISSION_DENIED");
  EXPECT_EQ(status_code_name(grpc::StatusCode::INVALID_ARGUMENT), "INVALID_ARGUMENT");
  EXPECT_EQ(status_code_name(grpc::StatusCode::RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(status_code_name(grpc::StatusCode::UNAVAILABLE), "UNAVAILABLE");
  EXPECT_EQ(status_code_name(static_cast<grpc::StatusCode>(99)), "UNKNOWN");
}

}  // namespace
}  // namespace bw::collector
