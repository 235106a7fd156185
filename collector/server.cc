#include "collector/server.h"

#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstring>
#include <sstream>

#include "beaconwatch/v1/event.pb.h"
#include "collector/collector_metrics.h"
#include "collector/ecs_json.h"
#include "sensor/common/file_text.h"
#include "sensor/metrics/prometheus_endpoint.h"

namespace bw::collector {

namespace {

// Keeps a lost sensor from holding its stream forever: the server pings idle connections and
// tolerates sensors that ping as often as every 10 s.
constexpr int kKeepaliveTimeMs = 30'000;
constexpr int kKeepaliveTimeoutMs = 10'000;
constexpr int kMinClientPingIntervalMs = 10'000;
// After shutdown starts, streams still waiting for a hello get this long before gRPC cancels.
constexpr auto kShutdownGrace = std::chrono::seconds(2);
constexpr std::uint32_t kMaxMessageKib = 2'097'151;  // gRPC limits are a signed 32-bit int

// Reads a PEM file: gRPC would only say "handshake failed" for a file of something else.
bool read_pem_file(const std::string& path, std::string& out, std::string& error) {
  if (!read_file_text(path, out, error)) return false;
  if (out.find("-----BEGIN ") == std::string::npos) {
    error = path + " is not a PEM file";
    return false;
  }
  return true;
}

bool parse_kib(std::string_view text, std::uint32_t& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && out >= 1 && out <= kMaxMessageKib;
}

std::string listen_host(const std::string& listen) {
  const auto colon = listen.rfind(':');
  return colon == std::string::npos ? listen : listen.substr(0, colon);
}

}  // namespace

bool parse_serve_args(int argc, const char* const* argv, ServeOptions& options,
                      std::string& error) {
  const std::pair<std::string_view, std::string ServeOptions::*> text_options[] = {
      {"--listen", &ServeOptions::listen},
      {"--cert", &ServeOptions::cert_file},
      {"--key", &ServeOptions::key_file},
      {"--client-ca", &ServeOptions::client_ca_file},
      {"--db", &ServeOptions::db_file},
      {"--json-out", &ServeOptions::json_out},
      {"--metrics", &ServeOptions::metrics_listen},
      {"--max-message-kib", nullptr},
  };
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      return true;
    }
    const auto* match = std::find_if(std::begin(text_options), std::end(text_options),
                                     [&](const auto& option) { return option.first == arg; });
    if (match == std::end(text_options)) {
      error = "unknown argument " + std::string(arg);
      return false;
    }
    if (i + 1 >= argc) {
      error = std::string(arg) + " needs a value";
      return false;
    }
    const std::string_view value = argv[++i];
    if (match->second != nullptr) {
      options.*(match->second) = value;
    } else if (!parse_kib(value, options.max_message_kib)) {
      error = "--max-message-kib " + std::string(value) + ": expected 1.." +
              std::to_string(kMaxMessageKib);
      return false;
    }
  }
  for (const auto& [name, member] : text_options) {
    if (member != nullptr && member != &ServeOptions::json_out &&
        member != &ServeOptions::metrics_listen && (options.*member).empty()) {
      error = std::string(name) + " is required";
      return false;
    }
  }
  return true;
}

std::unique_ptr<JsonLinesSink> JsonLinesSink::open(const std::string& target, LogSink log,
                                                   std::string& error) {
  if (target == "-") return std::make_unique<JsonLinesSink>(stdout, false, std::move(log));
  std::FILE* file = std::fopen(target.c_str(), "ae");
  if (file == nullptr) {
    error = "cannot open " + target + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::make_unique<JsonLinesSink>(file, true, std::move(log));
}

JsonLinesSink::JsonLinesSink(std::FILE* out, bool owns_file, LogSink log)
    : out_(out), owns_file_(owns_file), log_(log ? std::move(log) : LogSink(log_to_stderr)) {}

JsonLinesSink::~JsonLinesSink() {
  if (owns_file_) {
    std::fclose(out_);
  } else {
    std::fflush(out_);
  }
}

void JsonLinesSink::write_new_events(const std::vector<const beaconwatch::v1::Event*>& events) {
  std::lock_guard lock(mutex_);
  std::uint64_t written = 0;
  for (const beaconwatch::v1::Event* event : events) {
    line_.clear();
    if (!event_to_ecs_json(*event, line_)) {
      ++counters_.events_unmappable;
      continue;
    }
    line_ += '\n';
    if (std::fwrite(line_.data(), 1, line_.size(), out_) == line_.size()) ++written;
  }
  const bool flushed = std::fflush(out_) == 0;
  if (flushed && !std::ferror(out_)) {
    counters_.lines_written += written;
    failing_ = false;
    return;
  }
  const int saved_errno = errno;
  std::clearerr(out_);
  ++counters_.write_failures;
  if (!failing_) {
    log_("bw-collector: json-out: write failed: " + std::string(std::strerror(saved_errno)) +
         " (events stay in the store)");
  }
  failing_ = true;
}

JsonSinkCounters JsonLinesSink::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

bool load_credentials(const ServeOptions& options, ServerCredentials& credentials,
                      std::string& error) {
  return read_pem_file(options.cert_file, credentials.certificate_chain, error) &&
         read_pem_file(options.key_file, credentials.private_key, error) &&
         read_pem_file(options.client_ca_file, credentials.client_ca, error);
}

std::unique_ptr<CollectorServer> CollectorServer::start(const std::string& listen,
                                                        const ServerCredentials& credentials,
                                                        std::uint32_t max_message_bytes,
                                                        Store& store, EventSink* sink, LogSink log,
                                                        std::string& error) {
  std::unique_ptr<CollectorServer> server(new CollectorServer());
  ServiceOptions service_options;
  service_options.max_message_bytes = max_message_bytes;
  service_options.log = log ? std::move(log) : LogSink(log_to_stderr);
  server->service_ = std::make_unique<CollectorService>(store, sink, server->registry_,
                                                        std::move(service_options));

  // REQUIRE_AND_VERIFY: the TLS handshake itself refuses a client without a certificate from
  // the client CA, before any handler runs.
  grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  tls.pem_root_certs = credentials.client_ca;
  tls.pem_key_cert_pairs.push_back({credentials.private_key, credentials.certificate_chain});

  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::SslServerCredentials(tls), &server->port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_message_bytes));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kMinClientPingIntervalMs);
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    error = "cannot serve on " + listen +
            " (address in use or invalid, or the certificate and key do not match)";
    server->stopped_ = true;
    return nullptr;
  }
  return server;
}

