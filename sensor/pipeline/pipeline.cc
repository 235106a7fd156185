#include "sensor/pipeline/pipeline.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "beaconwatch/v1/event.pb.h"
#include "sensor/capture/pcap_source.h"
#include "sensor/pipeline/spsc_ring.h"

namespace bw::pipeline {
namespace {

struct WorkItem {
  enum class Kind : std::uint8_t { kPacket, kTick, kEnd };
  Kind kind = Kind::kPacket;
  std::uint16_t source_index = 0;
  std::uint64_t seq = 0;
  TimestampNs ts = 0;
  std::uint64_t arena_end = 0;
  decode::DecodedPacket packet;  // `datagram` points into the worker's arena
};

// Waiting without burning a core that another pipeline thread needs: spin briefly, then yield,
// then sleep. Appliances have few cores and every thread of ours may share one.
class Backoff {
 public:
  void pause() {
    if (++rounds_ < 64) return;
    if (rounds_ < 256) {
      std::this_thread::yield();
      return;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  void reset() { rounds_ = 0; }

 private:
  std::uint32_t rounds_ = 0;
};

// Per-worker shared state. The capture thread writes `input` and `arena`; the worker reads them,
// writes `output` and `watermark`; the exporter reads those.
struct WorkerLane {
  WorkerLane(std::size_t queue_depth, std::size_t arena_bytes, std::size_t event_depth)
      : input(queue_depth), arena(arena_bytes), output(event_depth) {}

  SpscChannel<WorkItem> input;
  PacketArena arena;
  SpscChannel<exporter::EventRecord> output;
  // Every event whose trigger_seq is at or below this has been pushed to `output`.
  alignas(kCacheLine) std::atomic<std::uint64_t> watermark{0};
  std::atomic<bool> done{false};
  alignas(kCacheLine) WorkerSummary summary;
  std::uint64_t output_full_waits = 0;
};

class Worker final : private flow::EventSink {
 public:
  Worker(const flow::FlowConfig& config, WorkerLane& lane,
         const std::atomic<std::uint64_t>& dispatched)
      : lane_(lane), dispatched_(dispatched), processor_(config, *this) {}

  void run() {
    WorkItem item;
    Backoff backoff;
    for (;;) {
      if (!lane_.input.try_pop(item)) {
        // Idle: everything dispatched so far that was meant for us has been handled, so no event
        // of ours can be older than the capture's last sequence number. Reading the dispatch
        // mark before checking the queue is what makes that true.
        const std::uint64_t dispatched = dispatched_.load(std::memory_order_acquire);
        if (lane_.input.empty()) {
          publish_watermark(dispatched);
          backoff.pause();
        }
        continue;
      }
      backoff.reset();
      ++lane_.summary.items;
      const flow::PacketContext context{item.seq, item.ts, item.source_index};
      switch (item.kind) {
        case WorkItem::Kind::kPacket:
          processor_.on_packet(context, item.packet);
          lane_.arena.release(item.arena_end);
          break;
        case WorkItem::Kind::kTick:
          processor_.on_tick(context);
          break;
        case WorkItem::Kind::kEnd:
          processor_.finish_all(context);
          publish_watermark(item.seq);
          collect_summary();
          lane_.done.store(true, std::memory_order_release);
          return;
      }
      publish_watermark(item.seq);
    }
  }

 private:
  void publish_watermark(std::uint64_t seq) {
    if (seq > lane_.watermark.load(std::memory_order_relaxed)) {
      lane_.watermark.store(seq, std::memory_order_release);
    }
  }

  void on_event(const exporter::EventRecord& event) override {
    Backoff backoff;
    while (!lane_.output.try_push(event)) {
      // Replay is lossless: wait for the exporter rather than drop an event.
      ++lane_.output_full_waits;
      backoff.pause();
    }
  }

  void collect_summary() {
    WorkerSummary& s = lane_.summary;
    s.flow = processor_.counters();
    s.table = processor_.table_counters();
    s.classify = processor_.classify_counters();
    s.http = processor_.http_counters();
    s.dns = processor_.dns_counters();
    s.tls = processor_.tls_counters();
    s.quic = processor_.quic_counters();
    s.smtp = processor_.smtp_counters();
  }

  WorkerLane& lane_;
  const std::atomic<std::uint64_t>& dispatched_;
  flow::FlowProcessor processor_;
};

class Exporter final : private correlate::AlertSink {
 public:
  Exporter(std::vector<std::unique_ptr<WorkerLane>>& lanes,
           std::vector<std::unique_ptr<exporter::EventWriter>>& writers,
           exporter::EncoderContext context, correlate::BeaconDetector* detector,
           correlate::DetectionResources* detection)
      : lanes_(lanes),
        writers_(writers),
        context_(std::move(context)),
        detector_(detector),
        detection_(detection) {}

  void run() {
    Backoff backoff;
    for (;;) {
      if (detection_ != nullptr) correlate::reload_intel_if_requested(*detection_, stderr);
      const Step step = step_once();
      if (step == Step::kFinished) break;
      if (step == Step::kWrote) {
        backoff.reset();
      } else {
        backoff.pause();
      }
    }
    for (auto& writer : writers_) {
      if (!writer->flush()) note_write_error(*writer);
    }
  }

  ExportCounters& counters() { return counters_; }
  const std::string& first_error() const { return first_error_; }

 private:
  enum class Step { kWrote, kWaiting, kFinished };

  Step step_once() {
    // The smallest head among the lanes that have events.
    std::size_t best = lanes_.size();
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
      const exporter::EventRecord* head = lanes_[i]->output.peek();
      if (head == nullptr) continue;
      if (best == lanes_.size() || head->order < lanes_[best]->output.peek()->order) best = i;
    }
    if (best == lanes_.size()) {
      const bool all_done = std::all_of(lanes_.begin(), lanes_.end(), [](const auto& lane) {
        return lane->done.load(std::memory_order_acquire) && lane->output.empty();
      });
      return all_done ? Step::kFinished : Step::kWaiting;
    }
    const exporter::EventRecord& candidate = *lanes_[best]->output.peek();
    if (const auto* mail = std::get_if<exporter::MailUrlRecord>(&candidate.body)) {
      // Internal record: it feeds the mail watchlist and is not exported.
      if (detector_ != nullptr) detector_->observe_mail_url(*mail);
      lanes_[best]->output.drop_front();
      return Step::kWrote;
    }
    // A lane without queued events may still be working on an item at or before the candidate's.
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
      if (i == best) continue;
      const std::uint64_t watermark = lanes_[i]->watermark.load(std::memory_order_acquire);
      if (!lanes_[i]->output.empty()) continue;  // its head is later than the candidate
      if (watermark < candidate.order.trigger_seq) return Step::kWaiting;
      if (!lanes_[i]->output.empty()) return Step::kWaiting;  // filled meanwhile: look again
    }
    write(candidate);
    // Detection sees events in export order; what it adds follows the event it is about.
    if (detector_ != nullptr) detector_->observe(candidate, sequence_, *this);
    lanes_[best]->output.drop_front();
    return Step::kWrote;
  }

