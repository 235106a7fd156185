// The sensor's durable queue of events bound for the collector.
//
// Every event streamed to a collector is appended here first and removed only once the
// collector has acknowledged it, so a collector outage, a slow link or a sensor restart loses
// nothing until the spool's byte cap is reached. The spool is a directory of segment files
// (`<first-sequence, 20 digits>.seg`), each a run of records:
//
//   u32 magic "BWS1" | u32 payload length | u64 sequence | u32 CRC-32C of (sequence, payload)
//   | payload (one serialized beaconwatch.v1.Event)
//
// all little-endian, plus `ack` (the highest acknowledged sequence, replaced atomically through
// rename) and `epoch` (the spool's stream epoch, below). Opening a spool scans the segments: a
// damaged record (checksum or framing wrong, or a sequence that does not increase) is skipped by
// searching forward for the next whole record with a higher sequence, and reading resumes there;
// each such run counts once in corrupt_records and its bytes in skipped_bytes. Damage with no whole
// record after it ends the segment's readable part: a torn tail (a crash mid-write) or a corrupt
// last record, cut off when it is in the last segment. Everything readable is kept and replayed in
// order.
//
// fsync policy: appends go to the page cache at once (a killed sensor loses nothing it
// appended); the data is fsynced at most every `fsync_interval_ms`, when a segment is closed and
// before the ack file is replaced. A power cut can lose at most that interval.
//
// Stream epoch: sequences restart at 1 in a new spool, so (sensor, sequence) alone would make a
// re-imaged sensor's events look like repeats of its old ones. A spool created empty draws a
// random non-zero 64-bit epoch and writes it to `epoch` (16 hex digits and a newline, through a
// temporary file, fsync and rename) before it holds any event; reopening reads it back, and the
// collector keys events on (sensor, epoch, sequence). A spool that holds events (segments or an
// ack file) but no `epoch` was made before epochs: it keeps epoch 0, the identity its events
// already had at the collector, and records it (counted in legacy_epoch_adopted). An `epoch` file
// that cannot be read or parsed fails open() with a reason naming it: a fresh epoch over old
// events would resend them as new ones, and guessing 0 could merge them with another spool's.
//
// fsync failures (data, directory, ack or epoch file) are counted in fsync_failures and the first
// one is kept in last_error(): the events stay readable from the page cache and are still sent,
// but they were not durable, so the sensor reports it and a replay fails (see sensor/main.cc).
//
// At the byte cap, whole segments are dropped oldest first, acknowledged or not; unacknowledged
// events lost that way are counted (events_dropped_at_cap). A write that fails (disk full, I/O
// error) loses that event, counts it and the spool carries on with the next one.
//
// Thread model: one producer thread calls append(); one consumer thread calls read_after() and
// acknowledge(). Both may call the const accessors. Internally synchronised with one mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/common/counters.h"

namespace bw::stream {

#define BW_SPOOL_COUNTERS(X) \
  X(events_appended)         \
  X(bytes_appended)          \
  X(segments_created)        \
  X(segments_removed)        \
  X(fsyncs)                  \
  X(fsync_failures)          \
  X(write_failures)          \
  X(events_lost_write)       \
  X(events_dropped_at_cap)   \
  X(segments_dropped_at_cap) \
  X(corrupt_records)         \
  X(torn_tails)              \
  X(skipped_bytes)           \
  X(events_acknowledged)     \
  X(legacy_epoch_adopted)

struct SpoolCounters {
  BW_DECLARE_COUNTERS(BW_SPOOL_COUNTERS)
};

struct SpoolOptions {
  std::string directory;                     // created if missing
  std::uint64_t max_bytes = 256ull << 20;    // cap on all segments together
  std::uint64_t segment_bytes = 8ull << 20;  // a segment is closed once it reaches this size
  std::uint32_t fsync_interval_ms = 1000;    // 0: fsync after every append (slow, for tests)
  // Inspect without taking the lock (bw-spool stat/dump next to a running sensor): nothing is
  // created, truncated or removed, append() and acknowledge() are refused, and a record being
  // appended at that moment shows up as a torn tail.
  bool read_only = false;
};

struct SpooledEvent {
  std::uint64_t sequence = 0;
  std::string payload;  // serialized beaconwatch.v1.Event
};

class Spool {
 public:
  // Opens (creating if needed) and scans the directory. Returns nullptr with a reason naming the
  // path when the directory cannot be created, read or locked (a second sensor on one spool), or
  // when its epoch file is damaged or cannot be written.
  static std::unique_ptr<Spool> open(const SpoolOptions& options, std::string& error);
  virtual ~Spool() = default;

  // Appends one event; sequences must increase (an out-of-order append is refused and counted as
  // a write failure). Returns false when the event could not be written (it is counted lost).
  virtual bool append(std::uint64_t sequence, std::string_view payload) = 0;

  // Copies, in order, unacknowledged events with sequence > `after`, stopping at `max_events`
  // or once `max_bytes` of payload is reached (at least one event if any). Returns how many.
  virtual std::size_t read_after(std::uint64_t after, std::size_t max_events, std::size_t max_bytes,
                                 std::vector<SpooledEvent>& out) = 0;

  // Everything up to and including `sequence` is safely stored elsewhere: persists the cursor
  // and removes segments that hold nothing newer.
  virtual void acknowledge(std::uint64_t sequence) = 0;

  // fsync whatever the interval policy has left pending; the stream client calls it on a timer
  // and at shutdown.
  virtual void sync() = 0;

  // Highest sequence ever appended or acknowledged, surviving restarts: the next event takes
  // last_sequence() + 1.
  virtual std::uint64_t last_sequence() const = 0;
  virtual std::uint64_t acknowledged_sequence() const = 0;
  // The spool's stream epoch, fixed for its life: random and non-zero for a spool created by
  // this version, 0 for one created before epochs (and for an empty spool opened read-only).
  virtual std::uint64_t stream_epoch() const = 0;
  // Unacknowledged events and their bytes on disk; the oldest one's sequence (0 when empty).
  virtual std::uint64_t pending_events() const = 0;
  virtual std::uint64_t pending_bytes() const = 0;
  virtual std::uint64_t oldest_pending_sequence() const = 0;
  // The first problem met (write failure, corrupt record), for a log line; empty if none.
  virtual std::string last_error() const = 0;
  virtual SpoolCounters counters() const = 0;
};

}  // namespace bw::stream
