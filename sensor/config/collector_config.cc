// The collector section: address syntax, the TLS files a stream cannot start without, and the
// command-line overrides.
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "sensor/config/cli_options.h"
#include "sensor/config/sensor_config.h"

namespace bw::config {
namespace {

bool is_port(std::string_view text, unsigned lowest) {
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return ec == std::errc() && end == text.data() + text.size() && port >= lowest && port <= 65535;
}

// HOST:PORT with a non-empty host and a port from `lowest_port` to 65535.
bool is_host_and_port(std::string_view address, unsigned lowest_port) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || !is_port(address.substr(colon + 1), lowest_port)) {
    return false;
  }
  const std::string_view host = address.substr(0, colon);
  if (host.empty()) return false;
  if (host.front() == '[') return host.size() > 2 && host.back() == ']';
  // An unbracketed IPv6 address would make the port ambiguous.
  return host.find_first_of(":[] \t/") == std::string_view::npos;
}

// Opening is the test that matters: gRPC reads the files later, and a permission problem found
// then would only show up as a failed handshake.
bool check_readable(const std::string& path, const char* field, const char* option,
                    std::string& error) {
  if (path.empty()) {
    error = std::string("collector.") + field + " (" + option +
            ") must be set when a collector address is set";
    return false;
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    error = std::string("collector.") + field + " (" + option + ") " + path +
            ": cannot read: " + std::strerror(errno);
    return false;
  }
  std::fclose(file);
  return true;
}

}  // namespace

bool is_collector_address(std::string_view address) {
  return is_host_and_port(address, 1);
}

// Port 0 asks the kernel for a free port: what tests use to never collide.
bool is_listen_address(std::string_view address) {
  return is_host_and_port(address, 0);
}

bool check_collector_config(const CollectorConfig& config, std::string& error) {
  if (config.address.empty()) return true;
  return check_readable(config.ca_file, "ca_file", "--collector-ca", error) &&
         check_readable(config.cert_file, "cert_file", "--collector-cert", error) &&
         check_readable(config.key_file, "key_file", "--collector-key", error);
}

bool apply_collector_options(const CliOptions& options, CollectorConfig& config,
                             std::string& error) {
  for (const auto& [value, target] : {std::pair{&options.collector_address, &config.address},
                                      std::pair{&options.collector_ca, &config.ca_file},
                                      std::pair{&options.collector_cert, &config.cert_file},
                                      std::pair{&options.collector_key, &config.key_file},
                                      std::pair{&options.spool_dir, &config.spool_dir}}) {
    if (!value->empty()) *target = *value;
  }
  if (options.drain_timeout_s) config.drain_timeout_s = *options.drain_timeout_s;
  if (options.drain_spool && config.address.empty()) {
    error = "--drain-spool needs a collector: give --collector HOST:PORT or collector.address";
    return false;
  }
  return check_collector_config(config, error);
}

}  // namespace bw::config
