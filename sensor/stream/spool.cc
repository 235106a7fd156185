// Spool implementation. The on-disk format is described in spool.h; this file adds:
//  - `ack` holds the acknowledged sequence as decimal text and a newline, written to `ack.tmp`,
//    fsynced, renamed over `ack`, then the directory fsynced;
//  - `epoch` holds the stream epoch as 16 lower-case hex digits and a newline, written once the
//    same way as `ack` (through `epoch.tmp`) when the spool is created;
//  - `lock` is held with flock(LOCK_EX | LOCK_NB) while a spool is open for writing;
//  - the index keeps, per segment, every record's sequence and 32-bit offset (12 bytes a record),
//    which is why segments are capped at kMaxSegmentBytes.
//
// Locking: `mutex_` guards the index and is held for appends' write(2) calls, which only copy
// into the page cache. The slow I/O happens after releasing it (DeferredIo): fsyncs go through
// duplicated descriptors and removed segments are unlinked once out of the index, so neither
// thread waits for the other's disk flushes. The consumer holds the mutex only to plan a read
// (which records, at which offsets) and reads through its own descriptor: segments other than the
// tail never change, the tail only grows past what the plan covers, and a segment removed at the
// cap in the meantime is skipped (an open descriptor keeps reading an unlinked file).
#include "sensor/stream/spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <limits>
#include <mutex>
#include <system_error>
#include <utility>

#include "sensor/stream/spool_record.h"
#include "sensor/stream/spool_test_hooks.h"

