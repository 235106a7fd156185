#include "sensor/config/cli_options.h"

#include <charconv>
#include <string_view>

namespace bw::config {
namespace {

bool parse_count(std::string_view text, std::uint32_t low, std::uint32_t high, std::uint32_t& out) {
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    return false;
  }
  out = value;
  return true;
}

bool is_option(std::string_view arg) {
  return arg.size() > 1 && arg[0] == '-';
}

}  // namespace

const char* usage_text() {
  return R"(Usage: bw-sensor --read FILE... [options]
       bw-sensor --interface IF... [options]
       bw-sensor --drain-spool --collector HOST:PORT [--collector-* FILE] [--spool DIR]

Beaconwatch sensor: decodes packets, tracks flows, classifies them with nDPI and writes HTTP, DNS,
TLS and QUIC events (schema: proto/beaconwatch/v1/event.proto).

Input (one of):
  --read FILE...      Replay pcap or pcapng files, in the order given ("-" reads standard
                      input). The format is recognised by its magic number, not its name.
                      Further non-option arguments are read as more files.
  --interface IF      Capture live from IF (repeatable) until SIGINT or SIGTERM, which drain
                      the queues, flush the events and print the final counters.
    --filter EXPR     BPF capture filter (tcpdump syntax).
    --snaplen N       Bytes kept per packet (64..262144, default 65535).
    --ring-mb N       Kernel ring per interface in MiB (1..4096, default 64).
    --promisc         Put the interfaces in promiscuous mode.
    --health-interval N
                      Seconds between `health` events with every counter (1..86400,
                      default 60).

Output (without --json, --pb or --collector: JSON lines on standard output):
  --json PATH         Write events as JSON lines (protobuf JSON mapping, snake_case field
                      names); "-" is standard output.
  --pb PATH           Write events as length-delimited binary protobuf (beaconwatch.v1.Event,
                      each preceded by its size as a varint); "-" is standard output.

Collector (schema and defaults: the config's `collector` section):
  --collector HOST:PORT
                      Stream every event to a bw-collector over TLS with a client
                      certificate. Events go through a disk spool first, so packet
                      processing never waits and an outage loses nothing until the spool's
                      cap. With a collector and neither --json nor --pb, nothing is written
                      locally.
    --collector-ca FILE, --collector-cert FILE, --collector-key FILE
                      PEM files: the CA of the collector's certificate, this sensor's
                      certificate (its CN is the sensor's identity) and its private key.
    --spool DIR       Spool directory (default /var/lib/beaconwatch/spool).
    --drain-timeout SECONDS
                      At the end of a replay, wait up to this long for the collector to
                      acknowledge everything (0..86400, default 60; 0: do not wait); what is
                      left stays in the spool for the next run. Live capture does not wait.
  --drain-spool       Read no input: deliver what the spool holds and exit (0 once everything
                      is acknowledged, 1 on timeout with the pending count).

Metrics:
  --metrics ADDR:PORT Serve the health counters (kernel and queue drops, flows, parser weirds,
                      events by kind, alerts, spool and stream, per-thread CPU) in the
                      Prometheus text format at http://ADDR:PORT/metrics, updated with every
                      health event (live capture, --health-interval). Port 0 picks a free
                      port, named on standard error. An address that cannot be bound exits 2.
                      Names: README, "Metrics". Overrides the config's metrics.listen.

Processing:
  --workers N         Worker threads (1..64). Output is identical for any N.
  --pin-cpus          Pin threads: capture on CPU 0, workers on the next CPUs, exporter on
                      the last.
  --config FILE       JSON configuration (schema: proto/beaconwatch/v1/config.proto).
  --sensor-id ID      Sensor name written into every event (default "bw-sensor"; streaming to a
                      collector, the CN of --collector-cert, which it must match).
  --no-summary        Do not print the counter summary on standard error at the end.

Privileges (for sensors started as root without systemd's User=; see README):
  --user NAME         Once the interfaces, outputs, spool and first-seen store are open and
                      before any packet is read, become NAME for good: supplementary groups
                      cleared, real/effective/saved uid and gid set to NAME's, every
                      capability dropped (bounding set too), no_new_privs set. A failed drop
                      exits 2; the sensor never goes on as root. A replay opens its files
                      after the drop, as NAME. NAME must be able to write the spool
                      directory and the first-seen file's directory (new segments, rewrites).
    --keep-net-raw    Keep CAP_NET_RAW (and only it) after --user, for captures that may
                      have to be re-opened.
  --seccomp           After the drop, refuse every system call the running sensor does not
                      make: starting programs (kills the sensor), new processes, executable
                      memory, sockets other than the collector's TCP/UDP over IPv4/IPv6 (and
                      AF_PACKET with --keep-net-raw); the rest fail with EPERM. Files cannot
                      be confined by path this way: that is left to NAME's permissions. Off by
                      default until it has run in the field.

Beacon detection (adds `beacon` and `campaign` events; weights in the config's `detect`):
  --intel FILE        Tracker/IOC feed (repeatable), format in sensor/intel/README.md; the
                      project's curated list is sensor/intel/data/email_trackers.feed.
                      Feeds are reloaded on SIGHUP.
  --recipients FILE   Protected addresses, one per line: a URL carrying one (plain, encoded
                      or hashed) names the recipient in the alert.
  --mail-watchlist FILE
                      URLs of inbound mail (written by bw-mail-watchlist), repeatable.
  --first-seen FILE   Keeps the domains this sensor has seen across runs (created if absent).
  --no-detect         Export events only.

  --help              Show this text.
  --version           Show the version.

Exit status: 0 when every input was read and every event written; 1 when an input could not be
read completely (missing file, not a capture, truncated capture, unsupported link type, an
interface that cannot be opened) or an output failed: events produced before the problem are
still written; 2 for bad options; 3 when a replay streaming to a collector lost events in its
spool (cap reached, write error) or an fsync of the spool failed: the last line says how many;
130 or 143 (128 + the signal) when SIGINT or SIGTERM cut a replay short: what was read is still
processed and written, and the summary says so.
)";
}

bool parse_cli(int argc, const char* const* argv, CliOptions& out, std::string& error) {
  auto need_value = [&](int& i, std::string_view name, std::string& value) {
    if (i + 1 >= argc) {
      error = std::string(name) + " needs a value";
      return false;
    }
    value = argv[++i];
    return true;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string value;
    if (arg == "--help" || arg == "-h") {
      out.help = true;
    } else if (arg == "--version") {
      out.version = true;
    } else if (arg == "--read" || arg == "-r") {
      const int first = i + 1;
      while (i + 1 < argc && (!is_option(argv[i + 1]) || std::string_view(argv[i + 1]) == "-")) {
        out.read_files.emplace_back(argv[++i]);
      }
      if (i + 1 == first) {
        error = "--read needs at least one file";
        return false;
      }
    } else if (arg == "--interface" || arg == "-i") {
      if (!need_value(i, arg, value)) return false;
      out.interfaces.push_back(value);
    } else if (arg == "--filter") {
      if (!need_value(i, arg, out.bpf_filter)) return false;
    } else if (arg == "--snaplen") {
      if (!need_value(i, arg, value)) return false;
      if (!parse_count(value, 64, 262144, out.snaplen)) {
        error = "--snaplen takes a whole number from 64 to 262144, not '" + value + "'";
        return false;
      }
    } else if (arg == "--ring-mb") {
      if (!need_value(i, arg, value)) return false;
      if (!parse_count(value, 1, 4096, out.ring_mib)) {
        error = "--ring-mb takes a whole number from 1 to 4096, not '" + value + "'";
        return false;
      }
    } else if (arg == "--health-interval") {
      if (!need_value(i, arg, value)) return false;
      if (!parse_count(value, 1, 86400, out.health_interval_s)) {
        error = "--health-interval takes a whole number of seconds from 1 to 86400, not '" + value +
                "'";
        return false;
      }
    } else if (arg == "--promisc") {
      out.promiscuous = true;
    } else if (arg == "--json") {
      if (!need_value(i, arg, out.json_path)) return false;
    } else if (arg == "--pb") {
      if (!need_value(i, arg, out.pb_path)) return false;
    } else if (arg == "--config") {
      if (!need_value(i, arg, out.config_path)) return false;
    } else if (arg == "--sensor-id") {
      if (!need_value(i, arg, out.sensor_id)) return false;
      if (out.sensor_id.empty()) {
        error = "--sensor-id must not be empty";
        return false;
      }
    } else if (arg == "--workers") {
      if (!need_value(i, arg, value)) return false;
      if (!parse_count(value, 1, 64, out.workers)) {
        error = "--workers takes a whole number from 1 to 64, not '" + value + "'";
        return false;
      }
    } else if (arg == "--intel") {
      if (!need_value(i, arg, value)) return false;
      out.intel_feeds.push_back(value);
    } else if (arg == "--recipients") {
      if (!need_value(i, arg, out.recipients_file)) return false;
    } else if (arg == "--mail-watchlist") {
      if (!need_value(i, arg, value)) return false;
      out.mail_watchlists.push_back(value);
    } else if (arg == "--first-seen") {
      if (!need_value(i, arg, out.first_seen_file)) return false;
    } else if (arg == "--no-detect") {
      out.no_detect = true;
    } else if (arg == "--pin-cpus") {
      out.pin_cpus = true;
    } else if (arg == "--no-summary") {
      out.summary = false;
    } else if (arg == "--collector") {
      if (!need_value(i, arg, out.collector_address)) return false;
      if (!is_collector_address(out.collector_address)) {
        error =
            "--collector takes HOST:PORT (port 1 to 65535), not '" + out.collector_address + "'";
        return false;
      }
    } else if (arg == "--collector-ca") {
      if (!need_value(i, arg, out.collector_ca)) return false;
    } else if (arg == "--collector-cert") {
      if (!need_value(i, arg, out.collector_cert)) return false;
    } else if (arg == "--collector-key") {
      if (!need_value(i, arg, out.collector_key)) return false;
    } else if (arg == "--spool") {
      if (!need_value(i, arg, out.spool_dir)) return false;
    } else if (arg == "--drain-timeout") {
      if (!need_value(i, arg, value)) return false;
      std::uint32_t seconds = 0;
      if (!parse_count(value, 0, 86400, seconds)) {
        error =
            "--drain-timeout takes a whole number of seconds from 0 to 86400, not '" + value + "'";
        return false;
      }
      out.drain_timeout_s = seconds;
    } else if (arg == "--drain-spool") {
      out.drain_spool = true;
    } else if (arg == "--user") {
      if (!need_value(i, arg, out.user)) return false;
      if (out.user.empty()) {
        error = "--user must not be empty";
        return false;
      }
    } else if (arg == "--keep-net-raw") {
      out.keep_net_raw = true;
    } else if (arg == "--seccomp") {
      out.seccomp = true;
    } else if (arg == "--metrics") {
      if (!need_value(i, arg, out.metrics_listen)) return false;
      if (!is_listen_address(out.metrics_listen)) {
        error = "--metrics takes ADDR:PORT (port 0 to 65535, IPv6 in brackets), not '" +
                out.metrics_listen + "'";
        return false;
      }
    } else if (is_option(arg)) {
      error = "unknown option " + std::string(arg) + " (see --help)";
      return false;
    } else {
      out.read_files.emplace_back(arg);
    }
  }
  const bool has_input = !out.read_files.empty() || !out.interfaces.empty();
  if (out.drain_spool && has_input) {
    error = "--drain-spool reads no input: drop --read and --interface";
    return false;
  }
  if (!out.help && !out.version && !out.drain_spool && !has_input) {
    error = "nothing to read: give --read FILE... or --interface IF (see --help)";
    return false;
  }
  if (!out.read_files.empty() && !out.interfaces.empty()) {
    error = "--read and --interface cannot be combined";
    return false;
  }
  if (out.keep_net_raw && out.user.empty()) {
    error = "--keep-net-raw needs --user";
    return false;
  }
  if (out.drain_spool && (!out.user.empty() || out.seccomp)) {
    error = "--user and --seccomp apply before packets are read; --drain-spool reads none";
    return false;
  }
  if (!out.json_path.empty() && out.json_path == out.pb_path) {
    error = "--json and --pb cannot write to the same place";
    return false;
  }
  return true;
}

}  // namespace bw::config
