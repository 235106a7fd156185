// bw-sensor: wires the command line and configuration to the pipeline. All logic lives in
// sensor_core, which the tests link.
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "sensor/config/cli_options.h"
#include "sensor/config/sensor_config.h"
#include "sensor/export/event_encoder.h"
#include "sensor/metrics/health_metrics_writer.h"
#include "sensor/metrics/prometheus_endpoint.h"
#include "sensor/pipeline/pipeline.h"
#include "sensor/sandbox/privileges.h"
#include "sensor/sandbox/seccomp_filter.h"
#include "sensor/service/service_notifier.h"
#include "sensor/service/watchdog.h"
#include "sensor/stream/stream_tls.h"
#include "sensor/stream/streaming_writer.h"

namespace {

bw::correlate::DetectionResources* g_detection = nullptr;
std::atomic<bool> g_stop{false};
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "stored from a signal handler");

void on_stop(int signal) {
  g_stop_signal.store(signal, std::memory_order_relaxed);
  g_stop.store(true, std::memory_order_relaxed);
}

// Only an atomic store: the exporter thread does the reload.
void on_sighup(int /*signal*/) {
  if (g_detection != nullptr) g_detection->reload_requested.store(true, std::memory_order_relaxed);
}

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
// A replay whose events did not all reach the spool intact (dropped at its cap, lost to a write
// error) or were not made durable (an fsync failed): the run is incomplete even though every
// input was read, and a script must be able to tell.
constexpr int kExitEventsLost = 3;
// A replay cut short by SIGINT/SIGTERM exits like a shell reports a command killed by the
// signal (130, 143), so scripts can tell it from a complete run; what was read is still written.
// A live capture ends on those signals by design and exits 0.
constexpr int kExitSignalBase = 128;

int fail(const std::string& message, int status) {
  std::fprintf(stderr, "bw-sensor: %s\n", message.c_str());
  return status;
}

// The collector holds a sensor to its certificate's CN and refuses events under any other id, so
// the id is settled here, before the first event is numbered: a sensor without one takes the CN,
// and one configured with another id is a configuration error, not an endless stream of refusals.
bool settle_sensor_id(bw::config::SensorConfig& config, const bw::stream::TlsMaterial& tls,
                      std::string& error) {
  if (config.sensor_id == bw::config::kDefaultSensorId) config.sensor_id = tls.certificate_cn;
  if (config.sensor_id == tls.certificate_cn) return true;
  error = "sensor_id '" + config.sensor_id + "' differs from the identity in " +
          config.collector.cert_file + " (CN '" + tls.certificate_cn +
          "'): the collector would refuse every event";
  return false;
}

std::unique_ptr<bw::stream::StreamingWriter> open_stream(bw::config::SensorConfig& config,
                                                         std::string& error) {
  const bw::config::CollectorConfig& c = config.collector;
  bw::stream::TlsMaterial tls;
  if (!bw::stream::load_tls_material({c.ca_file, c.cert_file, c.key_file}, tls, error) ||
      !settle_sensor_id(config, tls, error)) {
    return nullptr;
  }
  bw::stream::StreamingOptions options;
  options.spool.directory = c.spool_dir;
  options.spool.max_bytes = c.spool_max_bytes;
  options.spool.segment_bytes = c.spool_segment_bytes;
  options.spool.fsync_interval_ms = c.fsync_interval_ms;
  bw::stream::CollectorClientOptions& client = options.client;
  client.address = c.address;
  client.credentials = bw::stream::make_tls_credentials(tls);
  client.server_name = c.server_name;
  client.sensor_id = config.sensor_id;
  client.software_version = BW_VERSION;
  client.batch_max_events = c.batch_max_events;
  client.batch_max_bytes = c.batch_max_bytes;
  client.batch_max_delay = std::chrono::milliseconds(c.batch_max_delay_ms);
  client.backoff_initial = std::chrono::milliseconds(c.backoff_initial_ms);
  client.backoff_max = std::chrono::milliseconds(c.backoff_max_ms);
  client.max_batches_in_flight = c.max_batches_in_flight;
  client.sync_interval = std::chrono::milliseconds(c.fsync_interval_ms);
  return bw::stream::StreamingWriter::open(std::move(options), error);
}