namespace bw::stream {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kSegmentSuffix = ".seg";
constexpr std::size_t kSegmentNameDigits = 20;
constexpr const char* kAckFileName = "ack";
constexpr const char* kAckTempFileName = "ack.tmp";
constexpr const char* kLockFileName = "lock";
constexpr const char* kEpochFileName = "epoch";
constexpr const char* kEpochTempFileName = "epoch.tmp";
constexpr std::size_t kEpochHexDigits = 16;
// Index offsets are 32-bit; a segment never starts a record beyond this.
constexpr std::uint64_t kMaxSegmentBytes = 1ull << 30;
// A read that finds a planned segment gone (dropped at the cap) plans again this many times.
constexpr int kReadAttempts = 3;

std::string errno_text(int error) {
  return std::generic_category().message(error);
}

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

std::string segment_file_name(std::uint64_t first_sequence) {
  char name[kSegmentNameDigits + 8];
  std::snprintf(name, sizeof name, "%020" PRIu64 ".seg", first_sequence);
  return name;
}

bool parse_segment_file_name(std::string_view name, std::uint64_t& first_sequence) {
  if (name.size() != kSegmentNameDigits + kSegmentSuffix.size() || !name.ends_with(kSegmentSuffix))
    return false;
  const char* end = name.data() + kSegmentNameDigits;
  if (!std::all_of(name.data(), end, [](char c) { return c >= '0' && c <= '9'; })) return false;
  const auto parsed = std::from_chars(name.data(), end, first_sequence);
  return parsed.ec == std::errc() && parsed.ptr == end;
}

bool write_all(int fd, const char* data, std::size_t size, int& error) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      error = written < 0 ? errno : ENOSPC;
      return false;
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

// Writes `text` to `temp_name`, fsyncs it and renames it over `name`, so a crash leaves the old
// file or the new one, never a mix. Returns 0 or the errno of the step that failed (the temporary
// file is then removed; a file that could not be fsynced is not renamed). The directory is fsynced
// last so the new name survives a power cut; each failed fsync adds one to `fsync_failures`.
int replace_file(int directory, const char* temp_name, const char* name, std::string_view text,
                 std::uint64_t& fsync_failures) {
  UniqueFd fd(::openat(directory, temp_name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  int cause = fd.valid() ? 0 : errno;
  if (fd.valid() && write_all(fd.get(), text.data(), text.size(), cause) &&
      ::fsync(fd.get()) != 0) {
    cause = errno;
    ++fsync_failures;
  }
  fd.reset();
  if (cause == 0 && ::renameat(directory, temp_name, directory, name) != 0) cause = errno;
  if (cause != 0) {
    ::unlinkat(directory, temp_name, 0);
    return cause;
  }
  if (::fsync(directory) != 0) ++fsync_failures;
  return 0;
}

// 0 is "no epoch" (the old contract), so a new spool never takes it.
bool draw_stream_epoch(std::uint64_t& epoch) {
  epoch = 0;
  while (epoch == 0) {
    const ssize_t got = ::getrandom(&epoch, sizeof epoch, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got != static_cast<ssize_t>(sizeof epoch)) return false;
  }
  return true;
}

std::string format_stream_epoch(std::uint64_t epoch) {
  char text[kEpochHexDigits + 2];
  std::snprintf(text, sizeof text, "%016" PRIx64 "\n", epoch);
  return text;
}

// Exactly what format_stream_epoch writes; anything else is damage.
bool parse_stream_epoch(std::string_view text, std::uint64_t& epoch) {
  if (text.size() != kEpochHexDigits + 1 || text.back() != '\n') return false;
  const char* end = text.data() + kEpochHexDigits;
  const bool hex = std::all_of(
      text.data(), end, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (!hex) return false;
  const auto parsed = std::from_chars(text.data(), end, epoch, 16);
  return parsed.ec == std::errc() && parsed.ptr == end;
}

struct Segment {
  std::uint64_t name_sequence = 0;
  std::uint64_t readable_bytes = 0;  // through the last good record: where appends continue
  std::uint64_t disk_bytes = 0;      // what the file occupies, a damaged remainder included
  std::vector<std::uint64_t> sequences;
  std::vector<std::uint32_t> offsets;
  // Where each damaged run skipped at open begins (ascending): a record before one ends there,
  // not at the next record's offset.
  std::vector<std::uint64_t> damage_starts;
  bool sealed = false;  // takes no more appends: rolled over, or damaged past readable_bytes

  bool empty() const { return sequences.empty(); }
  std::uint64_t last_sequence() const { return sequences.empty() ? 0 : sequences.back(); }
  std::size_t first_after(std::uint64_t after) const {
    return static_cast<std::size_t>(std::upper_bound(sequences.begin(), sequences.end(), after) -
                                    sequences.begin());
  }
  std::uint64_t record_end(std::size_t index) const {
    const std::uint64_t next = index + 1 < offsets.size() ? offsets[index + 1] : readable_bytes;
    const auto damage =
        std::upper_bound(damage_starts.begin(), damage_starts.end(), std::uint64_t{offsets[index]});
    return damage != damage_starts.end() && *damage < next ? *damage : next;
  }
  void add_record(std::uint64_t sequence, std::uint64_t offset, std::uint64_t size) {
    sequences.push_back(sequence);
    offsets.push_back(static_cast<std::uint32_t>(offset));
    readable_bytes = offset + size;
  }
};

// What one read_after call fetches, decided under the mutex and carried out without it.
struct ReadPlan {
  struct SegmentRange {
    std::uint64_t name_sequence;
    std::uint64_t end;
    std::size_t first_record;  // into `records`
    std::size_t record_count;
  };
  struct Record {
    std::uint64_t sequence;
    std::uint64_t offset;
  };
  std::vector<SegmentRange> segments;
  std::vector<Record> records;
};

// Disk work decided under the mutex and carried out after releasing it.
struct DeferredIo {
  UniqueFd rolled_segment;  // closed for appends: fsync, then close
  UniqueFd tail;            // a duplicate of the tail's descriptor to fsync
  bool directory = false;   // fsync the directory (a segment was created)
  std::vector<std::string> unlink;
};

class SpoolImpl final : public Spool {
 public:
  explicit SpoolImpl(const SpoolOptions& options) : options_(options) {
    options_.segment_bytes = std::clamp<std::uint64_t>(options_.segment_bytes, 1, kMaxSegmentBytes);
  }
  ~SpoolImpl() override { sync(); }

  bool open(std::string& error);

  bool append(std::uint64_t sequence, std::string_view payload) override;
  std::size_t read_after(std::uint64_t after, std::size_t max_events, std::size_t max_bytes,
                         std::vector<SpooledEvent>& out) override;
  void acknowledge(std::uint64_t sequence) override;
  void sync() override;

  std::uint64_t last_sequence() const override {
    std::lock_guard lock(mutex_);
    return last_sequence_locked();
  }
  std::uint64_t acknowledged_sequence() const override {
    std::lock_guard lock(mutex_);
    return acknowledged_;
  }
  std::uint64_t stream_epoch() const override { return stream_epoch_; }
  std::uint64_t pending_events() const override;
  std::uint64_t pending_bytes() const override;
  std::uint64_t oldest_pending_sequence() const override;
  std::string last_error() const override {
    std::lock_guard lock(mutex_);
    return first_error_;
  }
  SpoolCounters counters() const override {
    std::lock_guard lock(mutex_);
    return counters_;
  }

  bool replace_append_fd(int fd);

 private:
  std::uint64_t last_sequence_locked() const { return std::max(last_appended_, acknowledged_); }
  void note_error(std::string message) {
    if (first_error_.empty()) first_error_ = std::move(message);
  }
  std::string describe(const std::string& file) const { return options_.directory + "/" + file; }

  // open()
  bool open_directory(std::string& error);
  bool lock_directory(std::string& error);
  void load_ack();
  bool establish_epoch(std::string& error);
  bool scan_segments(std::string& error);
  bool scan_segment(Segment& segment, bool last, std::string& error);
  void skip_damaged_run(Segment& segment, std::uint64_t start, std::uint64_t resume);
  void end_readable_part(Segment& segment, int fd, bool last, SpoolRecordStatus status);

  // append(), under the mutex
  bool append_locked(std::uint64_t sequence, std::string_view payload, DeferredIo& io);
  bool refuse(std::string message);
  void make_room(std::uint64_t record_bytes, DeferredIo& io);
  bool ensure_tail(std::uint64_t sequence, DeferredIo& io);
  void roll_tail(DeferredIo& io);
  bool write_record(std::uint64_t sequence, std::string_view payload, DeferredIo& io);
  void abandon_failed_write(Segment& tail, std::uint64_t record_start, DeferredIo& io);
  void plan_data_sync(DeferredIo& io);

  // acknowledge(), sync()
  std::uint64_t count_in_range(std::uint64_t after, std::uint64_t through) const;
  bool taking_appends(const Segment& segment, std::size_t index) const;
  bool removable(const Segment& segment, std::size_t index, std::uint64_t acknowledged) const {
    return segment.last_sequence() <= acknowledged && !taking_appends(segment, index);
  }
  void persist_ack(std::uint64_t value, DeferredIo& io);
  void detach_segment(std::size_t index, DeferredIo& io);
  void detach_acknowledged_segments(std::uint64_t acknowledged, DeferredIo& io);
  // Without the mutex.
  bool carry_out(DeferredIo& io);
  bool write_ack_file(std::uint64_t value, std::string& error, std::uint64_t& fsync_failures);

  // read_after()
  void plan_read(std::uint64_t after, std::size_t max_events, std::size_t max_bytes,
                 ReadPlan& plan) const;
  std::size_t execute_read(const ReadPlan& plan, std::vector<SpooledEvent>& out, bool& vanished);
  void forget_unreadable(std::uint64_t name_sequence, std::uint64_t sequence, std::string reason);

  SpoolOptions options_;
  mutable std::mutex mutex_;
  std::mutex ack_file_mutex_;  // one ack file writer at a time; taken before mutex_, never after
  UniqueFd directory_fd_;
  UniqueFd lock_fd_;
  UniqueFd tail_fd_;  // segments_.back() while it takes appends
  std::deque<Segment> segments_;
  std::uint64_t total_disk_bytes_ = 0;
  std::uint64_t last_appended_ = 0;
  std::uint64_t acknowledged_ = 0;
  std::uint64_t persisted_ack_ = 0;
  bool ack_file_found_ = false;
  std::uint64_t stream_epoch_ = 0;  // set once in open(), read without the mutex after
  bool data_dirty_ = false;
  bool directory_dirty_ = false;
  Clock::time_point last_data_sync_ = Clock::now();
  Clock::time_point last_ack_sync_ = Clock::now();
  std::string record_buffer_;
  SpoolCounters counters_;
  std::string first_error_;
};

// ---- open ----------------------------------------------------------------------------------

bool SpoolImpl::open(std::string& error) {
  if (!open_directory(error)) return false;
  if (!options_.read_only && !lock_directory(error)) return false;
  load_ack();
  if (!scan_segments(error)) return false;
  for (const Segment& segment : segments_) {
    total_disk_bytes_ += segment.disk_bytes;
    last_appended_ = std::max(last_appended_, segment.last_sequence());
  }
  if (!establish_epoch(error)) return false;
  if (!options_.read_only) {
    DeferredIo io;
    io.unlink.push_back(kAckTempFileName);
    io.unlink.push_back(kEpochTempFileName);
    detach_acknowledged_segments(persisted_ack_, io);
    carry_out(io);
  }
  return true;
}

bool SpoolImpl::open_directory(std::string& error) {
  if (options_.directory.empty()) {
    error = "spool: no directory given";
    return false;
  }
  if (!options_.read_only) {
    std::error_code ec;
    std::filesystem::create_directories(options_.directory, ec);
    if (ec) {
      error = "spool " + options_.directory + ": cannot create: " + ec.message();
      return false;
    }
  }
  directory_fd_.reset(::open(options_.directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!directory_fd_.valid()) {
    error = "spool " + options_.directory + ": cannot open: " + errno_text(errno);
    return false;
  }
  return true;
}

bool SpoolImpl::lock_directory(std::string& error) {
  lock_fd_.reset(::openat(directory_fd_.get(), kLockFileName, O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!lock_fd_.valid()) {
    error = "spool " + describe(kLockFileName) + ": cannot open: " + errno_text(errno);
    return false;
  }
  if (::flock(lock_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    const int cause = errno;
    error = cause == EWOULDBLOCK
                ? "spool " + options_.directory + " is in use by another process (lock held on " +
                      describe(kLockFileName) + ")"
                : "spool " + describe(kLockFileName) + ": cannot lock: " + errno_text(cause);
    return false;
  }
  return true;
}

void SpoolImpl::load_ack() {
  UniqueFd fd(::openat(directory_fd_.get(), kAckFileName, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return;  // a new spool, or nothing acknowledged yet
  ack_file_found_ = true;
  char text[32];
  const ssize_t size = ::read(fd.get(), text, sizeof text);
  std::uint64_t value = 0;
  const char* end = text + std::max<ssize_t>(size, 0);
  const auto parsed = std::from_chars(text, end, value);
  const bool well_formed = parsed.ec == std::errc() && parsed.ptr + 1 == end && *parsed.ptr == '\n';
  if (!well_formed) {
    // Starting from zero only replays acknowledged events, which the collector stores once.
    note_error("spool " + describe(kAckFileName) + ": unreadable, replaying from the start");
    return;
  }
  acknowledged_ = persisted_ack_ = value;
}

bool SpoolImpl::establish_epoch(std::string& error) {
  UniqueFd fd(::openat(directory_fd_.get(), kEpochFileName, O_RDONLY | O_CLOEXEC));
  if (fd.valid()) {
    char text[kEpochHexDigits + 2];
    const ssize_t size = ::read(fd.get(), text, sizeof text);
    if (size < 0 || !parse_stream_epoch({text, static_cast<std::size_t>(size)}, stream_epoch_)) {
      error = "spool " + describe(kEpochFileName) +
              ": damaged stream epoch (expected 16 hex digits and a newline); its events cannot "
              "be told apart from another spool's: restore the file, or move the spool aside to "
              "start a new one";
      return false;
    }
    return true;
  }
  if (errno != ENOENT) {
    error = "spool " + describe(kEpochFileName) + ": cannot open: " + errno_text(errno);
    return false;
  }
  if (options_.read_only) return true;  // nothing is created read-only; reported as epoch 0
  const bool holds_events = ack_file_found_ || !segments_.empty();
  if (holds_events) {
    // Made before epochs: its events reached the collector as epoch 0 and continue there.
    stream_epoch_ = 0;
    ++counters_.legacy_epoch_adopted;
  } else if (!draw_stream_epoch(stream_epoch_)) {
    error = "spool " + options_.directory + ": no random stream epoch: " + errno_text(errno);
    return false;
  }
  // Without a durable epoch file the next open could not tell this spool's events apart from
  // another's, so any failure here, fsync included, refuses the spool.
  std::uint64_t fsync_failures = 0;
  const int cause = replace_file(directory_fd_.get(), kEpochTempFileName, kEpochFileName,
                                 format_stream_epoch(stream_epoch_), fsync_failures);
  counters_.fsync_failures += fsync_failures;
  if (cause != 0 || fsync_failures != 0) {
    error = "spool " + describe(kEpochFileName) +
            ": cannot write durably: " + errno_text(cause != 0 ? cause : errno);
    return false;
  }
  return true;
}

bool SpoolImpl::scan_segments(std::string& error) {
  std::vector<std::pair<std::uint64_t, std::string>> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(options_.directory, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::uint64_t first_sequence = 0;
    if (parse_segment_file_name(name, first_sequence)) names.emplace_back(first_sequence, name);
  }
  if (ec) {
    error = "spool " + options_.directory + ": cannot list: " + ec.message();
    return false;
  }
  std::sort(names.begin(), names.end());
  for (std::size_t i = 0; i < names.size(); ++i) {
    Segment segment;
    segment.name_sequence = names[i].first;
    if (!scan_segment(segment, i + 1 == names.size(), error)) return false;
    segments_.push_back(std::move(segment));
  }
  return true;
}

bool SpoolImpl::scan_segment(Segment& segment, bool last, std::string& error) {
  const std::string name = segment_file_name(segment.name_sequence);
  const int flags = (options_.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
  UniqueFd fd(::openat(directory_fd_.get(), name.c_str(), flags));
  struct stat info {};
  if (!fd.valid() || ::fstat(fd.get(), &info) != 0) {
    error = "spool " + describe(name) + ": cannot open: " + errno_text(errno);
    return false;
  }
  segment.disk_bytes = static_cast<std::uint64_t>(info.st_size);
  SegmentReader reader(fd.get(), segment.disk_bytes);
  std::uint64_t previous = last_appended_;
  for (const Segment& earlier : segments_)
    previous = std::max(previous, earlier.last_sequence());
  // A sequence that does not increase, or a record past what the index can address, is as
  // unusable as a failed checksum.
  const auto usable = [&](const SpoolRecordView& record) {
    return record.sequence > previous && record.offset <= kMaxSegmentBytes;
  };
  std::uint64_t offset = 0;
  while (true) {
    SpoolRecordView record;
    SpoolRecordStatus status = reader.read_at(offset, record);
    if (status == SpoolRecordStatus::kRecord && !usable(record)) {
      status = SpoolRecordStatus::kCorrupt;
    }
    if (status == SpoolRecordStatus::kCorrupt || status == SpoolRecordStatus::kTorn) {
      // Damage in the middle (a flipped bit, a bad length that reaches past the end) costs only
      // the records it covers: reading resumes at the next whole record. With none after it,
      // a kTorn is a crash mid-append and a kCorrupt a damaged last record, ended as before.
      const SpoolRecordStatus resync = reader.find_record_from(offset + 1, previous, record);
      if (resync == SpoolRecordStatus::kRecord && usable(record)) {
        skip_damaged_run(segment, offset, record.offset);
        status = SpoolRecordStatus::kRecord;
      } else if (resync == SpoolRecordStatus::kReadError) {
        status = resync;
      }
    }
    if (status != SpoolRecordStatus::kRecord) {
      if (status != SpoolRecordStatus::kEnd) end_readable_part(segment, fd.get(), last, status);
      break;
    }
    segment.add_record(record.sequence, record.offset, record.size());
    previous = record.sequence;
    offset = segment.readable_bytes;
  }
  segment.sealed = segment.sealed || !last || options_.read_only;
  return true;
}

void SpoolImpl::skip_damaged_run(Segment& segment, std::uint64_t start, std::uint64_t resume) {
  ++counters_.corrupt_records;
  counters_.skipped_bytes += resume - start;
  segment.damage_starts.push_back(start);
  note_error("spool " + describe(segment_file_name(segment.name_sequence)) +
             ": corrupt record at offset " + std::to_string(start) + ", " +
             std::to_string(resume - start) + " bytes skipped to the next whole record");
}

void SpoolImpl::end_readable_part(Segment& segment, int fd, bool last, SpoolRecordStatus status) {
  const char* what = "corrupt record";
  if (status == SpoolRecordStatus::kTorn) {
    ++counters_.torn_tails;
    what = "torn record";
  } else {
    ++counters_.corrupt_records;
    if (status == SpoolRecordStatus::kReadError) what = "unreadable record";
  }
  counters_.skipped_bytes += segment.disk_bytes - segment.readable_bytes;
  note_error("spool " + describe(segment_file_name(segment.name_sequence)) + ": " + what +
             " at offset " + std::to_string(segment.readable_bytes) + ", no whole record after it");
  if (!last || options_.read_only) return;
  // Appends continue in this segment, so what follows the last good record must go.
  if (::ftruncate(fd, static_cast<off_t>(segment.readable_bytes)) != 0) {
    segment.sealed = true;
  } else if (::fsync(fd) != 0) {
    ++counters_.fsync_failures;
    segment.sealed = true;
  } else {
    ++counters_.fsyncs;
    segment.disk_bytes = segment.readable_bytes;
  }
}

// ---- append --------------------------------------------------------------------------------

bool SpoolImpl::append(std::uint64_t sequence, std::string_view payload) {
  DeferredIo io;
  bool appended = false;
  {
    std::lock_guard lock(mutex_);
    appended = append_locked(sequence, payload, io);
  }
  carry_out(io);
  return appended;
}

bool SpoolImpl::append_locked(std::uint64_t sequence, std::string_view payload, DeferredIo& io) {
  if (options_.read_only) return refuse("spool " + options_.directory + ": opened read-only");
  if (sequence <= last_sequence_locked()) {
    return refuse("spool " + options_.directory + ": sequence " + std::to_string(sequence) +
                  " is not after " + std::to_string(last_sequence_locked()));
  }
  if (payload.size() > kSpoolMaxPayloadBytes ||
      kSpoolRecordHeaderBytes + payload.size() > options_.max_bytes) {
    return refuse("spool " + options_.directory + ": event " + std::to_string(sequence) + " of " +
                  std::to_string(payload.size()) + " bytes does not fit a record or the cap");
  }
  make_room(kSpoolRecordHeaderBytes + payload.size(), io);
  if (!ensure_tail(sequence, io) || !write_record(sequence, payload, io)) return false;
  if (options_.fsync_interval_ms == 0 ||
      Clock::now() - last_data_sync_ >= std::chrono::milliseconds(options_.fsync_interval_ms)) {
    plan_data_sync(io);
  }
  return true;
}

bool SpoolImpl::refuse(std::string message) {
  ++counters_.write_failures;
  ++counters_.events_lost_write;
  note_error(std::move(message));
  return false;
}

void SpoolImpl::make_room(std::uint64_t record_bytes, DeferredIo& io) {
  // The segment taking appends goes only when it is the last one left.
  while (!segments_.empty() && total_disk_bytes_ + record_bytes > options_.max_bytes) {
    const Segment& oldest = segments_.front();
    counters_.events_dropped_at_cap += oldest.sequences.size() - oldest.first_after(acknowledged_);
    ++counters_.segments_dropped_at_cap;
    if (segments_.size() == 1) tail_fd_.reset();
    io.unlink.push_back(segment_file_name(oldest.name_sequence));
    total_disk_bytes_ -= oldest.disk_bytes;
    segments_.pop_front();
  }
}

bool SpoolImpl::ensure_tail(std::uint64_t sequence, DeferredIo& io) {
  if (tail_fd_.valid() && segments_.back().readable_bytes >= options_.segment_bytes) {
    roll_tail(io);
  }
  if (tail_fd_.valid()) return true;
  if (!segments_.empty() && !segments_.back().sealed &&
      segments_.back().readable_bytes < options_.segment_bytes) {
    // The last segment found at open continues.
    const std::string name = segment_file_name(segments_.back().name_sequence);
    tail_fd_.reset(::openat(directory_fd_.get(), name.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    if (tail_fd_.valid()) return true;
    segments_.back().sealed = true;
  }
  const std::string name = segment_file_name(sequence);
  tail_fd_.reset(::openat(directory_fd_.get(), name.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644));
  if (!tail_fd_.valid()) {
    return refuse("spool " + describe(name) + ": cannot create: " + errno_text(errno));
  }
  Segment segment;
  segment.name_sequence = sequence;
  segments_.push_back(std::move(segment));
  ++counters_.segments_created;
  directory_dirty_ = true;
  return true;
}

void SpoolImpl::roll_tail(DeferredIo& io) {
  if (data_dirty_) {
    ++counters_.fsyncs;
    io.rolled_segment = std::move(tail_fd_);
    data_dirty_ = false;
  }
  tail_fd_.reset();
  segments_.back().sealed = true;
}

bool SpoolImpl::write_record(std::uint64_t sequence, std::string_view payload, DeferredIo& io) {
  encode_spool_record(sequence, payload, record_buffer_);
  Segment& tail = segments_.back();
  const std::uint64_t start = tail.readable_bytes;
  int error = 0;
  if (!write_all(tail_fd_.get(), record_buffer_.data(), record_buffer_.size(), error)) {
    refuse("spool " + describe(segment_file_name(tail.name_sequence)) +
           ": write failed: " + errno_text(error));
    abandon_failed_write(tail, start, io);
    return false;
  }
  tail.add_record(sequence, start, record_buffer_.size());
  tail.disk_bytes = tail.readable_bytes;
  total_disk_bytes_ += record_buffer_.size();
  last_appended_ = sequence;
  data_dirty_ = true;
  ++counters_.events_appended;
  counters_.bytes_appended += record_buffer_.size();
  return true;
}

void SpoolImpl::abandon_failed_write(Segment& tail, std::uint64_t record_start, DeferredIo& io) {
  struct stat info {};
  const bool stat_ok = ::fstat(tail_fd_.get(), &info) == 0;
  if (::ftruncate(tail_fd_.get(), static_cast<off_t>(record_start)) == 0) {
    if (!tail.empty()) return;  // the next append retries in the same segment
  } else if (stat_ok && S_ISREG(info.st_mode) &&
             static_cast<std::uint64_t>(info.st_size) > record_start) {
    // A partial record stays on disk: it is skipped as a torn or corrupt record at the next
    // open, and nothing more may follow it in this file.
    const std::uint64_t grown = static_cast<std::uint64_t>(info.st_size) - tail.disk_bytes;
    tail.disk_bytes += grown;
    total_disk_bytes_ += grown;
  }
  if (!tail.empty()) {
    roll_tail(io);
    return;
  }
  // No record made it: the file goes, so the next segment is named after its real first event.
  tail_fd_.reset();
  io.unlink.push_back(segment_file_name(tail.name_sequence));
  total_disk_bytes_ -= tail.disk_bytes;
  segments_.pop_back();
}

void SpoolImpl::plan_data_sync(DeferredIo& io) {
  last_data_sync_ = Clock::now();
  if (data_dirty_ && tail_fd_.valid()) {
    io.tail.reset(::dup(tail_fd_.get()));
    ++counters_.fsyncs;
  }
  data_dirty_ = false;
  if (directory_dirty_) {
    io.directory = true;
    ++counters_.fsyncs;
  }
  directory_dirty_ = false;
}

bool SpoolImpl::carry_out(DeferredIo& io) {
  std::string error;
  std::uint64_t fsync_failures = 0;
  const auto check = [&](bool ok, const std::string& what) {
    if (!ok && error.empty()) error = "spool " + what + ": " + errno_text(errno);
    return ok;
  };
  const auto check_fsync = [&](int fd) {
    if (!check(::fsync(fd) == 0, options_.directory + ": fsync failed")) ++fsync_failures;
  };
  for (UniqueFd* fd : {&io.rolled_segment, &io.tail}) {
    if (fd->valid()) check_fsync(fd->get());
    fd->reset();
  }
  if (io.directory) check_fsync(directory_fd_.get());
  for (const std::string& name : io.unlink) {
    const bool removed = ::unlinkat(directory_fd_.get(), name.c_str(), 0) == 0 || errno == ENOENT;
    check(removed, describe(name) + ": cannot remove");
  }
  io = DeferredIo();
  if (error.empty()) return true;
  std::lock_guard lock(mutex_);
  counters_.fsync_failures += fsync_failures;
  note_error(std::move(error));
  return false;
}

// ---- acknowledge, sync ---------------------------------------------------------------------

std::uint64_t SpoolImpl::count_in_range(std::uint64_t after, std::uint64_t through) const {
  std::uint64_t count = 0;
  for (const Segment& segment : segments_) {
    count += segment.first_after(through) - segment.first_after(after);
  }
  return count;
}

// The open tail stays even when fully acknowledged: the next appends go there.
bool SpoolImpl::taking_appends(const Segment& segment, std::size_t index) const {
  return index + 1 == segments_.size() && tail_fd_.valid() &&
         segment.readable_bytes < options_.segment_bytes;
}

void SpoolImpl::acknowledge(std::uint64_t sequence) {
  DeferredIo io;
  {
    std::lock_guard lock(mutex_);
    if (options_.read_only || sequence <= acknowledged_) return;
    counters_.events_acknowledged += count_in_range(acknowledged_, sequence);
    acknowledged_ = sequence;
    // The ack file is rewritten at the fsync pace, but always before a segment goes: a segment
    // must never be removed on an acknowledgement a crash could forget.
    bool removal_due = false;
    for (std::size_t i = 0; i < segments_.size() && !removal_due; ++i) {
      removal_due = removable(segments_[i], i, acknowledged_);
    }
    const Clock::time_point now = Clock::now();
    const bool due = removal_due || options_.fsync_interval_ms == 0 ||
                     now - last_ack_sync_ >= std::chrono::milliseconds(options_.fsync_interval_ms);
    if (!due) return;
    last_ack_sync_ = now;
    // Data first, so the ack file never claims more than the segments hold after a power cut.
    plan_data_sync(io);
  }
  persist_ack(sequence, io);
}

void SpoolImpl::sync() {
  DeferredIo io;
  std::uint64_t unpersisted_ack = 0;
  {
    std::lock_guard lock(mutex_);
    if (options_.read_only) return;
    plan_data_sync(io);
    if (acknowledged_ > persisted_ack_) unpersisted_ack = acknowledged_;
  }
  if (unpersisted_ack == 0) {
    carry_out(io);
  } else {
    persist_ack(unpersisted_ack, io);
  }
}

void SpoolImpl::persist_ack(std::uint64_t value, DeferredIo& io) {
  std::lock_guard ack_lock(ack_file_mutex_);
  if (!carry_out(io)) return;
  std::string error;
  std::uint64_t fsync_failures = 0;
  const bool written = write_ack_file(value, error, fsync_failures);
  {
    std::lock_guard lock(mutex_);
    counters_.fsync_failures += fsync_failures;
    if (written && fsync_failures != 0) {
      note_error("spool " + options_.directory + ": fsync failed after writing " + kAckFileName);
    }
    if (!written) {
      ++counters_.write_failures;
      note_error(std::move(error));
      return;
    }
    counters_.fsyncs += 2;  // the file, then the directory holding its new name
    persisted_ack_ = std::max(persisted_ack_, value);
    detach_acknowledged_segments(persisted_ack_, io);
  }
  carry_out(io);
}

bool SpoolImpl::write_ack_file(std::uint64_t value, std::string& error,
                               std::uint64_t& fsync_failures) {
  const int cause = replace_file(directory_fd_.get(), kAckTempFileName, kAckFileName,
                                 std::to_string(value) + "\n", fsync_failures);
  if (cause == 0) return true;
  error = "spool " + describe(kAckFileName) + ": cannot write: " + errno_text(cause);
  return false;
}

void SpoolImpl::detach_acknowledged_segments(std::uint64_t acknowledged, DeferredIo& io) {
  for (std::size_t i = segments_.size(); i-- > 0;) {
    if (removable(segments_[i], i, acknowledged)) detach_segment(i, io);
  }
}

void SpoolImpl::detach_segment(std::size_t index, DeferredIo& io) {
  const Segment& segment = segments_[index];
  if (index + 1 == segments_.size()) tail_fd_.reset();
  io.unlink.push_back(segment_file_name(segment.name_sequence));
  ++counters_.segments_removed;
  total_disk_bytes_ -= segment.disk_bytes;
  segments_.erase(segments_.begin() + static_cast<std::ptrdiff_t>(index));
}

// ---- pending -------------------------------------------------------------------------------

std::uint64_t SpoolImpl::pending_events() const {
  std::lock_guard lock(mutex_);
  std::uint64_t count = 0;
  for (const Segment& segment : segments_) {
    count += segment.sequences.size() - segment.first_after(acknowledged_);
  }
  return count;
}

std::uint64_t SpoolImpl::pending_bytes() const {
  std::lock_guard lock(mutex_);
  std::uint64_t bytes = 0;
  for (const Segment& segment : segments_) {
    const std::size_t first = segment.first_after(acknowledged_);
    if (first < segment.offsets.size()) bytes += segment.readable_bytes - segment.offsets[first];
  }
  return bytes;
}

std::uint64_t SpoolImpl::oldest_pending_sequence() const {
  std::lock_guard lock(mutex_);
  for (const Segment& segment : segments_) {
    const std::size_t first = segment.first_after(acknowledged_);
    if (first < segment.sequences.size()) return segment.sequences[first];
  }
  return 0;
}

// ---- read_after ----------------------------------------------------------------------------

std::size_t SpoolImpl::read_after(std::uint64_t after, std::size_t max_events,
                                  std::size_t max_bytes, std::vector<SpooledEvent>& out) {
  ReadPlan plan;
  for (int attempt = 0; attempt < kReadAttempts && max_events > 0; ++attempt) {
    plan_read(after, max_events, max_bytes, plan);
    bool vanished = false;
    const std::size_t copied = execute_read(plan, out, vanished);
    if (copied > 0 || !vanished) return copied;
  }
  return 0;
}

void SpoolImpl::plan_read(std::uint64_t after, std::size_t max_events, std::size_t max_bytes,
                          ReadPlan& plan) const {
  plan.segments.clear();
  plan.records.clear();
  std::lock_guard lock(mutex_);
  const std::uint64_t from = std::max(after, acknowledged_);
  std::uint64_t payload_bytes = 0;
  bool full = false;
  for (auto segment = segments_.begin(); segment != segments_.end() && !full; ++segment) {
    ReadPlan::SegmentRange range{segment->name_sequence, 0, plan.records.size(), 0};
    for (std::size_t i = segment->first_after(from); i < segment->sequences.size(); ++i) {
      const std::uint64_t size = segment->record_end(i) - segment->offsets[i];
      const std::uint64_t payload = size - kSpoolRecordHeaderBytes;
      full = plan.records.size() >= max_events ||
             (!plan.records.empty() && payload_bytes + payload > max_bytes);
      if (full) break;
      plan.records.push_back({segment->sequences[i], segment->offsets[i]});
      payload_bytes += payload;
      range.end = segment->record_end(i);
      ++range.record_count;
    }
    if (range.record_count > 0) plan.segments.push_back(range);
  }
}

std::size_t SpoolImpl::execute_read(const ReadPlan& plan, std::vector<SpooledEvent>& out,
                                    bool& vanished) {
  std::size_t copied = 0;
  for (const ReadPlan::SegmentRange& range : plan.segments) {
    const std::string name = segment_file_name(range.name_sequence);
    UniqueFd fd(::openat(directory_fd_.get(), name.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
      vanished = vanished || errno == ENOENT;
      continue;
    }
    SegmentReader reader(fd.get(), range.end);
    for (std::size_t i = 0; i < range.record_count; ++i) {
      const ReadPlan::Record& planned = plan.records[range.first_record + i];
      SpoolRecordView record;
      const SpoolRecordStatus status = reader.read_at(planned.offset, record);
      if (status != SpoolRecordStatus::kRecord || record.sequence != planned.sequence) {
        forget_unreadable(range.name_sequence, planned.sequence,
                          "spool " + describe(name) + ": record " +
                              std::to_string(planned.sequence) + " no longer reads back");
        continue;
      }
      out.push_back({record.sequence, std::string(record.payload)});
      ++copied;
    }
  }
  return copied;
}

// A record that was good when indexed but fails now (media error, someone editing the file) is
// dropped from the index, so the stream moves past it instead of retrying it forever.
void SpoolImpl::forget_unreadable(std::uint64_t name_sequence, std::uint64_t sequence,
                                  std::string reason) {
  std::lock_guard lock(mutex_);
  ++counters_.corrupt_records;
  note_error(std::move(reason));
  for (Segment& segment : segments_) {
    if (segment.name_sequence != name_sequence) continue;
    const auto it = std::lower_bound(segment.sequences.begin(), segment.sequences.end(), sequence);
    if (it == segment.sequences.end() || *it != sequence) return;
    const auto index = it - segment.sequences.begin();
    segment.sequences.erase(it);
    segment.offsets.erase(segment.offsets.begin() + index);
    return;
  }
}

// ---- test hook -----------------------------------------------------------------------------

bool SpoolImpl::replace_append_fd(int fd) {
  std::lock_guard lock(mutex_);
  if (!tail_fd_.valid()) return false;
  tail_fd_.reset(fd);
  return true;
}

}  // namespace

std::unique_ptr<Spool> Spool::open(const SpoolOptions& options, std::string& error) {
  auto spool = std::make_unique<SpoolImpl>(options);
  if (!spool->open(error)) return nullptr;
  return spool;
}

bool replace_append_fd_for_testing(Spool& spool, int fd) {
  auto* impl = dynamic_cast<SpoolImpl*>(&spool);
  return impl != nullptr && impl->replace_append_fd(fd);
}

}  // namespace bw::stream
