#include <gtest/gtest.h>

#include <fstream>

#include "collector/store.h"
#include "tests/unit/collector/store_test_support.h"

namespace bw::collector {
namespace {

using namespace testing;

TEST(StoreSchema, FirstOpenCreatesTheSchemaInWalModeWithFullSync) {
  ScratchDir dir;
  std::string error;
  auto store = Store::open(dir.file("c.db"), Store::Mode::kReadWrite, error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_EQ(scalar_int(*store, "SELECT value FROM meta WHERE key = 'schema_version'"), 2);
  EXPECT_EQ(scalar_text(*store, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(scalar_int(*store, "PRAGMA synchronous"), 2);  // FULL
  EXPECT_EQ(scalar_int(*store,
                       "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                       "('events', 'sensors', 'campaign_keys', 'campaign_sightings', "
                       "'campaign_reports')"),
            5);
  EXPECT_EQ(scalar_int(*store,
                       "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                       "(name LIKE 'events_by_%' OR name = 'alerts_by_time')"),
            7);
}

TEST(StoreSchema, ReopeningKeepsTheData) {
  ScratchDir dir;
  std::string error;
  {
    auto store = Store::open(dir.file("c.db"), Store::Mode::kReadWrite, error);
    ASSERT_NE(store, nullptr) << error;
    const std::vector<pb::Event> events = {http_event("s1", 1, 10, "10.0.0.1", "a.example", "/")};
    BatchResult result;
    ASSERT_TRUE(store->insert_batch("s1", pointers(events), 100, result, error)) << error;
  }
  auto store = Store::open(dir.file("c.db"), Store::Mode::kReadWrite, error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_EQ(store->last_sequence("s1", 0), 1u);
  EXPECT_EQ(store->last_sequence("s2", 0), 0u);
}

TEST(StoreSchema, NewerSchemaIsRefusedWithTheVersions) {
  ScratchDir dir;
  const std::string path = dir.file("c.db");
  std::string error;
  {
    auto store = Store::open(path, Store::Mode::kReadWrite, error);
    ASSERT_NE(store, nullptr) << error;
    ASSERT_TRUE(store->query(
        "UPDATE meta SET value = 3 WHERE key = 'schema_version'", {}, [](const SqlRow&) {}, error))
        << error;
  }
  EXPECT_EQ(Store::open(path, Store::Mode::kReadWrite, error), nullptr);
  EXPECT_EQ(error, path +
                       ": store schema version 3 is newer than the version this bw-collector "
                       "supports (2)");
  EXPECT_EQ(Store::open(path, Store::Mode::kReadOnly, error), nullptr);
  EXPECT_NE(error.find("version 3 is newer"), std::string::npos) << error;
}

// A store written by the collector before stream epochs (schema version 1, exactly as it was
// created), built through ATTACH from a current store's connection.
void write_version_1_store(const ScratchDir& dir, const std::string& path) {
  std::string error;
  auto helper = Store::open(dir.file("helper.db"), Store::Mode::kReadWrite, error);
  ASSERT_NE(helper, nullptr) << error;
  const auto run = [&](const std::string& sql) {
    ASSERT_TRUE(helper->query(
        sql, {}, [](const SqlRow&) {}, error))
        << error << "\n"
        << sql;
  };
  run("ATTACH DATABASE '" + path + "' AS old");
  run("CREATE TABLE old.meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID");
  run("INSERT INTO old.meta (key, value) VALUES ('schema_version', 1)");
  run("CREATE TABLE old.events (sensor_id TEXT NOT NULL, sequence INTEGER NOT NULL, "
      "timestamp_ns INTEGER NOT NULL, received_ns INTEGER NOT NULL, kind TEXT NOT NULL, "
      "client_ip TEXT, server_ip TEXT, host TEXT, registrable_domain TEXT, url_template TEXT, "
      "campaign_id TEXT, score REAL, event BLOB NOT NULL, PRIMARY KEY (sensor_id, sequence))");
  run("CREATE INDEX old.events_by_time ON events (timestamp_ns)");
  run("CREATE INDEX old.events_by_host ON events (host, timestamp_ns) WHERE host IS NOT NULL");
  run("CREATE TABLE old.sensors (sensor_id TEXT PRIMARY KEY, first_seen_ns INTEGER NOT NULL, "
      "last_seen_ns INTEGER NOT NULL, last_sequence INTEGER NOT NULL DEFAULT 0, "
      "events_stored INTEGER NOT NULL DEFAULT 0, software_version TEXT, peer TEXT, "
      "health_json TEXT, health_ns INTEGER) WITHOUT ROWID");
  run("CREATE TABLE old.campaign_keys (key_kind TEXT NOT NULL, key TEXT NOT NULL, "
      "first_seen_ns INTEGER NOT NULL, last_seen_ns INTEGER NOT NULL, "
      "PRIMARY KEY (key_kind, key)) WITHOUT ROWID");
  run("CREATE TABLE old.campaign_sightings (key_kind TEXT NOT NULL, key TEXT NOT NULL, "
      "sensor_id TEXT NOT NULL, client_ip TEXT NOT NULL, sequence INTEGER NOT NULL, "
      "timestamp_ns INTEGER NOT NULL, PRIMARY KEY (key_kind, key, sensor_id, client_ip)) "
      "WITHOUT ROWID");
  run("CREATE TABLE old.campaign_reports (key_kind TEXT NOT NULL, key TEXT NOT NULL, "
      "sensor_id TEXT NOT NULL, campaign_id TEXT NOT NULL, "
      "PRIMARY KEY (key_kind, key, sensor_id, campaign_id)) WITHOUT ROWID");
  for (int sequence = 1; sequence <= 3; ++sequence) {
    run("INSERT INTO old.events (sensor_id, sequence, timestamp_ns, received_ns, kind, host, "
        "event) VALUES ('s1', " +
        std::to_string(sequence) + ", " + std::to_string(sequence * 10) +
        ", 100, 'http', 'a.example', x'')");
  }
  run("INSERT INTO old.sensors (sensor_id, first_seen_ns, last_seen_ns, last_sequence, "
      "events_stored) VALUES ('s1', 100, 100, 3, 3)");
  run("INSERT INTO old.campaign_sightings VALUES ('domain', 'a.example', 's1', '10.0.0.1', 2, 20)");
  run("DETACH DATABASE old");
}

TEST(StoreSchema, VersionOneStoreIsMigratedWithItsEventsInEpochZero) {
  ScratchDir dir;
  const std::string path = dir.file("v1.db");
  write_version_1_store(dir, path);
  std::string error;
  // Queries never write: a store not yet migrated is refused with what to do.
  EXPECT_EQ(Store::open(path, Store::Mode::kReadOnly, error), nullptr);
  EXPECT_EQ(error, path +
                       ": store schema version 1 predates stream epochs; bw-collector serve "
                       "migrates it (docs/COLLECTOR.md, \"Migration\")");

  auto store = Store::open(path, Store::Mode::kReadWrite, error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_EQ(scalar_int(*store, "SELECT value FROM meta WHERE key = 'schema_version'"), 2);
  EXPECT_EQ(scalar_int(*store, "SELECT count(*) FROM events WHERE stream_epoch = 0"), 3);
  EXPECT_EQ(scalar_int(*store, "SELECT sum(timestamp_ns) FROM events"), 60);
  EXPECT_EQ(scalar_int(*store, "SELECT last_stream_epoch FROM sensors WHERE sensor_id = 's1'"), 0);
  EXPECT_EQ(scalar_int(*store, "SELECT stream_epoch FROM campaign_sightings"), 0);
  EXPECT_EQ(scalar_int(*store,
                       "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                       "(name LIKE 'events_by_%' OR name = 'alerts_by_time')"),
            7);
  EXPECT_EQ(store->last_sequence("s1", 0), 3u);

  // An old-contract sensor resending 3 and going on at 4 is deduplicated in epoch 0; the same
  // sequences from a new spool are new events.
  BatchResult result;
  const std::vector<pb::Event> old_contract = {
      http_event("s1", 3, 30, "10.0.0.1", "a.example", "/3"),
      http_event("s1", 4, 40, "10.0.0.1", "a.example", "/4")};
  ASSERT_TRUE(store->insert_batch("s1", pointers(old_contract), 200, result, error)) << error;
  EXPECT_EQ(result.inserted, 1u);
  EXPECT_EQ(result.duplicates, 1u);
  EXPECT_EQ(result.stored_through, 4u);
  std::vector<pb::Event> new_spool = {http_event("s1", 1, 50, "10.0.0.1", "a.example", "/new")};
  new_spool[0].set_stream_epoch(0x8000'0000'0000'0001);
  ASSERT_TRUE(store->insert_batch("s1", pointers(new_spool), 300, result, error)) << error;
  EXPECT_EQ(result.inserted, 1u);
  EXPECT_EQ(result.stored_through, 1u);
  EXPECT_EQ(store->last_sequence("s1", 0x8000'0000'0000'0001), 1u);
  EXPECT_EQ(store->last_sequence("s1", 0), 4u);
  EXPECT_EQ(scalar_int(*store, "SELECT count(*) FROM events"), 5);
  EXPECT_EQ(scalar_int(*store, "SELECT last_sequence FROM sensors WHERE sensor_id = 's1'"), 1);
  EXPECT_EQ(scalar_int(*store, "SELECT events_stored FROM sensors WHERE sensor_id = 's1'"), 5);
  store.reset();
  // Migrated once: reopening finds version 2 and leaves it alone.
  store = Store::open(path, Store::Mode::kReadOnly, error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_EQ(scalar_int(*store, "SELECT count(*) FROM events"), 5);
}

TEST(StoreSchema, ForeignSqliteDatabaseIsRefused) {
  ScratchDir dir;
  const std::string path = dir.file("c.db");
  std::string error;
  {
    auto store = Store::open(path, Store::Mode::kReadWrite, error);
    ASSERT_NE(store, nullptr) << error;
    ASSERT_TRUE(store->query(
        "DROP TABLE meta", {}, [](const SqlRow&) {}, error))
        << error;
  }
  EXPECT_EQ(Store::open(path, Store::Mode::kReadWrite, error), nullptr);
  EXPECT_EQ(error, path + ": not a Beaconwatch store (no meta table)");
}

TEST(StoreSchema, FileThatIsNotSqliteIsRefusedNamingThePath) {
  ScratchDir dir;
  const std::string path = dir.file("notes.txt");
  std::ofstream(path) << "these are not the pages you are looking for, not a database at all\n";
  std::string error;
  EXPECT_EQ(Store::open(path, Store::Mode::kReadWrite, error), nullptr);
  EXPECT_EQ(error, path + ": file is not a database");
}

TEST(StoreSchema, UnwritableLocationIsRefusedNamingThePath) {
  ScratchDir dir;
  const std::string path = dir.file("missing/dir/c.db");
  std::string error;
  EXPECT_EQ(Store::open(path, Store::Mode::kReadWrite, error), nullptr);
  EXPECT_EQ(error, path + ": cannot open: unable to open database file");
}

TEST(StoreSchema, ReadOnlyDoesNotCreateAndRefusesWrites) {
  ScratchDir dir;
  const std::string path = dir.file("c.db");
  std::string error;
  EXPECT_EQ(Store::open(path, Store::Mode::kReadOnly, error), nullptr);
  EXPECT_EQ(error, path + ": cannot open: unable to open database file");
  EXPECT_FALSE(std::filesystem::exists(path));

  auto writer = Store::open(path, Store::Mode::kReadWrite, error);
  ASSERT_NE(writer, nullptr) << error;
  const std::vector<pb::Event> events = {http_event("s1", 1, 10, "10.0.0.1", "a.example", "/")};
  BatchResult result;
  ASSERT_TRUE(writer->insert_batch("s1", pointers(events), 100, result, error)) << error;

  // The reader opens while the writer still has the database open, as queries do.
  auto reader = Store::open(path, Store::Mode::kReadOnly, error);
  ASSERT_NE(reader, nullptr) << error;
  EXPECT_EQ(scalar_int(*reader, "SELECT count(*) FROM events"), 1);
  EXPECT_FALSE(reader->query(
      "DELETE FROM events", {}, [](const SqlRow&) {}, error));
  EXPECT_EQ(error, path + ": attempt to write a readonly database");

  const std::vector<pb::Event> more = {http_event("s1", 2, 20, "10.0.0.1", "a.example", "/2")};
  ASSERT_TRUE(writer->insert_batch("s1", pointers(more), 100, result, error)) << error;
  EXPECT_EQ(scalar_int(*reader, "SELECT count(*) FROM events"), 2);
}

TEST(StoreSchema, QueryReportsSqlErrorsNamingThePath) {
  ScratchDir dir;
  const std::string path = dir.file("c.db");
  std::string error;
  auto store = Store::open(path, Store::Mode::kReadWrite, error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_FALSE(store->query(
      "SELECT nope FROM events", {}, [](const SqlRow&) {}, error));
  EXPECT_EQ(error, path + ": no such column: nope");
}

}  // namespace
}  // namespace bw::collector
