#include "sensor/stream/collector_client.h"

#include <grpcpp/grpcpp.h>
#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <optional>

#include "beaconwatch/v1/collector.grpc.pb.h"
#include "beaconwatch/v1/collector.pb.h"
#include "sensor/common/grpc_status_name.h"
#include "sensor/stream/stream_backoff.h"

namespace bw::stream {
namespace {

namespace pb = beaconwatch::v1;
using Stream = grpc::ClientReaderWriter<pb::StreamRequest, pb::StreamResponse>;

// gRPC's default receive limit, for a collector whose Welcome does not say.
constexpr std::size_t kDefaultMaxMessageBytes = 4u << 20;
// Upper bound of a StreamRequest's bytes besides its events: the batch field's tag and length,
// the batch_id field.
constexpr std::size_t kRequestOverheadBytes = 32;
// Event.stream_epoch on the wire: a one-byte tag and a fixed64.
constexpr std::size_t kStreamEpochFieldBytes = 1 + 8;
// A stream that lived this long was healthy: the next failure starts the backoff again.
constexpr std::chrono::minutes kHealthyStream{1};
// After a failed write or a collector error, how long the collector's status may take to arrive
// before the stream is cancelled (which would hide it).
constexpr std::chrono::seconds kStatusGrace{2};

std::size_t varint_size(std::size_t value) {
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

// Bytes an event adds to a batch: field tag, length, payload.
std::size_t framed_size(std::size_t payload_bytes) {
  return 1 + varint_size(payload_bytes) + payload_bytes;
}

grpc::ChannelArguments channel_arguments(const CollectorClientOptions& options) {
  grpc::ChannelArguments arguments;
  if (!options.server_name.empty()) arguments.SetSslTargetNameOverride(options.server_name);
  // Channels share subchannels process-wide by default, and with them the reconnect backoff of
  // a failed connection; a private pool makes each attempt connect when this client decides.
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // A collector that stops answering without closing TCP (hung, or a middlebox dropping the
  // connection) would hold the sender in Write until TCP gives up, minutes later. Pings find it
  // within 40 s; every 30 s stays above the collector's 10 s minimum ping interval.
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30'000);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  arguments.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  return arguments;
}

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text.empty() ? "(no message)" : text;
}

struct InFlight {
  std::uint64_t batch_id = 0;
  std::uint64_t last_sequence = 0;
  std::uint32_t events = 0;
  bool local = false;  // a skipped event: acknowledged locally once every batch before it is
};

}  // namespace

struct CollectorClient::BatchFill {
  std::size_t events = 0;
  std::uint64_t last_sequence = 0;
  bool full = false;  // more is ready: the next batch is due at once
};

struct CollectorClient::Attempt {
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream;
  // Handed over by the reader thread, under mutex_.
  std::optional<pb::Welcome> welcome;
  std::vector<pb::Ack> acks;
  bool ended = false;
  std::string protocol_error;
  // Sender thread only.
  std::deque<InFlight> in_flight;
  std::uint64_t cursor = 0;  // highest sequence sent (or skipped) on this stream
  std::uint64_t next_batch_id = 1;
  std::size_t max_message_bytes = kDefaultMaxMessageBytes;
  bool timer_running = false;
  Clock::time_point pending_since{};
  Clock::time_point last_progress{};
  bool welcomed = false;
  bool acknowledged = false;
  std::optional<std::pair<grpc::StatusCode, std::string>> local_end;
};

struct CollectorClient::AttemptEnd {
  bool welcomed = false;
  bool acknowledged = false;
  int code = 0;
  std::string message;
};

const char* status_code_name(int code) {
  return grpc_status_name(code);
}

CollectorClient::CollectorClient(Spool& spool, CollectorClientOptions options)
    : spool_(spool), options_(std::move(options)), request_(std::make_unique<pb::StreamRequest>()) {
  options_.batch_max_events = std::max<std::size_t>(options_.batch_max_events, 1);
  options_.max_batches_in_flight = std::max<std::uint32_t>(options_.max_batches_in_flight, 1);
  appended_through_.store(spool_.last_sequence());
}

CollectorClient::~CollectorClient() {
  stop();
}

void CollectorClient::start() {
  if (!sender_.joinable()) sender_ = std::thread([this] { run(); });
}

void CollectorClient::stop() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
    progress_.notify_all();
    // An idle stream half-closes and ends with the collector's OK, so the collector logs a clean
    // end; one stuck in a Write (a hung collector) is cancelled after the grace period.
    const bool closed = progress_.wait_for(lock, kStatusGrace + kStatusGrace,
                                           [this] { return attempt_ == nullptr; });
    if (!closed && attempt_ != nullptr) attempt_->context.TryCancel();
  }
  if (sender_.joinable()) sender_.join();
}

