#include "sensor/pipeline/pipeline.h"

#include <google/protobuf/arena.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include "beaconwatch/v1/event.pb.h"
#include "sensor/capture/pcap_source.h"
#include "sensor/pipeline/backoff.h"
#include "sensor/pipeline/doorbell.h"
#include "sensor/pipeline/spsc_ring.h"

namespace bw::pipeline {
namespace {

// How long a doorbell wait may last (see doorbell.h). A thread waiting for room waits on a thread
// that is busy, so a lost ring costs little; an idle thread wakes this often to beat its heartbeat.
constexpr std::chrono::milliseconds kRoomWait{1};
constexpr std::chrono::milliseconds kIdleWait{20};

struct WorkItem {
  enum class Kind : std::uint8_t { kPacket, kTick, kEnd };
  Kind kind = Kind::kPacket;
  std::uint16_t source_index = 0;
  std::uint64_t seq = 0;
  TimestampNs ts = 0;
  std::uint64_t arena_end = 0;
  decode::DecodedPacket packet;  // `datagram` points into the worker's arena
};

// Thread names (15 characters at most) show in top -H, ps -L, perf, gdb and
// /proc/<pid>/task/*/comm: which thread burns the CPU is then visible without a profiler.
void name_this_thread(const char* name) {
#if defined(__linux__)
  pthread_setname_np(pthread_self(), name);
#elif defined(__APPLE__)
  pthread_setname_np(name);
#else
  (void)name;
#endif
}

std::uint64_t cpu_us_of(clockid_t clock) {
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000 +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

std::uint64_t own_cpu_us() {
  return cpu_us_of(CLOCK_THREAD_CPUTIME_ID);
}

// The run's threads and their CPU clocks, for the summary and health events. The slots are made
// before any thread starts and never move. A slot's clock is set by the thread that starts that
// thread, before the exporter starts (the exporter reads its own time through
// CLOCK_THREAD_CPUTIME_ID instead); each thread writes its final time into its slot as it ends,
// and the slots are read for the summary only after every thread has been joined.
struct ThreadClocks {
  struct Slot {
    std::string name;
    clockid_t clock{};
    bool has_clock = false;
    std::uint64_t base_us = 0;  // the capture thread is the caller's: its time before the run
    std::uint64_t final_us = 0;
  };
  std::vector<Slot> slots;  // capture, workers, exporter

  static void set_clock(Slot& slot, pthread_t thread) {
#if defined(__linux__) || defined(__FreeBSD__)
    slot.has_clock = pthread_getcpuclockid(thread, &slot.clock) == 0;
#else
    (void)slot;
    (void)thread;
#endif
  }
  // From the exporter thread, while the others run (health events).
  void read_live(std::vector<ThreadCpu>& out) const {
    out.clear();
    for (std::size_t i = 0; i < slots.size(); ++i) {
      const Slot& slot = slots[i];
      std::uint64_t now = 0;
      if (i + 1 == slots.size()) {
        now = own_cpu_us();
      } else if (slot.has_clock) {
        now = cpu_us_of(slot.clock);
      }
      out.push_back(ThreadCpu{slot.name, now > slot.base_us ? now - slot.base_us : 0});
    }
  }
  void read_final(std::vector<ThreadCpu>& out) const {
    out.clear();
    for (const Slot& slot : slots)
      out.push_back(ThreadCpu{slot.name, slot.final_us});
  }
};

TimestampNs wall_clock_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Per-worker shared state. The capture thread writes `input` and `arena`; the worker reads them,
// writes `output` and `watermark`; the exporter reads those. The padding the analyzer reports is
// the point: each side's fields sit on cache lines of their own.
// NOLINTNEXTLINE(clang-analyzer-optin.performance.Padding)
struct WorkerLane {
  WorkerLane(std::size_t queue_depth, std::size_t arena_bytes, std::size_t event_depth,
             TimestampNs live_queue_wait)
      : input(queue_depth),
        arena(arena_bytes),
        output(event_depth),
        input_room_mark(std::max<std::size_t>(1, queue_depth / 2)),
        output_room_mark(std::max<std::size_t>(1, event_depth / 2)),
        exporter_batch(std::max<std::size_t>(1, event_depth / 2)),
        live_wait(std::chrono::nanoseconds(live_queue_wait)) {}

  SpscChannel<WorkItem> input;
  PacketArena arena;
  SpscChannel<exporter::EventRecord> output;
  // A producer that found its queue full sleeps until half of it is free: one wake per half queue
  // rather than one per item, and the consumer keeps working through the other half meanwhile.
  const std::size_t input_room_mark;
  const std::size_t output_room_mark;
  // The exporter, idle, is woken once this many events wait in the lane (or the worker idles):
  // half the lane, so the worker keeps the other half to fill while the exporter wakes.
  const std::size_t exporter_batch;
  // The worker sleeps on `input_ready` when its queue is empty and on `output_room` when the
  // exporter is behind; the capture thread sleeps on `input_room` when the queue or arena is full.
  Doorbell input_ready;
  Doorbell input_room;
  Doorbell output_room;
  // Capture thread only (live capture); on a line of its own, away from the worker-written fields.
  alignas(kCacheLine) BoundedWait live_wait;
  // Every event whose trigger_seq is at or below this has been pushed to `output`.
  alignas(kCacheLine) std::atomic<std::uint64_t> watermark{0};
  std::atomic<bool> done{false};
  // The watermark the exporter waits for (0: none); the worker rings it once that is reached.
  // Written by the exporter only when it is held back, so the worker's reads stay in its cache.
  alignas(kCacheLine) std::atomic<std::uint64_t> exporter_needs{0};
  alignas(kCacheLine) WorkerSummary summary;
  std::uint64_t output_full_waits = 0;
  // A copy of the worker's counters taken at each tick, for health reports: the exporter reads
  // it under the mutex, never the counters the worker is writing.
  std::mutex published_mutex;
  WorkerSummary published;
  // Bumped by the worker on every round of its loop, idle or not (a line of its own).
  service::Heartbeat heartbeat;
  bool wedge_for_testing = false;  // ServiceHooks::wedge_worker_for_testing; set before start
};

// The capture thread's counters, copied at each tick for health reports.
struct CaptureSnapshot {
  std::mutex mutex;
  CaptureCounters capture;
  decode::DecodeCounters decode;
};

class Worker final : private flow::EventSink {
 public:
  // `scorer` (may be null: detection off) scores the per-flow half of beacon detection here, on
  // this worker, so the exporter's single thread keeps only what needs every flow.
  Worker(const flow::FlowConfig& config, WorkerLane& lane,
         const std::atomic<std::uint64_t>& dispatched, Doorbell& events_ready,
         std::unique_ptr<correlate::FlowScorer> scorer)
      : lane_(lane),
        dispatched_(dispatched),
        events_ready_(events_ready),
        processor_(config, *this),
        scorer_(std::move(scorer)) {}

  void run() {
    for (;;) {
      lane_.heartbeat.beat();
      // Items come off the queue in batches: one acquire on the queue index per batch instead
      // of per packet.
      const std::size_t count = lane_.input.try_pop_batch(batch_.data(), batch_.size());
      if (count == 0) {
        // Idle: everything dispatched so far that was meant for us has been handled, so no event
        // of ours can be older than the capture's last sequence number. Reading the dispatch
        // mark before checking the queue is what makes that true.
        const std::uint64_t dispatched = dispatched_.load(std::memory_order_acquire);
        if (lane_.input.empty()) {
          // What we pushed may be all the exporter gets for a while: hand it over now rather
          // than at the next batch mark. The exporter also rings us when it waits on our
          // watermark, and we come back here to publish a newer one. Nothing new, no ring: an
          // idle sensor's threads wake only on their timeouts.
          publish_watermark(dispatched);
          if (pushed_since_ring_ > 0 || exporter_need_met()) {
            pushed_since_ring_ = 0;
            events_ready_.ring();
          }
          lane_.input_ready.wait([this] { return !lane_.input.empty(); }, kIdleWait);
        }
        continue;
      }
      for (std::size_t i = 0; i < count; ++i) {
        if (!process(batch_[i])) {
          events_ready_.ring();
          return;
        }
      }
      // Once per batch: the capture thread reads this line only when its arena looks full.
      lane_.arena.release(released_through_);
      if (exporter_need_met()) events_ready_.ring();
      // The capture thread, if it sleeps for room, wakes once half the queue is free.
      if (lane_.input_room.sleeping() &&
          lane_.input.capacity() - lane_.input.size() >= lane_.input_room_mark) {
        lane_.input_room.ring();
      }
    }
  }

 private:
  // Returns false after the end marker.
  bool process(const WorkItem& item) {
    ++lane_.summary.items;
    const flow::PacketContext context{item.seq, item.ts, item.source_index};
    switch (item.kind) {
      case WorkItem::Kind::kPacket:
        processor_.on_packet(context, item.packet);
        released_through_ = item.arena_end;
        break;
      case WorkItem::Kind::kTick: {
        if (lane_.wedge_for_testing && ++ticks_seen_ == 2) wedge_for_testing();
        processor_.on_tick(context);
        const std::lock_guard<std::mutex> lock(lane_.published_mutex);
        collect_summary(lane_.published);
        lane_.published.items = lane_.summary.items;
        break;
      }
      case WorkItem::Kind::kEnd:
        processor_.finish_all(context);
        publish_watermark(item.seq);
        collect_summary(lane_.summary);
        lane_.done.store(true, std::memory_order_release);
        return false;
    }
    publish_watermark(item.seq);
    return true;
  }

  void publish_watermark(std::uint64_t seq) {
    if (seq > lane_.watermark.load(std::memory_order_relaxed)) {
      lane_.watermark.store(seq, std::memory_order_release);
    }
  }

  // Whether the exporter waits for our watermark to reach a point it has now reached; if so the
  // request is cleared, and the caller rings.
  bool exporter_need_met() {
    const std::uint64_t need = lane_.exporter_needs.load(std::memory_order_relaxed);
    if (need == 0 || lane_.watermark.load(std::memory_order_relaxed) < need) return false;
    lane_.exporter_needs.store(0, std::memory_order_relaxed);
    return true;
  }

  void on_event(const exporter::EventRecord& event) override {
    // The verdict goes just before its event, in the same lane and with the same order key, so
    // the exporter meets it right before the event it is about.
    if (scorer_ != nullptr && scorer_->score(event, scored_)) push(scored_);
    push(event);
  }

  void push(const exporter::EventRecord& event) {
    while (!lane_.output.try_push(event)) {
      // Replay is lossless: wait for the exporter rather than drop an event. Waiting on a slow
      // exporter is progress: the watchdog names the exporter if it is the one wedged.
      lane_.heartbeat.beat();
      ++lane_.output_full_waits;
      pushed_since_ring_ = 0;
      events_ready_.ring();
      lane_.output_room.wait([this] { return lane_.output.room() >= lane_.output_room_mark; },
                             kRoomWait);
    }
    if (++pushed_since_ring_ >= lane_.exporter_batch) {
      pushed_since_ring_ = 0;
      events_ready_.ring();
    }
  }

  void collect_summary(WorkerSummary& s) {
    s.flow = processor_.counters();
    s.table = processor_.table_counters();
    s.classify = processor_.classify_counters();
    s.http = processor_.http_counters();
    s.dns = processor_.dns_counters();
    s.tls = processor_.tls_counters();
    s.quic = processor_.quic_counters();
    s.smtp = processor_.smtp_counters();
    s.reassembly = processor_.reassembly_counters();
    s.starttls = processor_.starttls_counters();
  }

  // A thread stuck for good, as a parser in an endless loop would be: no heartbeat, no items.
  [[noreturn]] static void wedge_for_testing() {
    for (;;)
      std::this_thread::sleep_for(std::chrono::seconds(1));
  }

  WorkerLane& lane_;
  const std::atomic<std::uint64_t>& dispatched_;
  Doorbell& events_ready_;              // the exporter's
  std::size_t pushed_since_ring_ = 0;   // events pushed since the exporter was last rung
  std::uint64_t ticks_seen_ = 0;        // wedge_for_testing only
  std::uint64_t released_through_ = 0;  // arena position past the last packet processed
  flow::FlowProcessor processor_;
  std::unique_ptr<correlate::FlowScorer> scorer_;
  exporter::EventRecord scored_;  // scratch for the scorer's record, reused
  std::array<WorkItem, 32> batch_;
};

struct HealthSources {
  TimestampNs interval = 0;  // 0: no health reports
  CaptureSnapshot* capture = nullptr;
  const ThreadClocks* threads = nullptr;
  // Live: the first-seen store is saved at each health report too, so a sensor that is killed or
  // loses power keeps what it learned (and how long it has been learning) up to the last report.
  std::string first_seen_file;
};

class Exporter final : private correlate::AlertSink {
 public:
  Exporter(std::vector<std::unique_ptr<WorkerLane>>& lanes,
           std::vector<std::unique_ptr<exporter::EventWriter>>& writers,
           exporter::EncoderContext context, correlate::BeaconDetector* detector,
           correlate::DetectionResources* detection, HealthSources health,
           std::uint64_t first_sequence, Doorbell& events_ready)
      : health_(std::move(health)),
        events_ready_(events_ready),
        lanes_(lanes),
        writers_(writers),
        context_(std::move(context)),
        detector_(detector),
        detection_(detection),
        arena_block_(new char[kArenaBlockBytes]),
        arena_(arena_options(arena_block_.get())),
        sequence_(first_sequence - 1) {}

  void run() {
    Backoff backoff;
    const TimestampNs started = wall_clock_now();
    TimestampNs next_health = started + health_.interval;
    for (;;) {
      heartbeat_.beat();
      if (detection_ != nullptr) reload_if_requested();
      if (health_.interval > 0) {
        const TimestampNs now = wall_clock_now();
        if (now >= next_health) {
          write_health(now, started);
          save_first_seen();
          next_health = now + health_.interval;
        }
      }
      const Step step = step_once();
      if (step == Step::kFinished) break;
      if (step == Step::kWrote || step == Step::kRetry) {
        backoff.reset();
      } else if (wait_for_events()) {
        // Something is there but cannot go out yet: a busy worker's watermark is behind the
        // candidate. It moves within microseconds, so poll rather than sleep.
        backoff.pause();
      }
    }
    // Campaign updates the rate limit still holds go out after the last event.
    if (detector_ != nullptr) detector_->finish(*this);
    for (auto& writer : writers_) {
      if (!writer->flush()) note_write_error(*writer);
    }
  }

  ExportCounters& counters() { return counters_; }
  const std::string& first_error() const { return first_error_; }
  const service::Heartbeat& heartbeat() const { return heartbeat_; }
  // Before start: the reload is announced to the service manager through `service`.
  void set_service(const ServiceHooks* service) { service_ = service; }

 private:
  enum class Step { kWrote, kRetry, kWaiting, kFinished };

  // Sleeps until a worker rings or has a batch ready; true if there was work without sleeping.
  bool wait_for_events() {
    if (blocked_lane_ < lanes_.size()) {
      // An idle worker publishes its watermark only as it goes idle; the dispatch mark may have
      // moved since, on other lanes' packets. Ask it for a fresh one.
      lanes_[blocked_lane_]->input_ready.ring();
    }
    return events_ready_.wait([this] { return has_work(); }, kIdleWait);
  }

  bool has_work() const {
    bool all_done = true;
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
      const WorkerLane& lane = *lanes_[i];
      const std::size_t waiting = lane.output.size();
      if (waiting >= lane.exporter_batch) return true;
      // An idle or finished worker sends nothing more for now: take what it left.
      const bool done = lane.done.load(std::memory_order_acquire);
      if (waiting > 0 && (done || lane.input_ready.sleeping())) return true;
      all_done = all_done && done;
      if (i == blocked_lane_ &&
          lane.watermark.load(std::memory_order_acquire) != blocked_watermark_) {
        return true;
      }
    }
    return all_done;
  }

  // Removes lane `i`'s head; wakes its worker if it sleeps for room and half the lane is free.
  void drop_head(std::size_t i) {
    WorkerLane& lane = *lanes_[i];
    lane.output.drop_front();
    if (lane.output_room.sleeping() &&
        lane.output.capacity() - lane.output.size() >= lane.output_room_mark) {
      lane.output_room.ring();
    }
  }

  Step step_once() {
    blocked_lane_ = lanes_.size();
    // The smallest head among the lanes that have events. Which lanes were empty is remembered:
    // a lane that gets an event after this scan may hold one earlier than the candidate.
    std::size_t best = lanes_.size();
    empty_at_scan_.assign(lanes_.size(), true);
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
      const exporter::EventRecord* head = lanes_[i]->output.peek();
      if (head == nullptr) continue;
      empty_at_scan_[i] = false;
      if (best == lanes_.size() || head->order < lanes_[best]->output.peek()->order) best = i;
    }
    if (best == lanes_.size()) {
      const bool all_done = std::all_of(lanes_.begin(), lanes_.end(), [](const auto& lane) {
        return lane->done.load(std::memory_order_acquire) && lane->output.empty();
      });
      return all_done ? Step::kFinished : Step::kWaiting;
    }
    const exporter::EventRecord& candidate = *lanes_[best]->output.peek();
    // A lane that was empty may still be working on an item at or before the candidate's. Its
    // watermark is read first: every event at or below it was queued before it was published.
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
      if (!empty_at_scan_[i]) continue;  // its head was seen, and is not before the candidate
      const std::uint64_t watermark = lanes_[i]->watermark.load(std::memory_order_acquire);
      if (!lanes_[i]->output.empty()) return Step::kRetry;  // filled since the scan: look again
      if (watermark < candidate.order.trigger_seq) {
        blocked_lane_ = i;
        blocked_watermark_ = watermark;
        lanes_[i]->exporter_needs.store(candidate.order.trigger_seq, std::memory_order_relaxed);
        return Step::kWaiting;
      }
    }
    if (const auto* mail = std::get_if<exporter::MailUrlRecord>(&candidate.body)) {
      // Internal record, in stream order like the rest: it feeds the mail watchlist and is not
      // exported.
      if (detector_ != nullptr) detector_->observe_mail_url(*mail);
      drop_head(best);
      return Step::kWrote;
    }
    if (const auto* scored = std::get_if<correlate::BeaconAlert>(&candidate.body);
        scored != nullptr && (scored->per_flow & correlate::kPerFlowScored) != 0) {
      // Internal: a worker's per-flow score of the event that follows it; not exported.
      if (detector_ != nullptr) detector_->observe_prescored(candidate);
      drop_head(best);
      return Step::kWrote;
    }
    write(candidate);
    // Detection sees events in export order; what it adds follows the event it is about.
    if (detector_ != nullptr) detector_->observe(candidate, sequence_, *this);
    drop_head(best);
    return Step::kWrote;
  }

