// Hand-built events and a scratch database directory for the store, query and SIEM output tests.
#pragma once

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "beaconwatch/v1/event.pb.h"
#include "collector/store.h"

namespace bw::collector::testing {

namespace pb = beaconwatch::v1;

inline pb::Event parse_event(const std::string& text) {
  pb::Event event;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &event)) << text;
  return event;
}

inline std::string envelope(const std::string& sensor, std::uint64_t sequence,
                            std::int64_t timestamp_ns, const std::string& client_ip) {
  return "sensor_id: '" + sensor + "' sequence: " + std::to_string(sequence) +
         " timestamp_ns: " + std::to_string(timestamp_ns) + " flow { client_ip: '" + client_ip +
         "' client_port: 50000 server_ip: '203.0.113.7' server_port: 80 transport: TRANSPORT_TCP }";
}

inline pb::Event http_event(const std::string& sensor, std::uint64_t sequence,
                            std::int64_t timestamp_ns, const std::string& client_ip,
                            const std::string& host, const std::string& uri) {
  return parse_event(envelope(sensor, sequence, timestamp_ns, client_ip) +
                     " http { request { method: 'GET' host: '" + host + "' uri: '" + uri + "' } }");
}

inline pb::Event beacon_event(const std::string& sensor, std::uint64_t sequence,
                              std::int64_t timestamp_ns, const std::string& client_ip,
                              const std::string& host, const std::string& domain,
                              const std::string& url_template, float score) {
  return parse_event(
      envelope(sensor, sequence, timestamp_ns, client_ip) +
      " beacon { score: " + std::to_string(score) + " threshold: 5 host: '" + host +
      "' registrable_domain: '" + domain + "' url_template: '" + url_template +
      "' reasons { signal: 'pixel_response' weight: 2 } reasons { signal: "
      "'per_recipient_token' weight: 3 } reasons { signal: 'mail_client' weight: 1.5 } "
      "reasons { signal: 'cache_busting' weight: 0.5 } }");
}

inline pb::Event health_event(const std::string& sensor, std::uint64_t sequence,
                              std::int64_t timestamp_ns, const std::string& counters) {
  return parse_event("sensor_id: '" + sensor + "' sequence: " + std::to_string(sequence) +
                     " timestamp_ns: " + std::to_string(timestamp_ns) + " health { uptime_s: 60 " +
                     counters + " }");
}

inline std::vector<const pb::Event*> pointers(const std::vector<pb::Event>& events) {
  std::vector<const pb::Event*> out;
  for (const pb::Event& event : events)
    out.push_back(&event);
  return out;
}

// A fresh directory per test, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("bw_store_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// First column of the first row of a one-value query.
inline SqlValue scalar(Store& store, const std::string& sql, std::vector<SqlValue> params = {}) {
  SqlValue value;
  std::string error;
  EXPECT_TRUE(store.query(
      sql, params, [&](const SqlRow& row) { value = row.at(0); }, error))
      << error;
  return value;
}

inline std::int64_t scalar_int(Store& store, const std::string& sql,
                               std::vector<SqlValue> params = {}) {
  const SqlValue value = scalar(store, sql, std::move(params));
  const auto* number = std::get_if<std::int64_t>(&value);
  return number != nullptr ? *number : -1;
}

inline std::string scalar_text(Store& store, const std::string& sql,
                               std::vector<SqlValue> params = {}) {
  const SqlValue value = scalar(store, sql, std::move(params));
  const auto* text = std::get_if<std::string>(&value);
  return text != nullptr ? *text : "<not text>";
}

}  // namespace bw::collector::testing
