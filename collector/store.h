// The collector's embedded store: one SQLite database in WAL mode.
//
// Every event is kept once per (sensor_id, stream_epoch, sequence); a batch is one transaction,
// committed before the collector acknowledges it, so a collector killed at any point has either
// stored a batch whole or not at all, and the sensor resends what was not acknowledged. The schema,
// its indexes and the questions they serve are documented in docs/COLLECTOR.md.
//
// Thread model: one Store per process, shared by every stream handler; calls are serialised
// inside (SQLite has one writer at a time anyway). Queries open their own read-only Store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sensor/common/counters.h"

namespace beaconwatch::v1 {
class Event;
}

namespace bw::collector {

#define BW_STORE_COUNTERS(X) \
  X(batches_committed)       \
  X(events_inserted)         \
  X(events_duplicate)        \
  X(commit_failures)         \
  X(health_reports)          \
  X(campaign_links)

struct StoreCounters {
  BW_DECLARE_COUNTERS(BW_STORE_COUNTERS)
};

// One SQL value as queries see it: NULL, INTEGER, REAL, or TEXT/BLOB bytes.
using SqlValue = std::variant<std::monostate, std::int64_t, double, std::string>;
using SqlRow = std::vector<SqlValue>;

struct BatchResult {
  std::uint32_t inserted = 0;
  std::uint32_t duplicates = 0;
  // Highest sequence stored for the sensor in the batch's stream epoch after this batch.
  std::uint64_t stored_through = 0;
  // Indexes (into the batch) of the events that were new: the SIEM output writes only those.
  std::vector<std::uint32_t> inserted_indexes;
};

class Store {
 public:
  enum class Mode { kReadWrite, kReadOnly };
  // Opens or creates the database, sets WAL mode and creates or checks the schema; a read-write
  // open migrates a version 1 store (before stream epochs) in one transaction. Returns nullptr
  // with a reason naming the path (unwritable, not a Beaconwatch store, newer schema, a version 1
  // store opened read-only).
  static std::unique_ptr<Store> open(const std::string& path, Mode mode, std::string& error);
  virtual ~Store() = default;

  // Highest sequence stored for the sensor in that stream epoch, 0 if none.
  virtual std::uint64_t last_sequence(std::string_view sensor_id, std::uint64_t stream_epoch) = 0;

  // A sensor connected: records last seen time, software version and peer address.
  virtual bool note_connection(std::string_view sensor_id, std::string_view software_version,
                               std::string_view peer, std::int64_t now_ns, std::string& error) = 0;

  // Stores the events (already validated: same sensor_id, same stream_epoch, increasing
  // sequences) in one transaction: new rows for unseen (stream_epoch, sequence) pairs, per-sensor
  // state (last seen, last sequence, counters of the latest health event), and cross-sensor
  // campaign links. On failure (disk full, I/O error) nothing of the batch is stored and `error`
  // names the cause.
  virtual bool insert_batch(std::string_view sensor_id,
                            const std::vector<const beaconwatch::v1::Event*>& events,
                            std::int64_t received_ns, BatchResult& result, std::string& error) = 0;

  virtual StoreCounters counters() const = 0;

  // Runs one SQL statement with `params` bound to ?1, ?2... and hands each result row to
  // `on_row`. This is how queries read the store without including sqlite3.h; on a kReadOnly
  // store SQLite itself refuses anything that writes.
  virtual bool query(std::string_view sql, const std::vector<SqlValue>& params,
                     const std::function<void(const SqlRow&)>& on_row, std::string& error) = 0;
};

}  // namespace bw::collector