  void on_alert(const exporter::EventRecord& alert) override { write(alert); }

  // A SIGHUP that lands between the check and the reload is reloaded unannounced: harmless, the
  // manager only misses one RELOADING=1/READY=1 pair.
  void reload_if_requested() {
    const bool announce = service_ != nullptr && service_->on_reloading && service_->on_reloaded &&
                          detection_->reload_requested.load(std::memory_order_relaxed);
    if (announce) service_->on_reloading();
    correlate::reload_intel_if_requested(*detection_, stderr);
    if (announce) service_->on_reloaded();
  }

  void save_first_seen() {
    if (detector_ == nullptr || health_.first_seen_file.empty()) return;
    std::string error;
    if (!detector_->first_seen().save(health_.first_seen_file, error) && !first_seen_failing_) {
      std::fprintf(stderr, "bw-sensor: first-seen store not saved: %s\n", error.c_str());
    }
    first_seen_failing_ = !error.empty();  // reported once until it works again
  }

  // Counters of every stage as of their last tick, as one `health` event.
  void write_health(TimestampNs now, TimestampNs started) {
    RunSummary summary;
    if (health_.capture != nullptr) {
      const std::lock_guard<std::mutex> lock(health_.capture->mutex);
      summary.capture = health_.capture->capture;
      summary.decode = health_.capture->decode;
    }
    for (auto& lane : lanes_) {
      const std::lock_guard<std::mutex> lock(lane->published_mutex);
      summary.workers.push_back(lane->published);
    }
    summary.exporter = counters_;
    if (detector_ != nullptr) summary.detect = detector_->counters();
    if (health_.threads != nullptr) health_.threads->read_live(summary.threads);
    health_counters_.clear();
    summary.for_each_counter(
        [this](std::string_view section, std::string_view name, std::uint64_t value) {
          if (value == 0) return;
          std::string full(section);
          full.push_back('.');
          full.append(name);
          health_counters_.emplace_back(std::move(full), value);
        });
    for (const auto& writer : writers_)
      writer->append_counters(health_counters_);
    ++sequence_;
    ++counters_.events_health;
    beaconwatch::v1::Event& event = fresh_event();
    exporter::encode_health(health_counters_, static_cast<double>(now - started) / 1e9, now,
                            sequence_, context_, event);
    for (auto& writer : writers_) {
      if (!writer->write(event)) note_write_error(*writer);
    }
  }

