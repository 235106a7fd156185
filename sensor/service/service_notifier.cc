#include "sensor/service/service_notifier.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace bw::service {
namespace {

// Fills `address` for `name`; the length to pass to sendto, or 0 when `name` is not a socket
// address systemd would give (only absolute paths and abstract names; no vsock).
socklen_t socket_address_of(const std::string& name, sockaddr_un& address) {
  address = sockaddr_un{};
  address.sun_family = AF_UNIX;
  if (name.size() < 2 || name.size() > sizeof address.sun_path) return 0;
  if (name[0] != '/' && name[0] != '@') return 0;
  // A path needs its terminating NUL inside sun_path; an abstract name does not.
  if (name[0] == '/' && name.size() == sizeof address.sun_path) return 0;
  std::memcpy(address.sun_path, name.data(), name.size());
  // An abstract name is the bytes after a leading NUL, exactly as long as given: no terminator.
  if (name[0] == '@') address.sun_path[0] = '\0';
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() +
                                (name[0] == '/' ? 1 : 0));
}

// A positive decimal number and nothing else; 0 otherwise.
std::uint64_t parse_positive(const char* text) {
  if (text == nullptr || *text < '0' || *text > '9') return 0;
  errno = 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0') return 0;
  return value;
}

}  // namespace

std::uint64_t monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000 +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

ServiceNotifier::ServiceNotifier(std::string socket_address,
                                 std::chrono::microseconds watchdog_interval)
    : address_(std::move(socket_address)), watchdog_interval_(watchdog_interval) {
  sockaddr_un unused{};
  if (socket_address_of(address_, unused) == 0) return;
  // Non-blocking: a full receive queue on the manager's side drops the message instead of
  // holding up the caller; close-on-exec: nothing the sensor runs inherits the socket.
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

ServiceNotifier::~ServiceNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

ServiceNotifier::ServiceNotifier(ServiceNotifier&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      address_(std::move(other.address_)),
      watchdog_interval_(other.watchdog_interval_) {}

ServiceNotifier& ServiceNotifier::operator=(ServiceNotifier&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    address_ = std::move(other.address_);
    watchdog_interval_ = other.watchdog_interval_;
  }
  return *this;
}

ServiceNotifier ServiceNotifier::from_values(const char* notify_socket, const char* watchdog_usec,
                                             const char* watchdog_pid, pid_t own_pid) {
  if (notify_socket == nullptr || *notify_socket == '\0') return {};
  std::chrono::microseconds interval{0};
  const bool for_us = watchdog_pid == nullptr ||
                      parse_positive(watchdog_pid) == static_cast<std::uint64_t>(own_pid);
  if (for_us) interval = std::chrono::microseconds(parse_positive(watchdog_usec));
  return ServiceNotifier(notify_socket, interval);
}

ServiceNotifier ServiceNotifier::from_environment() {
  return from_values(std::getenv("NOTIFY_SOCKET"), std::getenv("WATCHDOG_USEC"),
                     std::getenv("WATCHDOG_PID"), ::getpid());
}

bool ServiceNotifier::reloading() const {
  return send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()));
}

bool ServiceNotifier::status(std::string_view text) const {
  std::string message("STATUS=");
  message.append(text);
  return send(message);
}

bool ServiceNotifier::send(std::string_view message) const {
  if (fd_ < 0) return false;
  sockaddr_un address{};
  const socklen_t length = socket_address_of(address_, address);
  const ssize_t sent = ::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                                reinterpret_cast<const sockaddr*>(&address), length);
  return sent == static_cast<ssize_t>(message.size());
}

}  // namespace bw::service
