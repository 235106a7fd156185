#include <gtest/gtest.h>

#include <limits>

#include "collector/store.h"
#include "tests/unit/collector/store_test_support.h"

namespace bw::collector {
namespace {

using namespace testing;

class StoreBatch : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Store::open(dir_.file("c.db"), Store::Mode::kReadWrite, error_);
    ASSERT_NE(store_, nullptr) << error_;
  }
  BatchResult insert(const std::string& sensor, const std::vector<pb::Event>& events,
                     std::int64_t received_ns = 1000) {
    BatchResult result;
    EXPECT_TRUE(store_->insert_batch(sensor, pointers(events), received_ns, result, error_))
        << error_;
    return result;
  }

  ScratchDir dir_;
  std::string error_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreBatch, NewEventsAreInsertedAndResentOnesCountedAsDuplicates) {
  const BatchResult first = insert("s1", {http_event("s1", 1, 10, "10.0.0.1", "a.example", "/1"),
                                          http_event("s1", 2, 20, "10.0.0.1", "a.example", "/2")});
  EXPECT_EQ(first.inserted, 2u);
  EXPECT_EQ(first.duplicates, 0u);
  EXPECT_EQ(first.stored_through, 2u);
  EXPECT_EQ(first.inserted_indexes, (std::vector<std::uint32_t>{0, 1}));

  // A resend after a lost ack overlaps what is stored.
  const BatchResult second = insert("s1", {http_event("s1", 2, 20, "10.0.0.1", "a.example", "/2"),
                                           http_event("s1", 3, 30, "10.0.0.1", "a.example", "/3")});
  EXPECT_EQ(second.inserted, 1u);
  EXPECT_EQ(second.duplicates, 1u);
  EXPECT_EQ(second.stored_through, 3u);
  EXPECT_EQ(second.inserted_indexes, (std::vector<std::uint32_t>{1}));

  EXPECT_EQ(scalar_int(*store_, "SELECT count(*) FROM events"), 3);
  EXPECT_EQ(store_->last_sequence("s1", 0), 3u);
  const StoreCounters counters = store_->counters();
  EXPECT_EQ(counters.batches_committed, 2u);
  EXPECT_EQ(counters.events_inserted, 3u);
  EXPECT_EQ(counters.events_duplicate, 1u);
  EXPECT_EQ(counters.commit_failures, 0u);
}

TEST_F(StoreBatch, StoredThroughIsTheSensorsHighestEvenForAnOldResend) {
  insert("s1", {http_event("s1", 5, 10, "10.0.0.1", "a.example", "/")});
  const BatchResult old = insert("s1", {http_event("s1", 5, 10, "10.0.0.1", "a.example", "/")});
  EXPECT_EQ(old.inserted, 0u);
  EXPECT_EQ(old.stored_through, 5u);
  EXPECT_TRUE(old.inserted_indexes.empty());
}

TEST_F(StoreBatch, SequencesAreKeptPerSensor) {
  insert("s1", {http_event("s1", 1, 10, "10.0.0.1", "a.example", "/")});
  const BatchResult other = insert("s2", {http_event("s2", 1, 10, "10.0.0.2", "a.example", "/")});
  EXPECT_EQ(other.inserted, 1u);
  EXPECT_EQ(scalar_int(*store_, "SELECT count(*) FROM events"), 2);
}

