// `bw-collector serve`: the gRPC server with mutual TLS in front of the store, the SIEM output,
// and the process lifecycle (SIGINT/SIGTERM end it cleanly). See docs/COLLECTOR.md.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "collector/collector_service.h"
#include "collector/store.h"
#include "sensor/common/counters.h"

namespace bw::collector {

inline constexpr std::string_view kServeUsage =
    "usage: bw-collector serve --listen ADDR:PORT --cert FILE --key FILE --client-ca FILE\n"
    "                          --db FILE [--json-out FILE|-] [--max-message-kib N]\n"
    "  --listen ADDR:PORT    address to serve on; port 0 picks a free port\n"
    "  --cert, --key         the collector's certificate chain and private key (PEM)\n"
    "  --client-ca FILE      CA that signs sensor certificates; a sensor's identity is its CN\n"
    "  --db FILE             SQLite store (created if missing)\n"
    "  --json-out FILE|-     also write each newly stored event as one JSON line (- = stdout)\n"
    "  --max-message-kib N   largest request accepted, in KiB (default 4096)\n"
    "  --metrics ADDR:PORT   serve Prometheus metrics at http://ADDR:PORT/metrics (port 0: a\n"
    "                        free port, named on stderr); an unusable address exits 2\n";

struct ServeOptions {
  std::string listen;
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  std::string db_file;
  std::string json_out;  // empty: no SIEM output; "-": stdout
  std::uint32_t max_message_kib = 4096;
  std::string metrics_listen;  // empty: no metrics
  bool help = false;
};

// Parses the arguments after `serve`. On error `error` names the offending argument.
bool parse_serve_args(int argc, const char* const* argv, ServeOptions& options, std::string& error);

// Runs the collector until SIGINT or SIGTERM; returns the process exit status.
int serve(const ServeOptions& options);

#define BW_JSON_SINK_COUNTERS(X) \
  X(lines_written)               \
  X(events_unmappable)           \
  X(write_failures)

struct JsonSinkCounters {
  BW_DECLARE_COUNTERS(BW_JSON_SINK_COUNTERS)
};

// SIEM output: one ECS-style JSON object per newly stored event, flushed after every batch.
// It follows the store's commit, so a collector killed between commit and write misses those
// lines (the store stays complete; `bw-collector query --json` re-exports it).
class JsonLinesSink final : public EventSink {
 public:
  // "-" writes to stdout; a file is created or appended to.
  static std::unique_ptr<JsonLinesSink> open(const std::string& target, LogSink log,
                                             std::string& error);
  JsonLinesSink(std::FILE* out, bool owns_file, LogSink log);
  ~JsonLinesSink() override;
  JsonLinesSink(const JsonLinesSink&) = delete;
  JsonLinesSink& operator=(const JsonLinesSink&) = delete;

  void write_new_events(const std::vector<const beaconwatch::v1::Event*>& events) override;
  JsonSinkCounters counters() const;

 private:
  mutable std::mutex mutex_;
  std::FILE* out_;
  bool owns_file_;
  LogSink log_;
  bool failing_ = false;  // logs the first failure of a run of them, not each batch
  JsonSinkCounters counters_;
  std::string line_;
};

struct ServerCredentials {
  std::string certificate_chain;  // PEM
  std::string private_key;        // PEM
  std::string client_ca;          // PEM: the only issuer whose sensor certificates are accepted
};

bool load_credentials(const ServeOptions& options, ServerCredentials& credentials,
                      std::string& error);

class CollectorServer {
 public:
  // Listens on `listen` (port 0: any free port). Store and sink outlive the server. `log` may
  // be empty (stderr).
  static std::unique_ptr<CollectorServer> start(const std::string& listen,
                                                const ServerCredentials& credentials,
                                                std::uint32_t max_message_bytes, Store& store,
                                                EventSink* sink, LogSink log, std::string& error);
  ~CollectorServer();
  CollectorServer(const CollectorServer&) = delete;
  CollectorServer& operator=(const CollectorServer&) = delete;

  int port() const { return port_; }
  // Stops accepting, lets each stream finish the batch it is committing, waits for every
  // handler. Idempotent.
  void shutdown();
  const SensorRegistry& sensors() const { return registry_; }
  const CollectorService& service() const { return *service_; }

 private:
  CollectorServer() = default;
  SensorRegistry registry_;
  std::unique_ptr<CollectorService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace bw::collector
