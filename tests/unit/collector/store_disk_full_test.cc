#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "collector/store.h"
#include "tests/unit/collector/store_test_support.h"

namespace bw::collector {
namespace {

using namespace testing;

constexpr std::uint32_t kBatchEvents = 100;

// A batch that needs fresh pages (about 50 KiB): 100 events of about 500 bytes.
std::vector<pb::Event> large_batch(std::uint64_t first_sequence) {
  std::vector<pb::Event> events;
  for (std::uint64_t i = 0; i < kBatchEvents; ++i) {
    events.push_back(http_event("s1", first_sequence + i, 1000 + static_cast<std::int64_t>(i),
                                "10.0.0.1", "a.example", "/" + std::string(500, 'x')));
  }
  return events;
}

void expect_fails_whole(Store& store, const std::string& path, std::uint64_t first_sequence) {
  const std::int64_t before = scalar_int(store, "SELECT count(*) FROM events");
  const std::vector<pb::Event> events = large_batch(first_sequence);
  BatchResult result;
  std::string error;
  EXPECT_FALSE(store.insert_batch("s1", pointers(events), 0, result, error));
  EXPECT_EQ(error, path + ": database or disk is full");
  EXPECT_EQ(result.inserted, 0u);
  EXPECT_TRUE(result.inserted_indexes.empty());
  EXPECT_EQ(scalar_int(store, "SELECT count(*) FROM events"), before);
  EXPECT_EQ(store.counters().commit_failures, 1u);
}

void expect_succeeds(Store& store, std::uint64_t first_sequence) {
  const std::vector<pb::Event> events = large_batch(first_sequence);
  BatchResult result;
  std::string error;
  ASSERT_TRUE(store.insert_batch("s1", pointers(events), 0, result, error)) << error;
  EXPECT_EQ(result.inserted, kBatchEvents);
  EXPECT_EQ(result.stored_through, first_sequence + kBatchEvents - 1);
}

// Runs everywhere: SQLite's page limit makes the database "full" without filling a disk.
TEST(StoreDiskFull, PageLimitFailsTheWholeBatchAndTheStoreRecovers) {
  ScratchDir dir;
  const std::string path = dir.file("c.db");
  std::string error;
  auto store = Store::open(path, Store::Mode::kReadWrite, error);
  ASSERT_NE(store, nullptr) << error;
  expect_succeeds(*store, 1);
  const std::int64_t pages = scalar_int(*store, "PRAGMA page_count");
  ASSERT_EQ(scalar_int(*store, "PRAGMA max_page_count = " + std::to_string(pages + 5)), pages + 5);
  expect_fails_whole(*store, path, 101);
  ASSERT_GT(scalar_int(*store, "PRAGMA max_page_count = 1000000"), pages);
  expect_succeeds(*store, 101);
  EXPECT_EQ(store->last_sequence("s1", 0), 200u);
}

// A real full file system: a 512 KiB tmpfs filled with a ballast file. Needs root to mount.
class StoreOnFullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
    if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, "size=512k") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs: " << std::strerror(errno);
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  // Writes until the file system refuses.
  void fill() {
    std::FILE* ballast = std::fopen(dir_.file("ballast").c_str(), "wb");
    ASSERT_NE(ballast, nullptr);
    const std::string block(4096, 'b');
    while (std::fwrite(block.data(), 1, block.size(), ballast) == block.size() &&
           std::fflush(ballast) == 0) {
    }
    std::fclose(ballast);
  }

  ScratchDir dir_;
  bool mounted_ = false;
};

TEST_F(StoreOnFullDisk, FullFileSystemFailsTheWholeBatchAndTheStoreRecovers) {
  const std::string path = dir_.file("c.db");
  std::string error;
  auto store = Store::open(path, Store::Mode::kReadWrite, error);
  ASSERT_NE(store, nullptr) << error;
  expect_succeeds(*store, 1);
  fill();
  expect_fails_whole(*store, path, 101);
  std::filesystem::remove(dir_.file("ballast"));
  expect_succeeds(*store, 101);
  EXPECT_EQ(store->last_sequence("s1", 0), 200u);
  EXPECT_EQ(scalar_int(*store, "SELECT count(*) FROM events"), 200);
}

}  // namespace
}  // namespace bw::collector