  void write(const exporter::EventRecord& record) {
    ++sequence_;
    beaconwatch::v1::Event& event = fresh_event();
    exporter::encode_event(record, sequence_, context_, event);
    ++counters_.events_written;
    const auto& body = record.body;
    if (std::holds_alternative<extract::HttpTransaction>(body)) ++counters_.events_http;
    if (std::holds_alternative<extract::DnsMessage>(body)) ++counters_.events_dns;
    if (std::holds_alternative<exporter::TlsHandshakeRecord>(body)) ++counters_.events_tls;
    if (std::holds_alternative<extract::QuicInitial>(body)) ++counters_.events_quic;
    if (std::holds_alternative<correlate::BeaconAlert>(body)) ++counters_.events_beacon;
    if (std::holds_alternative<correlate::CampaignUpdate>(body)) ++counters_.events_campaign;
    for (auto& writer : writers_) {
      if (!writer->write(event)) note_write_error(*writer);
    }
  }

  // Every event is built on an arena emptied before each one: its messages and strings are carved
  // from one block kept for the whole run, not allocated and freed one by one per event (a
  // message's Clear() deletes its submessages). Only strings longer than the inline buffer of
  // std::string still use the heap.
  static constexpr std::size_t kArenaBlockBytes = std::size_t{64} * 1024;
  static google::protobuf::ArenaOptions arena_options(char* block) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = kArenaBlockBytes;
    return options;
  }
  beaconwatch::v1::Event& fresh_event() {
    arena_.Reset();
    return *google::protobuf::Arena::CreateMessage<beaconwatch::v1::Event>(&arena_);
  }

  void note_write_error(const exporter::EventWriter& writer) {
    ++counters_.write_errors;
    if (first_error_.empty()) first_error_ = writer.error();
  }

  HealthSources health_;
  Doorbell& events_ready_;  // rung by the workers
  // The lane whose watermark held back the last step (lanes_.size(): none), and that watermark.
  std::size_t blocked_lane_ = 0;
  std::uint64_t blocked_watermark_ = 0;
  const ServiceHooks* service_ = nullptr;
  // Bumped on every round of run(), idle or not; a line of its own.
  service::Heartbeat heartbeat_;
  bool first_seen_failing_ = false;
  std::vector<std::unique_ptr<WorkerLane>>& lanes_;
  std::vector<std::unique_ptr<exporter::EventWriter>>& writers_;
  exporter::EncoderContext context_;
  correlate::BeaconDetector* detector_;
  correlate::DetectionResources* detection_;
  std::vector<std::pair<std::string, std::uint64_t>> health_counters_;
  std::vector<bool> empty_at_scan_;
  std::unique_ptr<char[]> arena_block_;
  google::protobuf::Arena arena_;
  std::uint64_t sequence_ = 0;
  ExportCounters counters_;
  std::string first_error_;
};