void CollectorClient::notify_appended(std::uint64_t sequence) {
  appended_through_.store(sequence);
  // sender_idle_ is read after the store, and the sender sets it before reading
  // appended_through_ (both sequentially consistent): one of the two sees the other.
  if (++unsignalled_appends_ >= options_.batch_max_events || sender_idle_.load()) {
    unsignalled_appends_ = 0;
    const std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_one();
  }
}

bool CollectorClient::drain(std::chrono::milliseconds timeout) {
  draining_.store(true);
  const Clock::time_point deadline = Clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.notify_all();
  // Polled as well as notified: the spool also loses events at its cap without telling anyone.
  while (spool_.pending_events() > 0) {
    const Clock::time_point now = Clock::now();
    if (stopping_ || now >= deadline) return false;
    progress_.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(100)));
  }
  return true;
}

StreamCounters CollectorClient::counters() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return counters_;
}

void CollectorClient::run() {
  // Named like the pipeline's threads, so top -H and the watchdog's status say which one it is.
  pthread_setname_np(pthread_self(), "bw-stream");
  RetryBackoff backoff(options_.backoff_initial, options_.backoff_max, options_.jitter_seed);
  next_sync_ = Clock::now() + options_.sync_interval;
  while (!stop_requested()) {
    const Clock::time_point started = Clock::now();
    const AttemptEnd end = attempt_stream();
    if (stop_requested()) break;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      ++(end.welcomed ? counters_.stream_errors : counters_.connect_failures);
    }
    if (end.acknowledged || Clock::now() - started >= kHealthyStream) backoff.reset();
    const std::chrono::milliseconds delay = backoff.next();
    log(std::string("stream ended: ") + status_code_name(end.code) + ": " + end.message +
        "; retrying in " + std::to_string(delay.count()) + " ms");
    sleep_unless_stopped(delay);
  }
  spool_.sync();
}

CollectorClient::AttemptEnd CollectorClient::attempt_stream() {
  Attempt attempt;
  const auto channel = grpc::CreateCustomChannel(options_.address, options_.credentials,
                                                 channel_arguments(options_));
  const auto stub = pb::Collector::NewStub(channel);
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return {};
    attempt_ = &attempt;
  }
  attempt.stream = stub->Stream(&attempt.context);
  std::thread reader([this, &attempt] { read_responses(attempt); });

  pb::StreamRequest hello_request;
  pb::Hello& hello = *hello_request.mutable_hello();
  hello.set_sensor_id(options_.sensor_id);
  hello.set_software_version(options_.software_version);
  hello.set_oldest_spooled_sequence(spool_.oldest_pending_sequence());
  hello.set_stream_epoch(spool_.stream_epoch());
  if (attempt.stream->Write(hello_request) && await_welcome(attempt)) stream_batches(attempt);

  bool ended = false;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    const bool closing = stopping_ && attempt.welcomed && !attempt.ended && !attempt.local_end;
    if (closing) {
      lock.unlock();
      attempt.stream->WritesDone();
      lock.lock();
      wake_.wait_for(lock, kStatusGrace, [&] { return attempt.ended; });
    } else if (!attempt.local_end) {
      wake_.wait_for(lock, kStatusGrace, [&] { return attempt.ended || stopping_; });
    }
    ended = attempt.ended;
  }
  // Cancelling a stream that ended by itself would replace the collector's status with ours.
  if (!ended) attempt.context.TryCancel();
  reader.join();
  const grpc::Status status = attempt.stream->Finish();
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    attempt_ = nullptr;
    progress_.notify_all();
  }
  connected_.store(false);

  AttemptEnd end{attempt.welcomed, attempt.acknowledged, status.error_code(),
                 one_line(status.error_message())};
  if (attempt.local_end) {
    end.code = attempt.local_end->first;
    end.message = attempt.local_end->second;
  } else if (!attempt.protocol_error.empty()) {
    end.code = grpc::StatusCode::INTERNAL;
    end.message = attempt.protocol_error;
  }
  return end;
}

