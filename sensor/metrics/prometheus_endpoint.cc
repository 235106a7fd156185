// The prometheus-cpp adapter: the only file that includes prometheus-cpp. prometheus-cpp formats
// the page (its TextSerializer, the exposition format Prometheus parses); the HTTP side is a
// small listener of our own rather than prometheus-cpp's Exposer, because the Exposer's civetweb
// threads get a fixed 100 KiB stack and bw-sensor's static thread-local storage (the TLS and
// QUIC parsers' 64 KiB scratch buffers, about 225 KiB in all) does not fit in it: pthread_create
// fails with EINVAL and the Exposer cannot start. Our thread has the default stack.
#include "sensor/metrics/prometheus_endpoint.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace bw::metrics {
namespace {

// A scraper's request head is a few hundred bytes; anything longer is not a scrape.
constexpr std::size_t kMaxRequestBytes = 8192;
// A client that sends nothing (or reads nothing) is dropped after this, so one stuck
// connection cannot stop the next scrape for long.
constexpr time_t kClientTimeoutSeconds = 2;

prometheus::MetricFamily to_prometheus(const MetricFamilyPoints& family) {
  prometheus::MetricFamily out;
  out.name = family.name;
  out.help = family.help;
  out.type = family.kind == MetricKind::kCounter ? prometheus::MetricType::Counter
                                                 : prometheus::MetricType::Gauge;
  out.metric.reserve(family.samples.size());
  for (const MetricSample& sample : family.samples) {
    prometheus::ClientMetric metric;
    if (!sample.label_name.empty()) metric.label.push_back({sample.label_name, sample.label_value});
    if (family.kind == MetricKind::kCounter) {
      metric.counter.value = sample.value;
    } else {
      metric.gauge.value = sample.value;
    }
    out.metric.push_back(std::move(metric));
  }
  return out;
}

std::string exposition_text(const MetricSnapshot& snapshot) {
  std::vector<prometheus::MetricFamily> families;
  families.reserve(snapshot.size());
  for (const MetricFamilyPoints& family : snapshot)
    families.push_back(to_prometheus(family));
  return prometheus::TextSerializer().Serialize(families);
}

// "HOST:PORT", "[V6]:PORT" -> host and port texts for getaddrinfo.
bool split_address(const std::string& address, std::string& host, std::string& port) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  }
  return true;
}

// Listening TCP socket on `address`, or -1 with the reason in `error`.
int listen_on(const std::string& address, std::string& error) {
  std::string host;
  std::string port;
  if (!split_address(address, host, port)) {
    error = "metrics: cannot listen on " + address + ": not ADDR:PORT";
    return -1;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    error = "metrics: cannot listen on " + address + ": " + gai_strerror(rc);
    return -1;
  }
  int reason = 0;
  int fd = -1;
  for (const addrinfo* candidate = found; candidate != nullptr && fd < 0;
       candidate = candidate->ai_next) {
    fd =
        socket(candidate->ai_family, candidate->ai_socktype | SOCK_CLOEXEC, candidate->ai_protocol);
    if (fd < 0) {
      reason = errno;
      continue;
    }
    // A restarted sensor may rebind at once, while the old connections sit in TIME_WAIT.
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, candidate->ai_addr, candidate->ai_addrlen) != 0 || listen(fd, 16) != 0) {
      reason = errno;
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) error = "metrics: cannot listen on " + address + ": " + std::strerror(reason);
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage local{};
  socklen_t size = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &size) != 0) return 0;
  if (local.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&local)->sin_port);
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

class HttpMetricsEndpoint final : public PrometheusEndpoint {
 public:
  HttpMetricsEndpoint(int listen_fd, std::array<int, 2> wake_pipe)
      : listen_fd_(listen_fd), wake_pipe_(wake_pipe), port_(bound_port(listen_fd)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~HttpMetricsEndpoint() override {
    const char stop = 1;
    (void)!write(wake_pipe_[1], &stop, 1);
    thread_.join();
    close(listen_fd_);
    close(wake_pipe_[0]);
    close(wake_pipe_[1]);
  }
  HttpMetricsEndpoint(const HttpMetricsEndpoint&) = delete;
  HttpMetricsEndpoint& operator=(const HttpMetricsEndpoint&) = delete;

  void publish(MetricSnapshot snapshot) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    snapshot_ = std::move(snapshot);
  }
  void set_source(std::function<MetricSnapshot()> source) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    source_ = std::move(source);
  }
  std::uint16_t port() const override { return port_; }

 private:
  // The endpoint's thread: one connection at a time (scrapes come every few seconds at most).
  void serve() {
    std::array<pollfd, 2> fds = {pollfd{listen_fd_, POLLIN, 0}, pollfd{wake_pipe_[0], POLLIN, 0}};
    for (;;) {
      if (poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[1].revents != 0) return;
      if ((fds[0].revents & POLLIN) == 0) continue;
      const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      answer(client);
      close(client);
    }
  }

  void answer(int client) {
    const timeval timeout{kClientTimeoutSeconds, 0};
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    std::string request;
    std::array<char, 1024> chunk{};
    while (request.size() < kMaxRequestBytes && request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t got = recv(client, chunk.data(), chunk.size(), 0);
      if (got <= 0) return;
      request.append(chunk.data(), static_cast<std::size_t>(got));
    }
    const std::string_view line = std::string_view(request).substr(0, request.find("\r\n"));
    const bool scrape = line.starts_with("GET /metrics ") || line.starts_with("GET /metrics?");
    if (!scrape) {
      constexpr std::string_view kNotFound =
          "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 24\r\n"
          "Connection: close\r\n\r\nmetrics are at /metrics\n";
      send_all(client, kNotFound);
      return;
    }
    std::string body;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      body = exposition_text(source_ ? source_() : snapshot_);
    }
    const std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    if (send_all(client, head)) send_all(client, body);
  }

  const int listen_fd_;
  const std::array<int, 2> wake_pipe_;  // written once by the destructor: stop serving
  const std::uint16_t port_;
  std::mutex mutex_;
  MetricSnapshot snapshot_;
  std::function<MetricSnapshot()> source_;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<PrometheusEndpoint> PrometheusEndpoint::open(const std::string& listen_address,
                                                             std::string& error) {
  const int fd = listen_on(listen_address, error);
  if (fd < 0) return nullptr;
  std::array<int, 2> wake_pipe{};
  if (pipe2(wake_pipe.data(), O_CLOEXEC) != 0) {
    error = std::string("metrics: pipe: ") + std::strerror(errno);
    close(fd);
    return nullptr;
  }
  return std::make_unique<HttpMetricsEndpoint>(fd, wake_pipe);
}

}  // namespace bw::metrics
