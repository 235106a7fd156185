// The SQLite adapter: the only file that includes sqlite3.h. Schema and durability choices are
// documented in docs/COLLECTOR.md ("Store schema").
#include "collector/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <mutex>

#include "beaconwatch/v1/event.pb.h"
#include "collector/ecs_json.h"
#include "collector/store_columns.h"

namespace bw::collector {
namespace {

namespace pb = beaconwatch::v1;

// 2: stream epochs (events keyed on (sensor_id, stream_epoch, sequence)); 1 is migrated on open.
constexpr std::int64_t kSchemaVersion = 2;
constexpr std::int64_t kSchemaVersionBeforeEpochs = 1;
// Long enough for a query's read snapshot or a checkpoint to finish, short enough that a stuck
// writer surfaces as an error instead of a hung stream.
constexpr int kBusyTimeoutMs = 5000;

// Stream epochs are unsigned 64-bit; SQLite integers are signed, so an epoch is stored as the
// same 64 bits read as a signed number (epochs above 2^63 are negative in SQL) and turned back
// when read. Equality and uniqueness, all the store needs of them, are unaffected.
//
// The events table is created under a given name: the migration from version 1 builds the new
// table beside the old one, copies the rows and swaps the names.
constexpr const char* kEventsColumns = R"sql((
  sensor_id TEXT NOT NULL,
  stream_epoch INTEGER NOT NULL DEFAULT 0,
  sequence INTEGER NOT NULL,
  timestamp_ns INTEGER NOT NULL,
  received_ns INTEGER NOT NULL,
  kind TEXT NOT NULL,
  client_ip TEXT,
  server_ip TEXT,
  host TEXT,
  registrable_domain TEXT,
  url_template TEXT,
  campaign_id TEXT,
  score REAL,
  event BLOB NOT NULL,
  PRIMARY KEY (sensor_id, stream_epoch, sequence));
)sql";
constexpr const char* kCreateEventIndexes = R"sql(
CREATE INDEX events_by_time ON events (timestamp_ns);
CREATE INDEX alerts_by_time ON events (timestamp_ns) WHERE kind = 'beacon';
CREATE INDEX events_by_client ON events (client_ip, timestamp_ns) WHERE client_ip IS NOT NULL;
CREATE INDEX events_by_host ON events (host, timestamp_ns) WHERE host IS NOT NULL;
CREATE INDEX events_by_domain ON events (registrable_domain, host)
  WHERE registrable_domain IS NOT NULL;
CREATE INDEX events_by_campaign ON events (campaign_id) WHERE campaign_id IS NOT NULL;
CREATE INDEX events_by_template ON events (url_template) WHERE url_template IS NOT NULL;
)sql";
constexpr const char* kCreateOtherTables = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE sensors (
  sensor_id TEXT PRIMARY KEY,
  first_seen_ns INTEGER NOT NULL,
  last_seen_ns INTEGER NOT NULL,
  last_sequence INTEGER NOT NULL DEFAULT 0,
  events_stored INTEGER NOT NULL DEFAULT 0,
  last_stream_epoch INTEGER NOT NULL DEFAULT 0,
  software_version TEXT,
  peer TEXT,
  health_json TEXT,
  health_ns INTEGER) WITHOUT ROWID;
CREATE TABLE campaign_keys (
  key_kind TEXT NOT NULL,
  key TEXT NOT NULL,
  first_seen_ns INTEGER NOT NULL,
  last_seen_ns INTEGER NOT NULL,
  PRIMARY KEY (key_kind, key)) WITHOUT ROWID;
CREATE TABLE campaign_sightings (
  key_kind TEXT NOT NULL,
  key TEXT NOT NULL,
  sensor_id TEXT NOT NULL,
  client_ip TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  timestamp_ns INTEGER NOT NULL,
  stream_epoch INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (key_kind, key, sensor_id, client_ip)) WITHOUT ROWID;