const char* linktype_name(std::uint32_t linktype) {
  switch (linktype) {
    case 0:
      return "NULL";
    case 1:
      return "ETHERNET";
    case 9:
      return "PPP";
    case 101:
      return "RAW";
    case 104:
      return "C_HDLC";
    case 113:
      return "LINUX_SLL";
    case 239:
      return "NFLOG";
    case 276:
      return "LINUX_SLL2";
    default:
      return "unknown";
  }
}

class CaptureLoop {
 public:
  // `live`: a full queue is waited on for at most `pipeline.live_queue_wait`, then the packet is
  // dropped and counted (see live_wait); replay waits as long as it takes, so a replay never
  // loses a packet.
  CaptureLoop(const config::SensorConfig& config, std::vector<std::unique_ptr<WorkerLane>>& lanes,
              std::atomic<std::uint64_t>& dispatched, bool live,
              CaptureSnapshot* snapshot = nullptr)
      : snapshot_(snapshot),
        config_(config),
        lanes_(lanes),
        dispatched_(dispatched),
        decoder_(config.decode),
        live_(live),
        stages_(lanes.size()) {}

  // Reads every input in order; returns false with `error` at the first input that fails. A set
  // `stop` ends the reading early (interrupted()), and the end marker still goes out, so the
  // workers finish their flows and the exporter writes everything read so far.
  bool run(const std::vector<std::string>& inputs, const std::atomic<bool>* stop,
           std::string& error) {
    bool ok = true;
    for (std::size_t i = 0; i < inputs.size() && ok && !interrupted_; ++i) {
      ok = read_source(inputs[i], static_cast<std::uint16_t>(i), stop, error);
    }
    finish();
    return ok;
  }