bool CollectorClient::await_welcome(Attempt& attempt) {
  std::unique_lock<std::mutex> lock(mutex_);
  const bool answered = wake_.wait_for(lock, options_.handshake_timeout, [&] {
    return stopping_ || attempt.ended || attempt.welcome.has_value();
  });
  if (!attempt.welcome || stopping_) {
    if (!answered) {
      attempt.local_end.emplace(grpc::StatusCode::DEADLINE_EXCEEDED,
                                "no Welcome from the collector within " +
                                    std::to_string(options_.handshake_timeout.count()) + " ms");
    }
    return false;
  }
  const pb::Welcome welcome = *attempt.welcome;
  ++counters_.connects;
  lock.unlock();

  attempt.welcomed = true;
  connected_.store(true);
  if (welcome.max_message_bytes() > kRequestOverheadBytes) {
    attempt.max_message_bytes = welcome.max_message_bytes();
  }
  log("connected to " + options_.address + " as " + welcome.sensor_id() +
      " (collector has through " + std::to_string(welcome.last_stored_sequence()) +
      " in stream epoch " + std::to_string(welcome.stream_epoch()) + ")");
  if (welcome.stream_epoch() == spool_.stream_epoch()) {
    skip_stored(attempt, welcome);
  } else {
    // A collector from before epochs counts every sequence of this sensor together: its
    // "stored through" says nothing about this spool's events, so nothing is skipped on it.
    log("collector does not echo stream epoch " + std::to_string(spool_.stream_epoch()) +
        ": it predates epochs and may take this spool's events for repeats of an older spool's");
    attempt.cursor = spool_.acknowledged_sequence();
  }
  return true;
}

// Events the collector stored before an Ack got lost are acknowledged without resending. Never
// beyond what was appended: a collector ahead of a fresh spool must not make the spool refuse
// this run's sequences.
void CollectorClient::skip_stored(Attempt& attempt, const pb::Welcome& welcome) {
  const std::uint64_t stored =
      std::min<std::uint64_t>(welcome.last_stored_sequence(), appended_through_.load());
  if (stored > spool_.acknowledged_sequence()) {
    const std::uint64_t before = spool_.counters().events_acknowledged;
    spool_.acknowledge(stored);
    const std::uint64_t skipped = spool_.counters().events_acknowledged - before;
    const std::lock_guard<std::mutex> lock(mutex_);
    counters_.events_already_stored += skipped;
    progress_.notify_all();
  }
  attempt.cursor = spool_.acknowledged_sequence();
}

void CollectorClient::stream_batches(Attempt& attempt) {
  std::vector<pb::Ack> acks;
  attempt.last_progress = Clock::now();
  while (wait_for_work(attempt, acks)) {
    apply_acks(attempt, acks);
    const Clock::time_point now = Clock::now();
    sync_if_due(now);
    if (!attempt.in_flight.empty() && now - attempt.last_progress >= options_.ack_timeout) {
      attempt.local_end.emplace(grpc::StatusCode::DEADLINE_EXCEEDED,
                                "no Ack from the collector within " +
                                    std::to_string(options_.ack_timeout.count()) + " ms");
      return;
    }
    while (batch_due(attempt, Clock::now())) {
      if (!send_next_batch(attempt)) return;
    }
  }
  apply_acks(attempt, acks);  // those that came with the end of the stream
}

// Sleeps until there is something to do: Acks, the end of the stream, a due batch, a spool sync
// or an Ack overdue. Hands the Acks over; false once the stream ended or the client stops.
bool CollectorClient::wait_for_work(Attempt& attempt, std::vector<pb::Ack>& acks) {
  acks.clear();
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (stopping_ || attempt.ended || !attempt.acks.empty()) break;
    const Clock::time_point now = Clock::now();
    const bool window_open = attempt.in_flight.size() < options_.max_batches_in_flight;
    const bool has_unsent = unsent_after(attempt.cursor) > 0;
    if (window_open && has_unsent && batch_due(attempt, now)) break;
    Clock::time_point deadline = next_sync_;
    if (window_open && has_unsent) {
      deadline = std::min(deadline, attempt.pending_since + options_.batch_max_delay);
    }
    if (!attempt.in_flight.empty()) {
      deadline = std::min(deadline, attempt.last_progress + options_.ack_timeout);
    }
    if (now >= deadline) break;
    const bool idle = window_open && !has_unsent;
    sender_idle_.store(idle);
    if (idle && unsent_after(attempt.cursor) > 0) continue;  // an append raced the flag
    wake_.wait_until(lock, deadline);
  }
  sender_idle_.store(false);
  acks.swap(attempt.acks);
  return !stopping_ && !attempt.ended;
}