CREATE TABLE campaign_reports (
  key_kind TEXT NOT NULL,
  key TEXT NOT NULL,
  sensor_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  PRIMARY KEY (key_kind, key, sensor_id, campaign_id)) WITHOUT ROWID;
)sql";

std::string create_schema_sql() {
  return std::string(kCreateOtherTables) + "CREATE TABLE events " + kEventsColumns + ";" +
         kCreateEventIndexes;
}

// Version 1 -> 2, in the caller's transaction: every stored event was sent before epochs, so it
// becomes epoch 0, where a sensor still on the old contract keeps sending. The primary key
// changes, which SQLite's ALTER TABLE cannot do: the rows are copied into a new table.
std::string migrate_from_version_1_sql() {
  return std::string("CREATE TABLE events_v2 ") + kEventsColumns + ";" +
         "INSERT INTO events_v2 (sensor_id, stream_epoch, sequence, timestamp_ns, received_ns, "
         "kind, client_ip, server_ip, host, registrable_domain, url_template, campaign_id, score, "
         "event) SELECT sensor_id, 0, sequence, timestamp_ns, received_ns, kind, client_ip, "
         "server_ip, host, registrable_domain, url_template, campaign_id, score, event "
         "FROM events;"
         "DROP TABLE events;"
         "ALTER TABLE events_v2 RENAME TO events;" +
         kCreateEventIndexes +
         "ALTER TABLE sensors ADD COLUMN last_stream_epoch INTEGER NOT NULL DEFAULT 0;"
         "ALTER TABLE campaign_sightings ADD COLUMN stream_epoch INTEGER NOT NULL DEFAULT 0;"
         "UPDATE meta SET value = 2 WHERE key = 'schema_version';";
}

std::int64_t epoch_column(std::uint64_t epoch) {
  return static_cast<std::int64_t>(epoch);
}

constexpr const char* kInsertEvent =
    "INSERT OR IGNORE INTO events (sensor_id, sequence, timestamp_ns, received_ns, kind, "
    "client_ip, server_ip, host, registrable_domain, url_template, campaign_id, score, event, "
    "stream_epoch) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
// last_sequence is that of the epoch the sensor last sent in: a new epoch starts it again.
constexpr const char* kUpsertSensorBatch =
    "INSERT INTO sensors (sensor_id, first_seen_ns, last_seen_ns, last_sequence, events_stored, "
    "last_stream_epoch) VALUES (?1, ?2, ?2, ?3, ?4, ?5) ON CONFLICT (sensor_id) DO UPDATE SET "
    "last_seen_ns = max(last_seen_ns, excluded.last_seen_ns), "
    "last_sequence = CASE WHEN last_stream_epoch = excluded.last_stream_epoch "
    "THEN max(last_sequence, excluded.last_sequence) ELSE excluded.last_sequence END, "
    "last_stream_epoch = excluded.last_stream_epoch, "
    "events_stored = events_stored + excluded.events_stored";
constexpr const char* kUpsertSensorConnection =
    "INSERT INTO sensors (sensor_id, first_seen_ns, last_seen_ns, software_version, peer) "
    "VALUES (?1, ?2, ?2, ?3, ?4) ON CONFLICT (sensor_id) DO UPDATE SET "
    "last_seen_ns = max(last_seen_ns, excluded.last_seen_ns), "
    "software_version = excluded.software_version, peer = excluded.peer";
constexpr const char* kUpdateHealth =
    "UPDATE sensors SET health_json = ?2, health_ns = ?3 "
    "WHERE sensor_id = ?1 AND (health_ns IS NULL OR health_ns <= ?3)";
constexpr const char* kUpsertCampaignKey =
    "INSERT INTO campaign_keys (key_kind, key, first_seen_ns, last_seen_ns) "
    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key_kind, key) DO UPDATE SET "
    "first_seen_ns = min(first_seen_ns, excluded.first_seen_ns), "
    "last_seen_ns = max(last_seen_ns, excluded.last_seen_ns)";