// Waits for the collector's acknowledgements, stops streaming and says how it went. A second
// signal is not needed to give up: SIGINT/SIGTERM during the wait ends it.
bool finish_stream(bw::stream::StreamingWriter& stream, std::uint32_t timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  bool drained = stream.drain(std::chrono::milliseconds(0));
  while (!drained && !g_stop.load(std::memory_order_relaxed) &&
         std::chrono::steady_clock::now() < deadline) {
    drained = stream.drain(std::chrono::milliseconds(100));
  }
  stream.stop();
  const std::uint64_t pending = stream.pending_events();
  if (!drained) {
    std::fprintf(stderr,
                 "bw-sensor: collector: warning: not everything acknowledged after %" PRIu32
                 " s; the spool keeps the rest for the next run or --drain-spool\n",
                 timeout_s);
  }
  std::fprintf(stderr,
               "bw-sensor: collector: delivered %" PRIu64 " events; %" PRIu64 " pending in spool\n",
               stream.delivered_events(), pending);
  return drained;
}

// Says what the spool could not keep in this run; true when anything was lost or not fsynced.
bool report_spool_losses(const bw::stream::StreamingWriter& stream) {
  const bw::stream::SpoolLosses losses = stream.spool_losses();
  if (!losses.any()) return false;
  std::fprintf(stderr,
               "bw-sensor: collector: spool lost %" PRIu64 " events (%" PRIu64
               " dropped at the spool cap, %" PRIu64 " lost to write errors); %" PRIu64
               " fsyncs failed%s%s\n",
               losses.events_lost(), losses.events_dropped_at_cap, losses.events_lost_write,
               losses.fsync_failures,
               losses.first_error.empty() ? "" : "; first error: ", losses.first_error.c_str());
  return true;
}

// systemd Type=notify: READY=1 once capturing, RELOADING=1/READY=1 around a SIGHUP reload,
// STOPPING=1 as the drain starts, and while live, WATCHDOG=1 from the bw-watchdog thread only as
// long as every pipeline thread makes progress. `watchdog` holds that thread.
bw::pipeline::ServiceHooks service_hooks(const bw::service::ServiceNotifier& notifier,
                                         std::unique_ptr<bw::service::WatchdogThread>& watchdog,
                                         const bw::stream::StreamingWriter* stream) {
  bw::pipeline::ServiceHooks hooks;
  hooks.on_running = [&notifier, &watchdog,
                      stream](const std::vector<bw::service::StageHeartbeat>& pipeline_stages) {
    std::vector<bw::service::StageHeartbeat> stages = pipeline_stages;
    // The collector stream's sender is a stage too, when there is one (replay has no stages).
    if (stream != nullptr && !stages.empty()) {
      stages.push_back({"bw-stream", &stream->sender_heartbeat()});
    }
    if (notifier.watchdog_interval().count() > 0 && !stages.empty()) {
      watchdog = std::make_unique<bw::service::WatchdogThread>(stages, notifier);
    }
    notifier.ready();
  };
  // The watchdog stops first: systemd does not watch a stopping unit, and the heartbeats it
  // reads go away with the pipeline.
  hooks.on_stopping = [&notifier, &watchdog] {
    watchdog.reset();
    notifier.stopping();
  };
  hooks.on_reloading = [&notifier] { notifier.reloading(); };
  hooks.on_reloaded = [&notifier] { notifier.ready(); };
  // Test only (tests/live/service_notify_test.py): a worker that wedges on purpose.
  if (const char* wedge = std::getenv("BW_TEST_WEDGE_WORKER"); wedge != nullptr) {
    char* end = nullptr;
    const long worker = std::strtol(wedge, &end, 10);
    if (*wedge != '\0' && *end == '\0' && worker >= 0 && worker < 1024) {
      hooks.wedge_worker_for_testing = static_cast<int>(worker);
    }
  }
  return hooks;
}

// --metrics: the endpoint is opened before any packet is read, so an address that cannot be
// bound stops the sensor at once (exit 2) instead of leaving it running unwatched.
std::unique_ptr<bw::exporter::EventWriter> open_metrics(const std::string& listen, bool streaming,
                                                        std::string& error) {
  auto endpoint = bw::metrics::PrometheusEndpoint::open(listen, error);
  if (!endpoint) return nullptr;
  // With port 0 the kernel chose the port: name it, or no one could scrape it.
  const std::string host = listen.substr(0, listen.rfind(':'));
  std::fprintf(stderr, "bw-sensor: metrics on http://%s:%u/metrics\n", host.c_str(),
               static_cast<unsigned>(endpoint->port()));
  return std::make_unique<bw::metrics::HealthMetricsWriter>(
      std::move(endpoint), bw::metrics::HealthSnapshotOptions{.collector_stream = streaming});
}