// The delay timer starts when the sender first sees an unsent event.
bool CollectorClient::batch_due(Attempt& attempt, Clock::time_point now) {
  if (attempt.in_flight.size() >= options_.max_batches_in_flight) return false;
  const std::uint64_t unsent = unsent_after(attempt.cursor);
  if (unsent == 0) {
    attempt.timer_running = false;
    return false;
  }
  if (!attempt.timer_running) {
    attempt.timer_running = true;
    attempt.pending_since = now;
  }
  return unsent >= options_.batch_max_events || draining_.load() ||
         now - attempt.pending_since >= options_.batch_max_delay;
}

// Sends one batch (or skips one event that can never be sent). False when the write failed.
bool CollectorClient::send_next_batch(Attempt& attempt) {
  const std::uint64_t appended = appended_through_.load();
  const std::size_t budget =
      std::min(options_.batch_max_bytes, attempt.max_message_bytes - kRequestOverheadBytes);
  read_buffer_.clear();
  spool_.read_after(attempt.cursor, options_.batch_max_events, budget, read_buffer_);
  if (read_buffer_.empty()) {
    // Everything appended up to `appended` was lost or acknowledged: nothing to wait for.
    attempt.cursor = std::max(attempt.cursor, appended);
    attempt.timer_running = false;
    return true;
  }
  const BatchFill fill = fill_batch(attempt, budget);
  if (fill.events == 0) return true;
  if (!attempt.stream->Write(*request_)) return false;

  std::uint64_t resent = 0;
  for (std::size_t i = 0; i < fill.events; ++i) {
    if (read_buffer_[i].sequence <= highest_sent_) ++resent;
  }
  highest_sent_ = std::max(highest_sent_, fill.last_sequence);
  if (attempt.in_flight.empty()) attempt.last_progress = Clock::now();
  attempt.in_flight.push_back(
      {attempt.next_batch_id, fill.last_sequence, static_cast<std::uint32_t>(fill.events), false});
  ++attempt.next_batch_id;
  attempt.cursor = fill.last_sequence;
  attempt.timer_running = fill.full && attempt.timer_running;
  const std::lock_guard<std::mutex> lock(mutex_);
  ++counters_.batches_sent;
  counters_.events_sent += fill.events;
  counters_.resends += resent;
  return true;
}

// Parses the read events into request_ while the batch stays within `budget` and the collector's
// limit. An event that can never go (over the limit alone, or not parsable) ends the batch; at
// the head of a batch it is skipped instead.
CollectorClient::BatchFill CollectorClient::fill_batch(Attempt& attempt, std::size_t budget) {
  request_->Clear();
  pb::EventBatch& batch = *request_->mutable_batch();
  batch.set_batch_id(attempt.next_batch_id);
  BatchFill fill;
  std::size_t bytes = 0;
  // The epoch is the spool's, not the event's: stamped on each event here, so the pipeline and
  // the sensor's local outputs stay epoch-free. It adds a fixed64 field (tag and 8 bytes) to
  // every event, which the size checks must count.
  const std::uint64_t epoch = spool_.stream_epoch();
  const std::size_t epoch_bytes = epoch != 0 ? kStreamEpochFieldBytes : 0;
  for (const SpooledEvent& event : read_buffer_) {
    const std::size_t event_bytes = framed_size(event.payload.size() + epoch_bytes);
    const bool oversized = kRequestOverheadBytes + event_bytes > attempt.max_message_bytes;
    if (!oversized && fill.events > 0 && bytes + event_bytes > budget) {
      fill.full = true;
      break;
    }
    if (oversized || !batch.add_events()->ParseFromString(event.payload)) {
      if (!oversized) batch.mutable_events()->RemoveLast();
      if (fill.events == 0) skip_event(attempt, event, oversized);
      fill.full = true;
      break;
    }
    batch.mutable_events(batch.events_size() - 1)->set_stream_epoch(epoch);
    bytes += event_bytes;
    ++fill.events;
    fill.last_sequence = event.sequence;
  }
  if (fill.events == options_.batch_max_events) fill.full = true;
  return fill;
}