constexpr const char* kInsertSighting =
    "INSERT OR IGNORE INTO campaign_sightings "
    "(key_kind, key, sensor_id, client_ip, sequence, timestamp_ns, stream_epoch) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kInsertReport =
    "INSERT OR IGNORE INTO campaign_reports (key_kind, key, sensor_id, campaign_id) "
    "VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kMaxSequence =
    "SELECT max(sequence) FROM events WHERE sensor_id = ?1 AND stream_epoch = ?2";

struct StatementDeleter {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

// Binds text, or NULL for an empty value so partial indexes skip the row.
void bind_text_or_null(sqlite3_stmt* statement, int index, std::string_view text) {
  if (text.empty()) {
    sqlite3_bind_null(statement, index);
  } else {
    sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
  }
}

void bind_text(sqlite3_stmt* statement, int index, std::string_view text) {
  sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void bind_value(sqlite3_stmt* statement, int index, const SqlValue& value) {
  if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    sqlite3_bind_int64(statement, index, *integer);
  } else if (const auto* real = std::get_if<double>(&value)) {
    sqlite3_bind_double(statement, index, *real);
  } else if (const auto* text = std::get_if<std::string>(&value)) {
    bind_text(statement, index, *text);
  } else {
    sqlite3_bind_null(statement, index);
  }
}

SqlValue column_value(sqlite3_stmt* statement, int column) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_INTEGER:
      return std::int64_t{sqlite3_column_int64(statement, column)};
    case SQLITE_FLOAT:
      return sqlite3_column_double(statement, column);
    case SQLITE_NULL:
      return std::monostate{};
    default: {
      const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, column));
      return std::string(bytes == nullptr ? "" : bytes,
                         static_cast<std::size_t>(sqlite3_column_bytes(statement, column)));
    }
  }
}

// Runs a statement to completion and resets it for reuse.
int step_done(sqlite3_stmt* statement) {
  int rc = sqlite3_step(statement);
  while (rc == SQLITE_ROW)
    rc = sqlite3_step(statement);
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  return rc;
}

std::string health_counters_json(const pb::HealthReport& health) {
  std::string json = "{";
  for (const pb::HealthCounter& counter : health.counters()) {
    if (json.size() > 1) json.push_back(',');
    append_json_string(json, counter.name());
    json.push_back(':');
    json += std::to_string(counter.value());
  }
  json.push_back('}');
  return json;
}

struct CampaignKeyRef {
  std::string_view kind;
  std::string_view key;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteStore() override {
    statements_.clear();
    sqlite3_close(db_);
  }

  bool initialise(Mode mode, std::string& error);

  std::uint64_t last_sequence(std::string_view sensor_id, std::uint64_t stream_epoch) override {
    std::lock_guard lock(mutex_);
    return max_sequence(sensor_id, stream_epoch);
  }

  bool note_connection(std::string_view sensor_id, std::string_view software_version,
                       std::string_view peer, std::int64_t now_ns, std::string& error) override;
  bool insert_batch(std::string_view sensor_id, const std::vector<const pb::Event*>& events,
                    std::int64_t received_ns, BatchResult& result, std::string& error) override;
  StoreCounters counters() const override {
    std::lock_guard lock(mutex_);
    return counters_;
  }
  bool query(std::string_view sql, const std::vector<SqlValue>& params,
             const std::function<void(const SqlRow&)>& on_row, std::string& error) override;

 private:
  // Tallies of one batch, added to the counters only once it is committed.
  struct BatchTally {
    std::uint64_t health_reports = 0;
    std::uint64_t campaign_links = 0;
  };