// --drain-spool: no pipeline, only the spool's backlog.
int drain_spool(bw::config::SensorConfig& config, bool summary) {
  std::string error;
  auto stream = open_stream(config, error);
  if (!stream) return fail(error, kExitUsage);
  const bool drained = finish_stream(*stream, config.collector.drain_timeout_s);
  if (summary) {
    std::fprintf(stderr, "summary:\n");
    stream->print_summary(stderr);
  }
  return drained ? kExitOk : kExitFailed;
}

}  // namespace

int main(int argc, char** argv) {
  bw::config::CliOptions options;
  std::string error;
  if (!bw::config::parse_cli(argc, argv, options, error)) return fail(error, kExitUsage);
  if (options.help) {
    std::fputs(bw::config::usage_text(), stdout);
    return kExitOk;
  }
  if (options.version) {
    std::puts("bw-sensor " BW_VERSION);
    return kExitOk;
  }

  bw::config::SensorConfig config;
  if (!options.config_path.empty() &&
      !bw::config::load_config_file(options.config_path, config, error)) {
    return fail(error, kExitUsage);
  }
  if (options.workers != 0) config.pipeline.workers = options.workers;
  if (!options.sensor_id.empty()) config.sensor_id = options.sensor_id;
  if (!options.metrics_listen.empty()) config.metrics.listen = options.metrics_listen;
  if (options.no_detect) config.detect.enabled = false;
  if (options.pin_cpus) config.pipeline.pin_cpus = true;
  if (options.health_interval_s != 0) {
    config.pipeline.health_interval =
        static_cast<bw::TimestampNs>(options.health_interval_s) * bw::kNsPerSecond;
  }
  bw::config::DetectionInputs& inputs = config.detection_inputs;
  inputs.intel_feeds.insert(inputs.intel_feeds.end(), options.intel_feeds.begin(),
                            options.intel_feeds.end());
  inputs.mail_watchlists.insert(inputs.mail_watchlists.end(), options.mail_watchlists.begin(),
                                options.mail_watchlists.end());
  if (!options.recipients_file.empty()) inputs.recipients_file = options.recipients_file;
  if (!options.first_seen_file.empty()) inputs.first_seen_file = options.first_seen_file;
  if (!bw::config::apply_collector_options(options, config.collector, error)) {
    return fail(error, kExitUsage);
  }
  if (options.drain_spool) {
    std::signal(SIGINT, on_stop);
    std::signal(SIGTERM, on_stop);
    return drain_spool(config, options.summary);
  }

  bw::correlate::DetectionResources detection;
  std::vector<std::string> warnings;
  if (config.detect.enabled &&
      !bw::correlate::load_detection_resources(
          inputs.intel_feeds, inputs.recipients_file, inputs.mail_watchlists,
          config.detect.mail_watchlist_capacity, detection, warnings, error)) {
    return fail(error, kExitUsage);
  }
  g_detection = &detection;
  struct sigaction action {};
  action.sa_handler = on_sighup;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &action, nullptr);
  struct sigaction stop {};
  stop.sa_handler = on_stop;
  sigemptyset(&stop.sa_mask);
  // The first signal asks for an orderly stop; a second one of the same kind kills at once, for
  // when the flush itself is stuck (a blocked output pipe).
  stop.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &stop, nullptr);
  sigaction(SIGTERM, &stop, nullptr);
  for (const std::string& warning : warnings) {
    std::fprintf(stderr, "bw-sensor: warning: %s\n", warning.c_str());
  }

  std::vector<std::unique_ptr<bw::exporter::EventWriter>> writers;
  const bool streaming = !config.collector.address.empty();
  if (options.json_path.empty() && options.pb_path.empty() && !streaming)
    options.json_path.assign(1, '-');  // not = "-": GCC 12 -Wrestrict false positive
  if (!options.json_path.empty()) {
    auto writer = bw::exporter::open_json_lines_writer(options.json_path, error);
    if (!writer) return fail(error, kExitUsage);
    writers.push_back(std::move(writer));
  }
  if (!options.pb_path.empty()) {
    auto writer = bw::exporter::open_delimited_protobuf_writer(options.pb_path, error);
    if (!writer) return fail(error, kExitUsage);
    writers.push_back(std::move(writer));
  }

  if (!config.metrics.listen.empty()) {
    auto writer = open_metrics(config.metrics.listen, streaming, error);
    if (!writer) return fail(error, kExitUsage);
    writers.push_back(std::move(writer));
  }

  // The stream's writer goes last: it is taken back from the end after the run, for its summary.
  bw::stream::StreamingWriter* stream = nullptr;
  if (streaming) {
    auto writer = open_stream(config, error);
    if (!writer) return fail(error, kExitUsage);
    // Sequences continue after the spool's, so they never go backwards across restarts.
    config.pipeline.first_sequence = writer->last_sequence() + 1;
    stream = writer.get();
    writers.push_back(std::move(writer));
  }

  std::vector<bw::capture::LiveOptions> interfaces;
  for (const std::string& name : options.interfaces) {
    bw::capture::LiveOptions live;
    live.interface = name;
    live.snaplen = options.snaplen;
    live.buffer_bytes = options.ring_mib << 20;
    live.promiscuous = options.promiscuous;
    live.bpf_filter = options.bpf_filter;
    interfaces.push_back(live);
  }
  const bw::service::ServiceNotifier notifier = bw::service::ServiceNotifier::from_environment();
  std::unique_ptr<bw::service::WatchdogThread> watchdog;
  const bw::pipeline::ServiceHooks hooks = service_hooks(notifier, watchdog, stream);
  const bw::pipeline::ServiceHooks* service = notifier.enabled() ? &hooks : nullptr;
  // --user: root is needed to open the interfaces, never to parse what they capture.
  bool drop_failed = false;
  bw::pipeline::AfterOpen drop;
  if (!options.user.empty() || options.seccomp) {
    const bool serves_metrics = !config.metrics.listen.empty();
    drop = [&options, &drop_failed, streaming, serves_metrics](std::string& why) {
      drop_failed =
          (!options.user.empty() &&
           !bw::sandbox::drop_privileges({options.user, options.keep_net_raw}, why)) ||
          (options.seccomp && !bw::sandbox::install_seccomp_filter(
                                  {streaming, options.keep_net_raw, serves_metrics}, why));
      return !drop_failed;
    };
  }
  const bw::pipeline::ReplayResult result =
      interfaces.empty()
          ? bw::pipeline::run_replay(config, options.read_files, writers, &detection, &g_stop, drop,
                                     service)
          : bw::pipeline::run_live(config, interfaces, writers, &detection, g_stop, drop, service);
  if (drop_failed) return fail(result.error, kExitUsage);
  // A live capture was asked to stop: it does not wait; the spool keeps the rest.
  std::unique_ptr<bw::exporter::EventWriter> stream_owner;
  bool spool_lost = false;
  if (stream != nullptr) {
    finish_stream(*stream, interfaces.empty() ? config.collector.drain_timeout_s : 0);
    stream_owner = std::move(writers.back());  // kept for its summary section
    writers.pop_back();
  }
  writers.clear();  // flush and close before the summary
  if (options.summary) {
    result.summary.print(stderr);
    if (stream != nullptr) stream->print_summary(stderr);
  }
  // After the summary, so the loss line is the last thing a script's log shows.
  if (stream != nullptr) spool_lost = report_spool_losses(*stream);
  const int stop_signal = g_stop_signal.load(std::memory_order_relaxed);
  if (result.interrupted) {
    std::fprintf(stderr,
                 "bw-sensor: replay interrupted by %s after %" PRIu64
                 " packets read; their events are written\n",
                 stop_signal == SIGTERM ? "SIGTERM" : "SIGINT",
                 result.summary.capture.packets_read);
  }
  if (!result.ok) return fail(result.error, kExitFailed);
  // Live capture keeps its exit 0 on a requested stop: its losses are in the health events.
  if (spool_lost && interfaces.empty()) return kExitEventsLost;
  if (result.interrupted) return kExitSignalBase + stop_signal;
  return kExitOk;
}