TEST_F(StoreBatch, IndexedColumnsComeFromTheEvent) {
  insert("s1", {http_event("s1", 1, 10, "10.0.0.1", "Img.Example.COM:8080", "/p.gif"),
                beacon_event("s1", 2, 20, "10.0.0.1", "img.example.com", "example.com",
                             "/p/{hex32}.gif", 7.5f)});
  std::vector<SqlRow> rows;
  ASSERT_TRUE(store_->query(
      "SELECT sensor_id, sequence, timestamp_ns, received_ns, kind, client_ip, server_ip, host, "
      "registrable_domain, url_template, campaign_id, score FROM events ORDER BY sequence",
      {}, [&](const SqlRow& row) { rows.push_back(row); }, error_))
      << error_;
  ASSERT_EQ(rows.size(), 2u);
  const SqlValue null;
  EXPECT_EQ(rows[0],
            (SqlRow{std::string("s1"), std::int64_t{1}, std::int64_t{10}, std::int64_t{1000},
                    std::string("http"), std::string("10.0.0.1"), std::string("203.0.113.7"),
                    std::string("img.example.com"), null, null, null, null}));
  EXPECT_EQ(rows[1],
            (SqlRow{std::string("s1"), std::int64_t{2}, std::int64_t{20}, std::int64_t{1000},
                    std::string("beacon"), std::string("10.0.0.1"), std::string("203.0.113.7"),
                    std::string("img.example.com"), std::string("example.com"),
                    std::string("/p/{hex32}.gif"), null, 7.5}));
  // The blob is the event itself.
  pb::Event stored;
  ASSERT_TRUE(
      stored.ParseFromString(scalar_text(*store_, "SELECT event FROM events WHERE sequence = 2")));
  EXPECT_EQ(stored.beacon().url_template(), "/p/{hex32}.gif");
}

TEST_F(StoreBatch, SensorStateTracksConnectionsBatchesAndTheLatestHealth) {
  ASSERT_TRUE(store_->note_connection("s1", "0.1.0", "ipv4:127.0.0.1:5555", 500, error_)) << error_;
  insert("s1",
         {health_event("s1", 1, 600,
                       "counters { name: 'capture.kernel_dropped' value: 4 } counters { name: "
                       "'spool.pending_events' value: 12 }"),
          http_event("s1", 2, 650, "10.0.0.1", "a.example", "/"),
          health_event("s1", 3, 700, "counters { name: 'capture.kernel_dropped' value: 9 }")},
         2000);
  std::vector<SqlRow> rows;
  ASSERT_TRUE(store_->query(
      "SELECT first_seen_ns, last_seen_ns, last_sequence, events_stored, "
      "software_version, peer, health_json, health_ns FROM sensors",
      {}, [&](const SqlRow& row) { rows.push_back(row); }, error_))
      << error_;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0],
            (SqlRow{std::int64_t{500}, std::int64_t{2000}, std::int64_t{3}, std::int64_t{3},
                    std::string("0.1.0"), std::string("ipv4:127.0.0.1:5555"),
                    std::string(R"({"capture.kernel_dropped":9})"), std::int64_t{700}}));
  EXPECT_EQ(store_->counters().health_reports, 2u);

  // An older health report arriving later (another sensor clock) does not replace the newer one.
  insert("s1", {health_event("s1", 4, 650, "counters { name: 'capture.kernel_dropped' value: 1 }")},
         3000);
  EXPECT_EQ(scalar_text(*store_, "SELECT health_json FROM sensors"),
            R"({"capture.kernel_dropped":9})");
  EXPECT_EQ(scalar_int(*store_, "SELECT last_seen_ns FROM sensors"), 3000);
}

TEST_F(StoreBatch, BeaconsLinkTemplateAndDomainKeysAcrossSensors) {
  insert("s1", {beacon_event("s1", 1, 100, "10.0.0.1", "img.news.example", "news.example",
                             "/o/{hex32}.gif", 8)});
  insert("s2", {beacon_event("s2", 1, 90, "10.1.0.5", "img.news.example", "news.example",
                             "/o/{hex32}.gif", 8),
                beacon_event("s2", 2, 300, "10.1.0.5", "img.news.example", "news.example",
                             "/o/{hex32}.gif", 8)});
  std::vector<SqlRow> keys;
  ASSERT_TRUE(store_->query(
      "SELECT key_kind, key, first_seen_ns, last_seen_ns FROM campaign_keys ORDER BY key_kind", {},
      [&](const SqlRow& row) { keys.push_back(row); }, error_))
      << error_;
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], (SqlRow{std::string("domain"), std::string("news.example"), std::int64_t{90},
                             std::int64_t{300}}));
  EXPECT_EQ(keys[1], (SqlRow{std::string("template"), std::string("/o/{hex32}.gif"),
                             std::int64_t{90}, std::int64_t{300}}));
  // One sighting per key, sensor and host: the first.
  std::vector<SqlRow> sightings;
  ASSERT_TRUE(store_->query(
      "SELECT sensor_id, client_ip, sequence, timestamp_ns FROM campaign_sightings "
      "WHERE key_kind = 'template' ORDER BY sensor_id",
      {}, [&](const SqlRow& row) { sightings.push_back(row); }, error_))
      << error_;
  ASSERT_EQ(sightings.size(), 2u);
  EXPECT_EQ(sightings[0], (SqlRow{std::string("s1"), std::string("10.0.0.1"), std::int64_t{1},
                                  std::int64_t{100}}));
  EXPECT_EQ(sightings[1], (SqlRow{std::string("s2"), std::string("10.1.0.5"), std::int64_t{1},
                                  std::int64_t{90}}));
  EXPECT_EQ(store_->counters().campaign_links, 4u);
}