  void on_alert(const exporter::EventRecord& alert) override { write(alert); }

  void write(const exporter::EventRecord& record) {
    ++sequence_;
    exporter::encode_event(record, sequence_, context_, event_);
    ++counters_.events_written;
    const auto& body = record.body;
    if (std::holds_alternative<extract::HttpTransaction>(body)) ++counters_.events_http;
    if (std::holds_alternative<extract::DnsMessage>(body)) ++counters_.events_dns;
    if (std::holds_alternative<exporter::TlsHandshakeRecord>(body)) ++counters_.events_tls;
    if (std::holds_alternative<extract::QuicInitial>(body)) ++counters_.events_quic;
    if (std::holds_alternative<correlate::BeaconAlert>(body)) ++counters_.events_beacon;
    if (std::holds_alternative<correlate::CampaignUpdate>(body)) ++counters_.events_campaign;
    for (auto& writer : writers_) {
      if (!writer->write(event_)) note_write_error(*writer);
    }
  }

  void note_write_error(const exporter::EventWriter& writer) {
    ++counters_.write_errors;
    if (first_error_.empty()) first_error_ = writer.error();
  }

  std::vector<std::unique_ptr<WorkerLane>>& lanes_;
  std::vector<std::unique_ptr<exporter::EventWriter>>& writers_;
  exporter::EncoderContext context_;
  correlate::BeaconDetector* detector_;
  correlate::DetectionResources* detection_;
  beaconwatch::v1::Event event_;
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
  CaptureLoop(const config::SensorConfig& config, std::vector<std::unique_ptr<WorkerLane>>& lanes,
              std::atomic<std::uint64_t>& dispatched)
      : config_(config), lanes_(lanes), dispatched_(dispatched), decoder_(config.decode) {}

