// The service manager's notification protocol (systemd's sd_notify(3)), without libsystemd: one
// datagram per message to the AF_UNIX socket named in NOTIFY_SOCKET. A sensor started without
// that variable (a shell, a container, Type=simple) sends nothing.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace bw::service {

class ServiceNotifier {
 public:
  // Disabled: every send is a no-op.
  ServiceNotifier() = default;
  // `socket_address`: a file system path, or an abstract name written with a leading '@'.
  // `watchdog_interval`: how often the manager expects WATCHDOG=1 at the latest; 0 for none.
  ServiceNotifier(std::string socket_address, std::chrono::microseconds watchdog_interval);
  ~ServiceNotifier();
  ServiceNotifier(ServiceNotifier&& other) noexcept;
  ServiceNotifier& operator=(ServiceNotifier&& other) noexcept;
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  // From NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID, as systemd sets them. The watchdog is
  // on only when WATCHDOG_USEC is a positive number and WATCHDOG_PID is unset or `own_pid`
  // (a child that inherited the variables must not feed its parent's watchdog).
  static ServiceNotifier from_values(const char* notify_socket, const char* watchdog_usec,
                                     const char* watchdog_pid, pid_t own_pid);
  static ServiceNotifier from_environment();

  bool enabled() const { return fd_ >= 0; }
  std::chrono::microseconds watchdog_interval() const { return watchdog_interval_; }

  // Each returns false when disabled or when the datagram could not be sent. Never blocks: a
  // manager that does not read its socket costs a lost message, not a stalled thread.
  bool ready() const { return send("READY=1"); }
  bool watchdog() const { return send("WATCHDOG=1"); }
  bool stopping() const { return send("STOPPING=1"); }
  // RELOADING=1 with the CLOCK_MONOTONIC time of the reload's start, which systemd 253 and later
  // require to match the reload to the ExecReload= that asked for it.
  bool reloading() const;
  bool status(std::string_view text) const;
  bool send(std::string_view message) const;

 private:
  int fd_ = -1;
  std::string address_;  // as given: '@' for an abstract name
  std::chrono::microseconds watchdog_interval_{0};
};

// The CLOCK_MONOTONIC reading in microseconds, as MONOTONIC_USEC= wants it.
std::uint64_t monotonic_usec();

}  // namespace bw::service