  bool fail(std::string& error) const {
    error = path_ + ": " + sqlite3_errmsg(db_);
    return false;
  }
  bool execute(const char* sql, std::string& error) {
    return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK || fail(error);
  }
  sqlite3_stmt* prepared(const char* sql);
  bool check_schema(Mode mode, std::string& error);
  bool read_schema_version(std::int64_t& version, bool& has_meta, std::string& error);
  std::uint64_t max_sequence(std::string_view sensor_id, std::uint64_t stream_epoch);

  bool store_events(std::string_view sensor_id, const std::vector<const pb::Event*>& events,
                    std::int64_t received_ns, BatchResult& result, BatchTally& tally);
  bool insert_event(std::string_view sensor_id, const pb::Event& event, std::int64_t received_ns);
  bool upsert_sensor(std::string_view sensor_id, std::uint64_t stream_epoch,
                     std::uint64_t last_sequence, std::uint32_t inserted, std::int64_t received_ns);
  bool record_health(std::string_view sensor_id, const pb::Event& event);
  bool link_beacon(std::string_view sensor_id, const pb::Event& event, BatchTally& tally);
  bool link_campaign(std::string_view sensor_id, const pb::Event& event, BatchTally& tally);
  bool link(std::string_view sensor_id, CampaignKeyRef key, std::string_view client_ip,
            const pb::Event& event, std::int64_t first_ns, std::int64_t last_ns, BatchTally& tally);
  void rollback() {
    // Some errors (SQLITE_FULL among them) may already have rolled the transaction back.
    if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  sqlite3* db_;
  std::string path_;
  mutable std::mutex mutex_;
  StoreCounters counters_;
  std::vector<std::pair<const char*, Statement>> statements_;
  std::string blob_;
};

// Statements are keyed by the address of their SQL constant: prepared once, reused per event.
sqlite3_stmt* SqliteStore::prepared(const char* sql) {
  for (auto& [text, statement] : statements_) {
    if (text == sql) return statement.get();
  }
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) !=
      SQLITE_OK) {
    return nullptr;
  }
  statements_.emplace_back(sql, Statement(statement));
  return statement;
}

bool SqliteStore::initialise(Mode mode, std::string& error) {
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  if (mode == Mode::kReadWrite) {
    // WAL: readers (queries) never block the writer. synchronous=FULL: the collector acks a
    // batch once COMMIT returns and the sensor then drops it from its spool, so a commit must
    // survive a power cut, not only a killed process (NORMAL would lose the last commits).
    if (!execute("PRAGMA journal_mode = WAL", error)) return false;
    if (!execute("PRAGMA synchronous = FULL", error)) return false;
  }
  return check_schema(mode, error);
}

bool SqliteStore::read_schema_version(std::int64_t& version, bool& has_meta, std::string& error) {
  std::int64_t tables = 0;
  bool ok = query(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'", {},
      [&](const SqlRow& row) { tables = std::get<std::int64_t>(row[0]); }, error);
  has_meta = tables > 0;
  if (!ok || !has_meta) return ok;
  version = 0;
  ok = query(
      "SELECT value FROM meta WHERE key = 'schema_version'", {},
      [&](const SqlRow& row) {
        if (const auto* number = std::get_if<std::int64_t>(&row[0])) version = *number;
      },
      error);
  return ok;
}