  bool interrupted() const { return interrupted_; }

  void on_raw(const capture::RawPacket& raw, std::uint32_t linktype, std::uint16_t source_index) {
    ++counters_.packets_read;
    counters_.bytes_read += raw.captured_length;
    if (raw.time_out_of_range) ++counters_.timestamps_out_of_range;
    maybe_tick(raw.ts);
    switch (decoder_.decode(linktype, raw.data, raw.ts, packet_)) {
      case decode::DecodeResult::kOk:
        dispatch(packet_, raw.ts, source_index);
        break;
      case decode::DecodeResult::kFragmentHeld:
        ++counters_.fragments_held;
        break;
      case decode::DecodeResult::kNotIp:
        ++counters_.packets_not_ip;
        break;
      case decode::DecodeResult::kMalformed:
      case decode::DecodeResult::kUnsupportedLinkType:
        ++counters_.packets_malformed;
        break;
    }
  }

  // Live capture with nothing arriving: time still passes, so idle flows must still expire.
  void idle_tick(TimestampNs now) { maybe_tick(now); }

  // Copies the counters for health reports (at every tick, and once a second when live).
  void publish() {
    if (snapshot_ == nullptr) return;
    const std::lock_guard<std::mutex> lock(snapshot_->mutex);
    snapshot_->capture = counters_;
    snapshot_->decode = decoder_.counters();
  }

  // End of input: every worker finishes its flows.
  void finish() { broadcast(WorkItem::Kind::kEnd, last_ts_); }

  CaptureCounters& counters() { return counters_; }
  const decode::DecodeCounters& decode_counters() const { return decoder_.counters(); }

 private:
  bool read_source(const std::string& path, std::uint16_t source_index,
                   const std::atomic<bool>* stop, std::string& error) {
    std::unique_ptr<capture::PcapFileSource> source = capture::PcapFileSource::open(path, error);
    if (!source) return false;
    ++counters_.files_opened;
    const std::uint32_t linktype = source->linktype();
    if (!decode::PacketDecoder::supports_linktype(linktype)) {
      ++counters_.unsupported_linktype;
      error = path + ": unsupported link type " + std::to_string(linktype) + " (" +
              linktype_name(linktype) + ")";
      return false;
    }
    capture::RawPacket raw;
    for (;;) {
      // One relaxed load a packet: the signal handler only stores the flag.
      if (stop != nullptr && stop->load(std::memory_order_relaxed)) {
        interrupted_ = true;
        return true;
      }
      const capture::ReadStatus status = source->next(raw);
      if (status == capture::ReadStatus::kEnd) return true;
      if (status == capture::ReadStatus::kError) {
        // A signal that lands while a read waits on a pipe fails that read (EINTR): a stop,
        // not a broken input.
        if (stop != nullptr && stop->load(std::memory_order_relaxed)) {
          interrupted_ = true;
          return true;
        }
        error = source->error();
        return false;
      }
      on_raw(raw, linktype, source_index);
    }
  }

  void maybe_tick(TimestampNs ts) {
    if (ts > last_ts_) last_ts_ = ts;
    if (next_tick_ == 0) next_tick_ = ts + config_.pipeline.tick_interval;
    if (ts < next_tick_) return;
    next_tick_ = ts + config_.pipeline.tick_interval;
    ++counters_.ticks;
    decoder_.expire(ts);
    broadcast(WorkItem::Kind::kTick, ts);
    publish();
  }

  void broadcast(WorkItem::Kind kind, TimestampNs ts) {
    flush();  // ticks and the end marker come after every packet before them
    WorkItem item;
    item.kind = kind;
    item.seq = ++seq_;
    item.ts = ts;
    // Ticks and the end marker are never dropped: they carry expiry and shutdown.
    for (auto& lane : lanes_)
      push_waiting(*lane, item);
    dispatched_.store(seq_, std::memory_order_release);
    for (auto& lane : lanes_)
      lane->input_ready.ring();
  }