TEST_F(StoreBatch, CampaignUpdatesLinkEveryMemberAndRecordTheSensorsCampaignId) {
  insert("s1", {parse_event("sensor_id: 's1' sequence: 1 timestamp_ns: 500 campaign { "
                            "campaign_id: 'c-17' key_kind: 'sni' key: 'Track.Example' "
                            "distinct_hosts: 2 first_seen_ns: 100 last_seen_ns: 400 "
                            "members { client_ip: '10.0.0.1' first_seen_ns: 100 } "
                            "members { client_ip: '10.0.0.2' first_seen_ns: 400 } }")});
  EXPECT_EQ(scalar_int(*store_,
                       "SELECT count(*) FROM campaign_sightings WHERE key_kind = 'sni' "
                       "AND key = 'Track.Example' AND sensor_id = 's1'"),
            2);
  EXPECT_EQ(scalar_text(*store_, "SELECT campaign_id FROM campaign_reports"), "c-17");
  EXPECT_EQ(scalar_int(*store_, "SELECT first_seen_ns FROM campaign_keys"), 100);
  EXPECT_EQ(scalar_int(*store_, "SELECT last_seen_ns FROM campaign_keys"), 400);
  EXPECT_EQ(scalar_text(*store_, "SELECT host FROM events"), "track.example");
  EXPECT_EQ(scalar_text(*store_, "SELECT campaign_id FROM events"), "c-17");
}

TEST_F(StoreBatch, DuplicateEventsDoNotRelinkOrRecount) {
  const std::vector<pb::Event> batch = {
      beacon_event("s1", 1, 100, "10.0.0.1", "a.example", "a.example", "/x/{hex32}", 8)};
  insert("s1", batch);
  insert("s1", batch);
  EXPECT_EQ(store_->counters().campaign_links, 2u);
  EXPECT_EQ(scalar_int(*store_, "SELECT events_stored FROM sensors"), 1);
}

TEST_F(StoreBatch, SequenceBeyondSqliteIntegersIsRefusedAndNothingStored) {
  const std::vector<pb::Event> events = {http_event("s1", 1, 10, "10.0.0.1", "a.example", "/"),
                                         http_event("s1", std::numeric_limits<std::uint64_t>::max(),
                                                    10, "10.0.0.1", "a.example", "/")};
  BatchResult result;
  EXPECT_FALSE(store_->insert_batch("s1", pointers(events), 0, result, error_));
  EXPECT_EQ(error_, dir_.file("c.db") + ": sequence 18446744073709551615 is out of range");
  EXPECT_EQ(scalar_int(*store_, "SELECT count(*) FROM events"), 0);
}

TEST_F(StoreBatch, EmptyBatchCommitsNothingButReportsStoredThrough) {
  insert("s1", {http_event("s1", 7, 10, "10.0.0.1", "a.example", "/")});
  const BatchResult result = insert("s1", {});
  EXPECT_EQ(result.inserted, 0u);
  EXPECT_EQ(result.stored_through, 7u);
}

}  // namespace
}  // namespace bw::collector