bool SqliteStore::check_schema(Mode mode, std::string& error) {
  if (mode == Mode::kReadWrite && !execute("BEGIN IMMEDIATE", error)) return false;
  std::int64_t version = 0;
  bool has_meta = false;
  bool ok = read_schema_version(version, has_meta, error);
  if (ok && !has_meta) {
    std::int64_t objects = 0;
    ok = query(
        "SELECT count(*) FROM sqlite_master", {},
        [&](const SqlRow& row) { objects = std::get<std::int64_t>(row[0]); }, error);
    if (ok && (objects > 0 || mode == Mode::kReadOnly)) {
      error = path_ + ": not a Beaconwatch store (no meta table)";
      ok = false;
    } else if (ok) {
      ok = execute(create_schema_sql().c_str(), error) &&
           query(
               "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
               {SqlValue{kSchemaVersion}}, [](const SqlRow&) {}, error);
    }
  } else if (ok && version == kSchemaVersionBeforeEpochs && mode == Mode::kReadWrite) {
    ok = execute(migrate_from_version_1_sql().c_str(), error);
  } else if (ok && version == kSchemaVersionBeforeEpochs) {
    error = path_ +
            ": store schema version 1 predates stream epochs; bw-collector serve migrates "
            "it (docs/COLLECTOR.md, \"Migration\")";
    ok = false;
  } else if (ok && version != kSchemaVersion) {
    error = path_ + ": store schema version " + std::to_string(version) +
            (version > kSchemaVersion ? " is newer than" : " differs from") +
            " the version this bw-collector supports (" + std::to_string(kSchemaVersion) + ")";
    ok = false;
  }
  if (mode == Mode::kReadWrite) {
    if (ok) return execute("COMMIT", error);
    rollback();
  }
  return ok;
}

std::uint64_t SqliteStore::max_sequence(std::string_view sensor_id, std::uint64_t stream_epoch) {
  sqlite3_stmt* statement = prepared(kMaxSequence);
  if (statement == nullptr) return 0;
  bind_text(statement, 1, sensor_id);
  sqlite3_bind_int64(statement, 2, epoch_column(stream_epoch));
  std::int64_t max = 0;
  if (sqlite3_step(statement) == SQLITE_ROW) max = sqlite3_column_int64(statement, 0);
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  return static_cast<std::uint64_t>(max);
}

bool SqliteStore::note_connection(std::string_view sensor_id, std::string_view software_version,
                                  std::string_view peer, std::int64_t now_ns, std::string& error) {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* statement = prepared(kUpsertSensorConnection);
  if (statement == nullptr) return fail(error);
  bind_text(statement, 1, sensor_id);
  sqlite3_bind_int64(statement, 2, now_ns);
  bind_text_or_null(statement, 3, software_version);
  bind_text_or_null(statement, 4, peer);
  return step_done(statement) == SQLITE_DONE || fail(error);
}

bool SqliteStore::insert_batch(std::string_view sensor_id,
                               const std::vector<const pb::Event*>& events,
                               std::int64_t received_ns, BatchResult& result, std::string& error) {
  std::lock_guard lock(mutex_);
  result = BatchResult{};
  for (const pb::Event* event : events) {
    // SQLite integers are signed 64-bit: a larger sequence would wrap and break max(sequence).
    if (event->sequence() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      error = path_ + ": sequence " + std::to_string(event->sequence()) + " is out of range";
      return false;
    }
  }
  BatchTally tally;
  if (!execute("BEGIN IMMEDIATE", error)) {
    ++counters_.commit_failures;
    return false;
  }
  if (!store_events(sensor_id, events, received_ns, result, tally) ||
      sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail(error);
    rollback();
    ++counters_.commit_failures;
    result = BatchResult{};
    return false;
  }
  ++counters_.batches_committed;
  counters_.events_inserted += result.inserted;
  counters_.events_duplicate += result.duplicates;
  counters_.health_reports += tally.health_reports;
  counters_.campaign_links += tally.campaign_links;
  return true;
}