// Resending such an event could only fail again and block everything behind it.
void CollectorClient::skip_event(Attempt& attempt, const SpooledEvent& event, bool oversized) {
  bool first = false;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::uint64_t& counter =
        oversized ? counters_.oversized_events_skipped : counters_.unparsable_events_skipped;
    first = counter++ == 0;
  }
  if (first && oversized) {
    log("event " + std::to_string(event.sequence) + " is " + std::to_string(event.payload.size()) +
        " bytes, over the collector's limit of " + std::to_string(attempt.max_message_bytes) +
        " bytes: skipped (counted in stream.oversized_events_skipped)");
  } else if (first) {
    log("spooled event " + std::to_string(event.sequence) +
        " is not a valid Event: skipped (counted in stream.unparsable_events_skipped)");
  }
  attempt.in_flight.push_back({0, event.sequence, 0, true});
  attempt.cursor = event.sequence;
  settle_local_skips(attempt);
}

void CollectorClient::settle_local_skips(Attempt& attempt) {
  bool settled = false;
  while (!attempt.in_flight.empty() && attempt.in_flight.front().local) {
    const std::uint64_t sequence = attempt.in_flight.front().last_sequence;
    if (sequence > spool_.acknowledged_sequence()) spool_.acknowledge(sequence);
    attempt.in_flight.pop_front();
    settled = true;
  }
  if (settled) {
    const std::lock_guard<std::mutex> lock(mutex_);
    progress_.notify_all();
  }
}

void CollectorClient::apply_acks(Attempt& attempt, const std::vector<pb::Ack>& acks) {
  for (const pb::Ack& ack : acks) {
    std::uint64_t events = 0;
    while (!attempt.in_flight.empty() && !attempt.in_flight.front().local &&
           attempt.in_flight.front().batch_id <= ack.batch_id()) {
      events += attempt.in_flight.front().events;
      attempt.in_flight.pop_front();
    }
    // Counted before the spool moves: drain() returns once the spool is empty, and whoever
    // drained must find these counters complete.
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      ++counters_.acks;
      counters_.events_acknowledged += events;
      counters_.duplicates_reported += ack.duplicates();
    }
    // Never past what this stream sent: an Ack covers only the collector's copy of those.
    const std::uint64_t through = std::min(ack.stored_through_sequence(), attempt.cursor);
    if (through > spool_.acknowledged_sequence()) spool_.acknowledge(through);
    settle_local_skips(attempt);
    attempt.acknowledged = true;
    attempt.last_progress = Clock::now();
    const std::lock_guard<std::mutex> lock(mutex_);
    progress_.notify_all();
  }
}

void CollectorClient::read_responses(Attempt& attempt) {
  pb::StreamResponse response;
  while (attempt.stream->Read(&response)) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (response.has_welcome() && !attempt.welcome) {
      attempt.welcome = response.welcome();
    } else if (response.has_ack() && attempt.welcome) {
      attempt.acks.push_back(response.ack());
    } else {
      attempt.protocol_error = "the collector sent an unexpected message";
      attempt.context.TryCancel();
    }
    wake_.notify_one();
  }
  const std::lock_guard<std::mutex> lock(mutex_);
  attempt.ended = true;
  wake_.notify_one();
}

void CollectorClient::sleep_unless_stopped(std::chrono::milliseconds delay) {
  const Clock::time_point until = Clock::now() + delay;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    const Clock::time_point now = Clock::now();
    if (now >= until) return;
    if (now >= next_sync_) {
      lock.unlock();
      sync_if_due(now);
      lock.lock();
      continue;
    }
    wake_.wait_until(lock, std::min(until, next_sync_));
  }
}

void CollectorClient::sync_if_due(Clock::time_point now) {
  sender_heartbeat_.beat();
  if (now < next_sync_) return;
  spool_.sync();
  next_sync_ = now + options_.sync_interval;
}

std::uint64_t CollectorClient::unsent_after(std::uint64_t cursor) const {
  const std::uint64_t appended = appended_through_.load();
  return appended > cursor ? appended - cursor : 0;
}

bool CollectorClient::stop_requested() {
  const std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

void CollectorClient::log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::fprintf(stderr, "bw-sensor: collector: %s\n", line.c_str());
  }
}

}  // namespace bw::stream