  void dispatch(const decode::DecodedPacket& packet, TimestampNs ts, std::uint16_t source_index) {
    const std::size_t lane_index =
        lanes_.size() == 1 ? 0 : decode::symmetric_flow_hash(packet) % lanes_.size();
    WorkerLane& lane = *lanes_[lane_index];
    Stage& stage = stages_[lane_index];
    if (stage.count == stage.items.size()) flush();
    WorkItem& item = stage.items[stage.count];
    item.kind = WorkItem::Kind::kPacket;
    item.ts = ts;
    item.source_index = source_index;
    item.packet = packet;
    // The datagram may live in the frame (valid until the next read) or in the decoder's
    // reassembly buffer (valid until the next decode): either way it is copied now.
    std::uint8_t* bytes = nullptr;
    auto take_bytes = [&] {
      bytes = lane.arena.allocate(packet.datagram.size(), item.arena_end);
      return bytes != nullptr;
    };
    if (!take_bytes()) {
      // The worker frees arena bytes only for items it has received.
      flush();
      if (live_) {
        if (!lane.live_wait.attempt(take_bytes, counters_.queue_full_waits)) {
          ++counters_.queue_full_drops;
          ++lane.input.producer().dropped;
          return;
        }
      } else {
        bool taken = false;
        while (!taken) {
          ++counters_.queue_full_waits;
          lane.input_ready.ring();  // what it holds is what it must get through to free bytes
          taken = lane.input_room.wait(take_bytes, kRoomWait);
        }
      }
    }
    std::memcpy(bytes, packet.datagram.data(), packet.datagram.size());
    item.packet.datagram = ByteSpan(bytes, packet.datagram.size());
    item.seq = ++seq_;
    ++stage.count;
  }

 public:
  // Hands every staged packet to its worker, then advances the dispatch mark past them. Packets
  // go out in batches: the consumer's queue index is read once per batch rather than once per
  // packet, and it is the one cache line that moves between the two cores on every exchange.
  // The dispatch mark is stored only here, after every lane's batch is in its queue, so a
  // worker that sees its queue empty may still trust that nothing at or below the mark is
  // coming: that is what lets the exporter merge the workers' events in capture order.
  void flush() {
    bool handed_over = false;
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
      Stage& stage = stages_[i];
      stage.handed_over = stage.count > 0;
      if (stage.count == 0) continue;
      WorkerLane& lane = *lanes_[i];
      std::size_t pushed = lane.input.try_push_batch(stage.items.data(), stage.count);
      auto push_rest = [&] {
        pushed += lane.input.try_push_batch(stage.items.data() + pushed, stage.count - pushed);
        return pushed == stage.count;
      };
      if (pushed < stage.count) {
        if (live_) {
          if (!lane.live_wait.attempt(push_rest, counters_.queue_full_waits)) {
            // Their arena bytes are reclaimed with the next item the worker releases past them.
            counters_.queue_full_drops += stage.count - pushed;
            lane.input.producer().dropped += stage.count - pushed;
          }
        } else {
          while (!push_rest()) {
            ++counters_.queue_full_waits;
            lane.input_ready.ring();
            lane.input_room.wait([&lane] { return lane.input.room() >= lane.input_room_mark; },
                                 kRoomWait);
          }
        }
      }
      counters_.packets_dispatched += pushed;
      stage.count = 0;
      handed_over = true;
    }
    if (!handed_over) return;
    dispatched_.store(seq_, std::memory_order_release);
    // Only the workers that got something: an idle worker is asked for a newer watermark by the
    // exporter when it needs one, instead of being woken on every batch of other lanes' packets.
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
      if (stages_[i].handed_over) lanes_[i]->input_ready.ring();
    }
  }

 private:
  void push_waiting(WorkerLane& lane, const WorkItem& item) {
    while (!lane.input.try_push(item)) {
      ++counters_.queue_full_waits;
      lane.input_ready.ring();
      lane.input_room.wait([&lane] { return lane.input.room() >= lane.input_room_mark; },
                           kRoomWait);
    }
  }

  // Packets on their way to one worker, not yet in its queue.
  struct Stage {
    std::array<WorkItem, 32> items;
    std::size_t count = 0;
    bool handed_over = false;  // in the last flush()
  };

  CaptureSnapshot* snapshot_;
  const config::SensorConfig& config_;
  std::vector<std::unique_ptr<WorkerLane>>& lanes_;
  std::atomic<std::uint64_t>& dispatched_;
  decode::PacketDecoder decoder_;
  bool live_;
  decode::DecodedPacket packet_;
  std::vector<Stage> stages_;  // one per lane
  std::uint64_t seq_ = 0;
  TimestampNs last_ts_ = 0;
  TimestampNs next_tick_ = 0;
  bool interrupted_ = false;
  CaptureCounters counters_;
};

flow::FlowConfig per_worker(const flow::FlowConfig& total, std::uint32_t workers) {
  flow::FlowConfig config = total;
  config.max_flows = std::max<std::uint32_t>(1024, total.max_flows / workers);
  return config;
}