bool SqliteStore::store_events(std::string_view sensor_id,
                               const std::vector<const pb::Event*>& events,
                               std::int64_t received_ns, BatchResult& result, BatchTally& tally) {
  std::uint64_t batch_last = 0;
  const pb::Event* latest_health = nullptr;
  for (std::uint32_t index = 0; index < events.size(); ++index) {
    const pb::Event& event = *events[index];
    batch_last = std::max(batch_last, event.sequence());
    if (!insert_event(sensor_id, event, received_ns)) return false;
    if (sqlite3_changes(db_) == 0) {
      ++result.duplicates;
      continue;
    }
    ++result.inserted;
    result.inserted_indexes.push_back(index);
    if (event.has_health()) {
      latest_health = &event;
      ++tally.health_reports;
    }
    const bool linked = event.has_beacon()     ? link_beacon(sensor_id, event, tally)
                        : event.has_campaign() ? link_campaign(sensor_id, event, tally)
                                               : true;
    if (!linked) return false;
  }
  // A batch is validated to one epoch (the stream's), so its first event names it.
  const std::uint64_t epoch = events.empty() ? 0 : events.front()->stream_epoch();
  if (!upsert_sensor(sensor_id, epoch, batch_last, result.inserted, received_ns)) return false;
  if (latest_health != nullptr && !record_health(sensor_id, *latest_health)) return false;
  result.stored_through = max_sequence(sensor_id, epoch);
  return true;
}

bool SqliteStore::insert_event(std::string_view sensor_id, const pb::Event& event,
                               std::int64_t received_ns) {
  sqlite3_stmt* statement = prepared(kInsertEvent);
  if (statement == nullptr || !event.SerializeToString(&blob_)) return false;
  const EventColumns columns = event_columns(event);
  bind_text(statement, 1, sensor_id);
  sqlite3_bind_int64(statement, 2, static_cast<std::int64_t>(event.sequence()));
  sqlite3_bind_int64(statement, 3, event.timestamp_ns());
  sqlite3_bind_int64(statement, 4, received_ns);
  bind_text(statement, 5, columns.kind);
  bind_text_or_null(statement, 6, event.flow().client_ip());
  bind_text_or_null(statement, 7, event.flow().server_ip());
  bind_text_or_null(statement, 8, columns.host);
  bind_text_or_null(statement, 9, columns.registrable_domain);
  bind_text_or_null(statement, 10, columns.url_template);
  bind_text_or_null(statement, 11, columns.campaign_id);
  if (columns.has_score) sqlite3_bind_double(statement, 12, columns.score);
  sqlite3_bind_blob(statement, 13, blob_.data(), static_cast<int>(blob_.size()), SQLITE_STATIC);
  sqlite3_bind_int64(statement, 14, epoch_column(event.stream_epoch()));
  return step_done(statement) == SQLITE_DONE;
}

bool SqliteStore::upsert_sensor(std::string_view sensor_id, std::uint64_t stream_epoch,
                                std::uint64_t last_sequence, std::uint32_t inserted,
                                std::int64_t received_ns) {
  sqlite3_stmt* statement = prepared(kUpsertSensorBatch);
  if (statement == nullptr) return false;
  bind_text(statement, 1, sensor_id);
  sqlite3_bind_int64(statement, 2, received_ns);
  sqlite3_bind_int64(statement, 3, static_cast<std::int64_t>(last_sequence));
  sqlite3_bind_int64(statement, 4, inserted);
  sqlite3_bind_int64(statement, 5, epoch_column(stream_epoch));
  return step_done(statement) == SQLITE_DONE;
}

bool SqliteStore::record_health(std::string_view sensor_id, const pb::Event& event) {
  sqlite3_stmt* statement = prepared(kUpdateHealth);
  if (statement == nullptr) return false;
  bind_text(statement, 1, sensor_id);
  bind_text(statement, 2, health_counters_json(event.health()));
  sqlite3_bind_int64(statement, 3, event.timestamp_ns());
  return step_done(statement) == SQLITE_DONE;
}

bool SqliteStore::link_beacon(std::string_view sensor_id, const pb::Event& event,
                              BatchTally& tally) {
  const EventColumns columns = event_columns(event);
  const auto link_key = [&](std::string_view kind, std::string_view key) {
    return key.empty() || link(sensor_id, {kind, key}, event.flow().client_ip(), event,
                               event.timestamp_ns(), event.timestamp_ns(), tally);
  };
  return link_key("template", columns.url_template) &&
         link_key("domain", columns.registrable_domain);
}

