#include <gtest/gtest.h>

#include <fstream>

#include "tests/unit/collector/store_test_support.h"
#include "tools/collector/store.h"

namespace bw::collector {
namespace {

using namespace testing;

TEST(StoreSchema, FirstOpenCreatesTheSchemaInWalModeWithFullSync) {
  ScratchDir dir;
  std::string error;
  auto store = Store::open(dir.file("c.db"), Store::Mode::kReadWrite, error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_EQ(scalar_int(*store, "SELECT value FROM meta WHERE key = 'schema_version'"), 1);
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
  EXPECT_EQ(store->last_sequence("s1"), 1u);
  EXPECT_EQ(store->last_sequence("s2"), 0u);
}

TEST(StoreSchema, NewerSchemaIsRefusedWithTheVersions) {
  ScratchDir dir;
  const std::string path = dir.file("c.db");
  std::string error;
  {
    auto store = Store::open(path, Store::Mode::kReadWrite, error);
    ASSERT_NE(store, nullptr) << error;
    ASSERT_TRUE(store->query(
        "UPDATE meta SET value = 2 WHERE key = 'schema_version'", {}, [](const SqlRow&) {}, error))
        << error;
  }
  EXPECT_EQ(Store::open(path, Store::Mode::kReadWrite, error), nullptr);
  EXPECT_EQ(error, path +
                       ": store schema version 2 is newer than the version this bw-collector "
                       "supports (1)");
  EXPECT_EQ(Store::open(path, Store::Mode::kReadOnly, error), nullptr);
  EXPECT_NE(error.find("version 2 is newer"), std::string::npos) << error;
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