// Everything but the capture loop: lanes, workers, exporter, detector, and the threads that run
// them; shared by replay and live capture.
class PipelineRun {
 public:
  PipelineRun(const config::SensorConfig& config, std::vector<std::string> source_names,
              std::vector<std::unique_ptr<exporter::EventWriter>>& writers,
              correlate::DetectionResources* detection, bool live,
              const ServiceHooks* service = nullptr)
      : config_(config) {
    if (config.detect.enabled) {
      detector_ = std::make_unique<correlate::BeaconDetector>(
          config.detect, detection != nullptr ? detection->recipients.get() : nullptr,
          detection != nullptr ? detection->intel.get() : nullptr,
          detection != nullptr ? detection->watchlist.get() : nullptr);
    }
    const std::uint32_t worker_count = std::max<std::uint32_t>(1, config.pipeline.workers);
    lanes_.reserve(worker_count);
    for (std::uint32_t i = 0; i < worker_count; ++i) {
      lanes_.push_back(std::make_unique<WorkerLane>(
          config.pipeline.queue_depth, config.pipeline.packet_buffer_bytes,
          config.pipeline.event_queue_depth, config.pipeline.live_queue_wait));
    }
    // Workers (and their nDPI modules) are built before any thread starts: nDPI's
    // initialisation is not safe to run concurrently.
    const flow::FlowConfig worker_config = per_worker(config.flow, worker_count);
    workers_.reserve(worker_count);
    for (auto& lane : lanes_) {
      std::unique_ptr<correlate::FlowScorer> scorer;
      if (detector_) {
        scorer = std::make_unique<correlate::FlowScorer>(
            config.detect, detection != nullptr ? detection->recipients.get() : nullptr,
            detection != nullptr ? detection->intel.get() : nullptr);
      }
      workers_.push_back(std::make_unique<Worker>(worker_config, *lane, dispatched_, events_ready_,
                                                  std::move(scorer)));
    }
    // Health reports run on the sensor's clock, so only live: a replay prints its summary.
    clocks_.slots.resize(worker_count + 2);
    clocks_.slots.front().name = "bw-capture";
    for (std::uint32_t i = 0; i < worker_count; ++i)
      clocks_.slots[i + 1].name = "bw-worker-" + std::to_string(i);
    clocks_.slots.back().name = "bw-export";
    HealthSources health;
    if (live) {
      health = {config.pipeline.health_interval, &capture_snapshot_, &clocks_,
                config.detection_inputs.first_seen_file};
    }
    exporter_ = std::make_unique<Exporter>(
        lanes_, writers, exporter::EncoderContext{config.sensor_id, std::move(source_names)},
        detector_.get(), detection, health,
        std::max<std::uint64_t>(config.pipeline.first_sequence, 1), events_ready_);
    exporter_->set_service(service);
    if (service != nullptr && service->wedge_worker_for_testing >= 0 &&
        static_cast<std::size_t>(service->wedge_worker_for_testing) < lanes_.size()) {
      lanes_[static_cast<std::size_t>(service->wedge_worker_for_testing)]->wedge_for_testing = true;
    }
  }

  // Every thread's heartbeat, named as the thread is.
  std::vector<service::StageHeartbeat> stages() const {
    std::vector<service::StageHeartbeat> stages;
    stages.push_back({clocks_.slots.front().name, &capture_heartbeat_});
    for (std::size_t i = 0; i < lanes_.size(); ++i)
      stages.push_back({clocks_.slots[i + 1].name, &lanes_[i]->heartbeat});
    stages.push_back({clocks_.slots.back().name, &exporter_->heartbeat()});
    return stages;
  }
  // The capture loop's, bumped by run_live on every round (it polls at least every 100 ms).
  service::Heartbeat& capture_heartbeat() { return capture_heartbeat_; }

  static void pin(pthread_t thread, unsigned cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pthread_setaffinity_np(thread, sizeof set, &set) != 0) {
      std::fprintf(stderr, "bw-sensor: warning: cannot pin a thread to CPU %u\n", cpu);
    }
  }

  // Loads the first-seen store; false with `error` when it is unreadable.
  bool load_state(std::string& error) {
    const std::string& store = config_.detection_inputs.first_seen_file;
    return !detector_ || store.empty() || detector_->first_seen().load(store, error);
  }

  // Starts the workers and the exporter; the calling thread becomes the capture thread (named
  // bw-capture until finish(), which gives it its name back).
  void start() {
#if defined(__linux__)
    caller_named_ = pthread_getname_np(pthread_self(), caller_name_, sizeof caller_name_) == 0;
#endif
    name_this_thread("bw-capture");
    ThreadClocks::Slot& capture = clocks_.slots.front();
    ThreadClocks::set_clock(capture, pthread_self());
    capture.base_us = own_cpu_us();
    // SIGINT/SIGTERM go to the capture thread only (threads inherit the mask they are started
    // with): there they end a read that waits on a pipe, while a worker or the exporter never
    // has a write(2) cut short, which could tear an output line.
    sigset_t stop_signals;
    sigset_t caller_mask;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &caller_mask);
    threads_.reserve(workers_.size() + 1);
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      ThreadClocks::Slot& slot = clocks_.slots[i + 1];
      threads_.emplace_back([this, i, &slot] {
        name_this_thread(slot.name.c_str());
        workers_[i]->run();
        slot.final_us = own_cpu_us();
      });
      ThreadClocks::set_clock(slot, threads_.back().native_handle());
    }
    ThreadClocks::Slot& exporter = clocks_.slots.back();
    threads_.emplace_back([this, &exporter] {
      name_this_thread(exporter.name.c_str());
      exporter_->run();
      exporter.final_us = own_cpu_us();
    });
    pthread_sigmask(SIG_SETMASK, &caller_mask, nullptr);
  }

  std::vector<std::unique_ptr<WorkerLane>>& lanes() {
    return lanes_;
  }
  CaptureSnapshot* capture_snapshot() {
    return &capture_snapshot_;
  }
  std::atomic<std::uint64_t>& dispatched() {
    return dispatched_;
  }

  // Joins every thread (the capture loop has sent the end marker) and fills the summary.
  void finish(const CaptureLoop& capture, ReplayResult& result) {
    ThreadClocks::Slot& capture_slot = clocks_.slots.front();
    capture_slot.final_us = own_cpu_us() - capture_slot.base_us;
    for (auto& thread : threads_)
      thread.join();
    clocks_.read_final(result.summary.threads);
#if defined(__linux__)
    if (caller_named_) pthread_setname_np(pthread_self(), caller_name_);
#endif
    result.summary.capture = const_cast<CaptureLoop&>(capture).counters();
    result.summary.decode = capture.decode_counters();
    std::uint64_t output_waits = 0;
    for (auto& lane : lanes_) {
      result.summary.workers.push_back(lane->summary);
      output_waits += lane->output_full_waits;
    }
    result.summary.exporter = exporter_->counters();
    result.summary.exporter.event_queue_full_waits = output_waits;
    if (detector_) {
      result.summary.detect = detector_->counters();
      const std::string& store = config_.detection_inputs.first_seen_file;
      std::string save_error;
      if (!store.empty() && !detector_->first_seen().save(store, save_error) && result.ok) {
        result.ok = false;
        result.error = save_error;
      }
    }
    if (result.ok && !exporter_->first_error().empty()) {
      result.ok = false;
      result.error = exporter_->first_error();
    }
  }

 private:
  // First: a whole cache line of its own (see Heartbeat) without padding in the middle.
  service::Heartbeat capture_heartbeat_;
  const config::SensorConfig& config_;
  std::unique_ptr<correlate::BeaconDetector> detector_;
  std::vector<std::unique_ptr<WorkerLane>> lanes_;
  std::atomic<std::uint64_t> dispatched_{0};
  Doorbell events_ready_;  // the exporter sleeps on it, the workers ring it
  std::vector<std::unique_ptr<Worker>> workers_;
  CaptureSnapshot capture_snapshot_;
  std::unique_ptr<Exporter> exporter_;
  std::vector<std::thread> threads_;
  ThreadClocks clocks_;
  char caller_name_[16] = {};
  bool caller_named_ = false;
};

}  // namespace