CollectorServer::~CollectorServer() {
  shutdown();
}

void CollectorServer::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  registry_.shut_down();
  server_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  server_->Wait();
}

namespace {

void log_totals(const CollectorServer& server, const Store& store, const JsonLinesSink* sink) {
  for (const auto& [sensor_id, totals] : server.sensors().snapshot()) {
    std::ostringstream line;
    line << "bw-collector: " << sensor_id << " totals:";
    totals.for_each(
        [&](std::string_view name, std::uint64_t value) { line << ' ' << name << '=' << value; });
    log_to_stderr(line.str());
  }
  std::ostringstream line;
  line << "bw-collector: store:";
  store.counters().for_each(
      [&](std::string_view name, std::uint64_t value) { line << ' ' << name << '=' << value; });
  if (sink != nullptr) {
    sink->counters().for_each([&](std::string_view name, std::uint64_t value) {
      line << " json_" << name << '=' << value;
    });
  }
  log_to_stderr(line.str());
}

}  // namespace

int serve(const ServeOptions& options) {
  // Signals are taken synchronously by this thread; blocking them first makes every thread
  // gRPC starts inherit the mask, so none of them is interrupted.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::string error;
  ServerCredentials credentials;
  if (!load_credentials(options, credentials, error)) {
    log_to_stderr("bw-collector: " + error);
    return 1;
  }
  std::unique_ptr<Store> store = Store::open(options.db_file, Store::Mode::kReadWrite, error);
  if (!store) {
    log_to_stderr("bw-collector: store: " + error);
    return 1;
  }
  std::unique_ptr<JsonLinesSink> sink;
  if (!options.json_out.empty()) {
    sink = JsonLinesSink::open(options.json_out, {}, error);
    if (!sink) {
      log_to_stderr("bw-collector: json-out: " + error);
      return 1;
    }
  }
  // Opened before the server, so an address that cannot be bound stops the collector before
  // any sensor is accepted.
  std::unique_ptr<metrics::PrometheusEndpoint> metrics_endpoint;
  if (!options.metrics_listen.empty()) {
    metrics_endpoint = metrics::PrometheusEndpoint::open(options.metrics_listen, error);
    if (!metrics_endpoint) {
      log_to_stderr("bw-collector: " + error);
      return 2;
    }
  }
  std::unique_ptr<CollectorServer> server = CollectorServer::start(
      options.listen, credentials, options.max_message_kib * 1024u, *store, sink.get(), {}, error);
  if (!server) {
    log_to_stderr("bw-collector: " + error);
    return 1;
  }
  log_to_stderr("bw-collector: listening on " + listen_host(options.listen) + ":" +
                std::to_string(server->port()));
  if (metrics_endpoint) {
    // Read at each scrape: the store's and the service's counters are safe to read from any
    // thread, and the server, store and sink outlive the endpoint (reset first below).
    metrics_endpoint->set_source([&server, &store, &sink] {
      JsonSinkCounters sink_counters;
      if (sink) sink_counters = sink->counters();
      return collector_snapshot(store->counters(), sink ? &sink_counters : nullptr,
                                server->service());
    });
    log_to_stderr("bw-collector: metrics on http://" + listen_host(options.metrics_listen) + ":" +
                  std::to_string(metrics_endpoint->port()) + "/metrics");
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log_to_stderr(std::string("bw-collector: ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
                ", shutting down");
  metrics_endpoint.reset();  // its source reads the server, store and sink
  server->shutdown();
  log_totals(*server, *store, sink.get());
  server.reset();
  sink.reset();
  store.reset();
  return 0;
}

}  // namespace bw::collector