bool SqliteStore::link_campaign(std::string_view sensor_id, const pb::Event& event,
                                BatchTally& tally) {
  const pb::CampaignUpdate& campaign = event.campaign();
  const CampaignKeyRef key{campaign.key_kind(), campaign.key()};
  if (key.kind.empty() || key.key.empty()) return true;
  const std::int64_t first =
      campaign.first_seen_ns() != 0 ? campaign.first_seen_ns() : event.timestamp_ns();
  const std::int64_t last = std::max(campaign.last_seen_ns(), first);
  // A campaign without members still counts its sensor as a sighting (with no host).
  bool ok = campaign.members().empty() ? link(sensor_id, key, "", event, first, last, tally) : true;
  for (const pb::CampaignMember& member : campaign.members()) {
    const std::int64_t seen = member.first_seen_ns() != 0 ? member.first_seen_ns() : first;
    ok = ok && link(sensor_id, key, member.client_ip(), event, seen, last, tally);
  }
  sqlite3_stmt* statement = prepared(kInsertReport);
  if (!ok || statement == nullptr) return false;
  bind_text(statement, 1, key.kind);
  bind_text(statement, 2, key.key);
  bind_text(statement, 3, sensor_id);
  bind_text(statement, 4, campaign.campaign_id());
  return step_done(statement) == SQLITE_DONE;
}

bool SqliteStore::link(std::string_view sensor_id, CampaignKeyRef key, std::string_view client_ip,
                       const pb::Event& event, std::int64_t first_ns, std::int64_t last_ns,
                       BatchTally& tally) {
  sqlite3_stmt* upsert_key = prepared(kUpsertCampaignKey);
  sqlite3_stmt* sighting = prepared(kInsertSighting);
  if (upsert_key == nullptr || sighting == nullptr) return false;
  bind_text(upsert_key, 1, key.kind);
  bind_text(upsert_key, 2, key.key);
  sqlite3_bind_int64(upsert_key, 3, first_ns);
  sqlite3_bind_int64(upsert_key, 4, last_ns);
  if (step_done(upsert_key) != SQLITE_DONE) return false;
  bind_text(sighting, 1, key.kind);
  bind_text(sighting, 2, key.key);
  bind_text(sighting, 3, sensor_id);
  bind_text(sighting, 4, client_ip);
  sqlite3_bind_int64(sighting, 5, static_cast<std::int64_t>(event.sequence()));
  sqlite3_bind_int64(sighting, 6, first_ns);
  sqlite3_bind_int64(sighting, 7, epoch_column(event.stream_epoch()));
  if (step_done(sighting) != SQLITE_DONE) return false;
  tally.campaign_links += static_cast<std::uint64_t>(sqlite3_changes(db_));
  return true;
}

bool SqliteStore::query(std::string_view sql, const std::vector<SqlValue>& params,
                        const std::function<void(const SqlRow&)>& on_row, std::string& error) {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) !=
      SQLITE_OK) {
    return fail(error);
  }
  Statement statement(raw);
  for (std::size_t i = 0; i < params.size(); ++i) {
    bind_value(raw, static_cast<int>(i + 1), params[i]);
  }
  SqlRow row;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    row.clear();
    for (int column = 0; column < sqlite3_column_count(raw); ++column) {
      row.push_back(column_value(raw, column));
    }
    on_row(row);
  }
  return rc == SQLITE_DONE || fail(error);
}

}  // namespace

std::unique_ptr<Store> Store::open(const std::string& path, Mode mode, std::string& error) {
  const int flags =
      SQLITE_OPEN_NOMUTEX |
      (mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    error = path + ": cannot open: " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return nullptr;
  }
  auto store = std::make_unique<SqliteStore>(db, path);
  if (!store->initialise(mode, error)) return nullptr;
  return store;
}

}  // namespace bw::collector