namespace {

// pcap_stats counts from the start of the capture: the totals are assigned, not added.
void read_kernel_stats(const std::vector<std::unique_ptr<capture::PcapLiveSource>>& sources,
                       CaptureCounters& counters) {
  CaptureCounters kernel;
  for (const auto& source : sources) {
    capture::LiveStats stats;
    if (source->stats(stats)) {
      kernel.kernel_received += stats.received;
      kernel.kernel_dropped += stats.dropped;
      kernel.kernel_interface_dropped += stats.interface_dropped;
    }
  }
  counters.kernel_received = kernel.kernel_received;
  counters.kernel_dropped = kernel.kernel_dropped;
  counters.kernel_interface_dropped = kernel.kernel_interface_dropped;
}

}  // namespace

ReplayResult run_replay(const config::SensorConfig& config, const std::vector<std::string>& inputs,
                        std::vector<std::unique_ptr<exporter::EventWriter>>& writers,
                        correlate::DetectionResources* detection, const std::atomic<bool>* stop,
                        const AfterOpen& after_open, const ServiceHooks* service) {
  ReplayResult result;
  PipelineRun run(config, inputs, writers, detection, /*live=*/false, service);
  if (!run.load_state(result.error) || (after_open && !after_open(result.error))) {
    result.ok = false;
    return result;
  }
  run.start();
  CaptureLoop capture(config, run.lanes(), run.dispatched(), /*live=*/false);
  if (service != nullptr && service->on_running) service->on_running({});
  result.ok = capture.run(inputs, stop, result.error);
  if (service != nullptr && service->on_stopping) service->on_stopping();
  result.interrupted = capture.interrupted();
  run.finish(capture, result);
  return result;
}

ReplayResult run_live(const config::SensorConfig& config,
                      const std::vector<capture::LiveOptions>& interfaces,
                      std::vector<std::unique_ptr<exporter::EventWriter>>& writers,
                      correlate::DetectionResources* detection, const std::atomic<bool>& stop,
                      const AfterOpen& after_open, const ServiceHooks* service) {
  ReplayResult result;
  std::vector<std::unique_ptr<capture::PcapLiveSource>> sources;
  std::vector<std::string> names;
  for (const capture::LiveOptions& options : interfaces) {
    auto source = capture::PcapLiveSource::open(options, result.error);
    if (!source) {
      result.ok = false;
      return result;
    }
    if (!decode::PacketDecoder::supports_linktype(source->linktype())) {
      result.ok = false;
      result.error = options.interface + ": unsupported link type " +
                     std::to_string(source->linktype()) + " (" + linktype_name(source->linktype()) +
                     ")";
      return result;
    }
    names.push_back(options.interface);
    sources.push_back(std::move(source));
  }
  PipelineRun run(config, names, writers, detection, /*live=*/true, service);
  if (!run.load_state(result.error) || (after_open && !after_open(result.error))) {
    result.ok = false;
    return result;
  }
  run.start();
  CaptureLoop capture(config, run.lanes(), run.dispatched(), /*live=*/true, run.capture_snapshot());

  struct Handler final : capture::PacketHandler {
    CaptureLoop* loop = nullptr;
    std::uint32_t linktype = 0;
    std::uint16_t index = 0;
    void on_packet(const capture::RawPacket& packet) override {
      loop->on_raw(packet, linktype, index);
    }
  };
  std::vector<Handler> handlers(sources.size());
  std::vector<pollfd> fds(sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    handlers[i].loop = &capture;
    handlers[i].linktype = sources[i]->linktype();
    handlers[i].index = static_cast<std::uint16_t>(i);
    fds[i] = pollfd{sources[i]->selectable_fd(), POLLIN, 0};
  }
  constexpr int kBatch = 512;
  constexpr int kPollMs = 100;
  TimestampNs next_stats = 0;
  if (service != nullptr && service->on_running) service->on_running(run.stages());
  while (!stop.load(std::memory_order_relaxed) && result.ok) {
    run.capture_heartbeat().beat();
    ::poll(fds.data(), fds.size(), kPollMs);
    int packets = 0;
    for (std::size_t i = 0; i < sources.size(); ++i) {
      const int n = sources[i]->dispatch(kBatch, handlers[i]);
      if (n < 0) {
        result.ok = false;
        result.error = sources[i]->error();
        break;
      }
      packets += n;
    }
    capture.flush();
    if (packets == 0) capture.idle_tick(wall_clock_now());
    const TimestampNs now = wall_clock_now();
    if (now >= next_stats) {
      read_kernel_stats(sources, capture.counters());
      capture.publish();
      next_stats = now + kNsPerSecond;
    }
  }
  if (service != nullptr && service->on_stopping) service->on_stopping();
  // Drain what the kernel still holds, then stop.
  for (std::size_t i = 0; i < sources.size(); ++i) {
    while (sources[i]->dispatch(kBatch, handlers[i]) > 0) {
    }
  }
  read_kernel_stats(sources, capture.counters());
  capture.finish();
  run.finish(capture, result);
  return result;
}

}  // namespace bw::pipeline