  // Reads every input in order; returns false with `error` at the first input that fails.
  bool run(const std::vector<std::string>& inputs, std::string& error) {
    bool ok = true;
    for (std::size_t i = 0; i < inputs.size() && ok; ++i) {
      ok = read_source(inputs[i], static_cast<std::uint16_t>(i), error);
    }
    broadcast(WorkItem::Kind::kEnd, last_ts_);
    return ok;
  }

  CaptureCounters& counters() { return counters_; }
  const decode::DecodeCounters& decode_counters() const { return decoder_.counters(); }

 private:
  bool read_source(const std::string& path, std::uint16_t source_index, std::string& error) {
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
    decode::DecodedPacket packet;
    for (;;) {
      const capture::ReadStatus status = source->next(raw);
      if (status == capture::ReadStatus::kEnd) return true;
      if (status == capture::ReadStatus::kError) {
        error = source->error();
        return false;
      }
      ++counters_.packets_read;
      counters_.bytes_read += raw.captured_length;
      maybe_tick(raw.ts);
      switch (decoder_.decode(linktype, raw.data, raw.ts, packet)) {
        case decode::DecodeResult::kOk:
          dispatch(packet, raw.ts, source_index);
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
  }

  void maybe_tick(TimestampNs ts) {
    if (ts > last_ts_) last_ts_ = ts;
    if (next_tick_ == 0) next_tick_ = ts + config_.pipeline.tick_interval;
    if (ts < next_tick_) return;
    next_tick_ = ts + config_.pipeline.tick_interval;
    ++counters_.ticks;
    decoder_.expire(ts);
    broadcast(WorkItem::Kind::kTick, ts);
  }

  void broadcast(WorkItem::Kind kind, TimestampNs ts) {
    WorkItem item;
    item.kind = kind;
    item.seq = ++seq_;
    item.ts = ts;
    for (auto& lane : lanes_)
      push(*lane, item);
    dispatched_.store(seq_, std::memory_order_release);
  }

  void dispatch(const decode::DecodedPacket& packet, TimestampNs ts, std::uint16_t source_index) {
    WorkerLane& lane = *lanes_[decode::symmetric_flow_hash(packet) % lanes_.size()];
    WorkItem item;
    item.kind = WorkItem::Kind::kPacket;
    item.seq = ++seq_;
    item.ts = ts;
    item.source_index = source_index;
    item.packet = packet;
    // The datagram may live in the frame (valid until the next read) or in the decoder's
    // reassembly buffer (valid until the next decode): either way it is copied now.
    std::uint8_t* bytes = nullptr;
    Backoff backoff;
    while ((bytes = lane.arena.allocate(packet.datagram.size(), item.arena_end)) == nullptr) {
      ++counters_.queue_full_waits;
      backoff.pause();
    }
    std::memcpy(bytes, packet.datagram.data(), packet.datagram.size());
    item.packet.datagram = ByteSpan(bytes, packet.datagram.size());
    push(lane, item);
    ++counters_.packets_dispatched;
    dispatched_.store(seq_, std::memory_order_release);
  }

  void push(WorkerLane& lane, const WorkItem& item) {
    Backoff backoff;
    while (!lane.input.try_push(item)) {
      ++counters_.queue_full_waits;
      backoff.pause();
    }
  }

  const config::SensorConfig& config_;
  std::vector<std::unique_ptr<WorkerLane>>& lanes_;
  std::atomic<std::uint64_t>& dispatched_;
  decode::PacketDecoder decoder_;
  std::uint64_t seq_ = 0;
  TimestampNs last_ts_ = 0;
  TimestampNs next_tick_ = 0;
  CaptureCounters counters_;
};

flow::FlowConfig per_worker(const flow::FlowConfig& total, std::uint32_t workers) {
  flow::FlowConfig config = total;
  config.max_flows = std::max<std::uint32_t>(1024, total.max_flows / workers);
  return config;
}

}  // namespace

ReplayResult run_replay(const config::SensorConfig& config, const std::vector<std::string>& inputs,
                        std::vector<std::unique_ptr<exporter::EventWriter>>& writers,
                        correlate::DetectionResources* detection) {
  ReplayResult result;
  std::unique_ptr<correlate::BeaconDetector> detector;
  if (config.detect.enabled) {
    detector = std::make_unique<correlate::BeaconDetector>(
        config.detect, detection != nullptr ? detection->recipients.get() : nullptr,
        detection != nullptr ? detection->intel.get() : nullptr,
        detection != nullptr ? detection->watchlist.get() : nullptr);
    const std::string& store = config.detection_inputs.first_seen_file;
    if (!store.empty() && !detector->first_seen().load(store, result.error)) {
      result.ok = false;
      return result;
    }
  }
  const std::uint32_t worker_count = std::max<std::uint32_t>(1, config.pipeline.workers);
  std::vector<std::unique_ptr<WorkerLane>> lanes;
  lanes.reserve(worker_count);
  for (std::uint32_t i = 0; i < worker_count; ++i) {
    lanes.push_back(std::make_unique<WorkerLane>(config.pipeline.queue_depth,
                                                 config.pipeline.packet_buffer_bytes,
                                                 config.pipeline.event_queue_depth));
  }
  std::atomic<std::uint64_t> dispatched{0};

  // Workers (and their nDPI modules) are built before any thread starts: nDPI's initialisation
  // is not safe to run concurrently.
  const flow::FlowConfig worker_config = per_worker(config.flow, worker_count);
  std::vector<std::unique_ptr<Worker>> workers;
  workers.reserve(worker_count);
  for (auto& lane : lanes) {
    workers.push_back(std::make_unique<Worker>(worker_config, *lane, dispatched));
  }

  exporter::EncoderContext context{config.sensor_id, {}};
  for (const std::string& input : inputs)
    context.source_names.push_back(input);
  Exporter exporter(lanes, writers, context, detector.get(), detection);

  std::vector<std::thread> threads;
  threads.reserve(worker_count);
  for (auto& worker : workers)
    threads.emplace_back([&worker] { worker->run(); });
  std::thread exporter_thread([&exporter] { exporter.run(); });

  CaptureLoop capture(config, lanes, dispatched);
  result.ok = capture.run(inputs, result.error);

  for (auto& thread : threads)
    thread.join();
  exporter_thread.join();

  result.summary.capture = capture.counters();
  result.summary.decode = capture.decode_counters();
  for (auto& lane : lanes) {
    result.summary.workers.push_back(lane->summary);
    result.summary.exporter.event_queue_full_waits += lane->output_full_waits;
  }
  ExportCounters& export_counters = exporter.counters();
  export_counters.event_queue_full_waits = result.summary.exporter.event_queue_full_waits;
  result.summary.exporter = export_counters;
  if (detector) {
    result.summary.detect = detector->counters();
    const std::string& store = config.detection_inputs.first_seen_file;
    std::string save_error;
    if (!store.empty() && !detector->first_seen().save(store, save_error) && result.ok) {
      result.ok = false;
      result.error = save_error;
    }
  }
  if (result.ok && !exporter.first_error().empty()) {
    result.ok = false;
    result.error = exporter.first_error();
  }
  return result;
}

}  // namespace bw::pipeline
