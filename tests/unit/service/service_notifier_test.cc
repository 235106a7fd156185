#include "sensor/service/service_notifier.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

namespace bw::service {
namespace {

// The service manager's end: a datagram socket bound to a path or an abstract name, as systemd
// binds /run/systemd/notify.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name.data(), name.size());
    socklen_t length = offsetof(sockaddr_un, sun_path) + name.size();
    if (name[0] == '@') {
      address.sun_path[0] = '\0';
    } else {
      ++length;  // the path's terminating NUL
    }
    bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) == 0;
  }
  ~NotifySocket() { ::close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  bool bound() const { return bound_; }
  // The next datagram, or "<none>" when nothing is queued.
  std::string receive() const {
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) return "<none>";
    return std::string(buffer, static_cast<std::size_t>(n));
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

// A notify socket at a path of the test's own in the temp directory, removed afterwards.
class ServiceNotifierAtPath : public ::testing::Test {
 protected:
  ServiceNotifierAtPath()
      : path_((std::filesystem::temp_directory_path() /
               ("bw-notify-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                  .string()) {
    std::filesystem::remove(path_);
  }
  ~ServiceNotifierAtPath() override { std::filesystem::remove(path_); }

  const std::string path_;
};

std::uint64_t monotonic_now_usec() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

TEST_F(ServiceNotifierAtPath, SendsEachMessageAsOneDatagram) {
  NotifySocket manager(path_);
  ASSERT_TRUE(manager.bound());
  const ServiceNotifier notifier(path_, std::chrono::microseconds(0));
  ASSERT_TRUE(notifier.enabled());
  EXPECT_TRUE(notifier.ready());
  EXPECT_TRUE(notifier.watchdog());
  EXPECT_TRUE(notifier.stopping());
  EXPECT_TRUE(notifier.status("stalled: bw-worker-1"));
  EXPECT_EQ(manager.receive(), "READY=1");
  EXPECT_EQ(manager.receive(), "WATCHDOG=1");
  EXPECT_EQ(manager.receive(), "STOPPING=1");
  EXPECT_EQ(manager.receive(), "STATUS=stalled: bw-worker-1");
  EXPECT_EQ(manager.receive(), "<none>");
}

TEST(ServiceNotifier, ReachesAnAbstractName) {
  const std::string name = "@bw-notify-test-" + std::to_string(::getpid());
  NotifySocket manager(name);
  ASSERT_TRUE(manager.bound());
  const ServiceNotifier notifier(name, std::chrono::microseconds(0));
  EXPECT_TRUE(notifier.ready());
  EXPECT_EQ(manager.receive(), "READY=1");
  // The name is exactly as long as given: a socket bound to a longer one hears nothing.
  NotifySocket longer(name + "x");
  ASSERT_TRUE(longer.bound());
  EXPECT_TRUE(notifier.watchdog());
  EXPECT_EQ(longer.receive(), "<none>");
  EXPECT_EQ(manager.receive(), "WATCHDOG=1");
}

// sd_notify(3): RELOADING=1 carries MONOTONIC_USEC=, CLOCK_MONOTONIC in microseconds (what
// std::chrono::steady_clock reads on Linux).
TEST_F(ServiceNotifierAtPath, ReloadingCarriesTheMonotonicTime) {
  NotifySocket manager(path_);
  ASSERT_TRUE(manager.bound());
  const ServiceNotifier notifier(path_, std::chrono::microseconds(0));
  const std::uint64_t before = monotonic_now_usec();
  EXPECT_TRUE(notifier.reloading());
  const std::uint64_t after = monotonic_now_usec();
  const std::string message = manager.receive();
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  ASSERT_EQ(message.substr(0, prefix.size()), prefix);
  const std::string digits = message.substr(prefix.size());
  ASSERT_FALSE(digits.empty());
  EXPECT_EQ(digits.find_first_not_of("0123456789"), std::string::npos) << message;
  const std::uint64_t stamp = std::stoull(digits);
  EXPECT_GE(stamp, before);
  EXPECT_LE(stamp, after);
}

TEST(ServiceNotifier, WithoutNotifySocketNothingIsSent) {
  ::unsetenv("NOTIFY_SOCKET");
  const ServiceNotifier notifier = ServiceNotifier::from_environment();
  EXPECT_FALSE(notifier.enabled());
  EXPECT_FALSE(notifier.ready());
  EXPECT_FALSE(notifier.watchdog());
  EXPECT_EQ(notifier.watchdog_interval().count(), 0);
  EXPECT_FALSE(ServiceNotifier::from_values("", "200000", nullptr, 1).enabled());
}

TEST_F(ServiceNotifierAtPath, ReadsTheEnvironmentSystemdSets) {
  NotifySocket manager(path_);
  ASSERT_TRUE(manager.bound());
  ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  const ServiceNotifier notifier = ServiceNotifier::from_environment();
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  EXPECT_EQ(notifier.watchdog_interval(), std::chrono::microseconds(200000));
  EXPECT_TRUE(notifier.ready());
  EXPECT_EQ(manager.receive(), "READY=1");
}

TEST(ServiceNotifier, WatchdogIsForTheProcessWatchdogPidNames) {
  constexpr pid_t kOwn = 4242;
  // Unset: for whoever reads it.
  EXPECT_EQ(ServiceNotifier::from_values("/run/x", "5000000", nullptr, kOwn).watchdog_interval(),
            std::chrono::microseconds(5000000));
  EXPECT_EQ(ServiceNotifier::from_values("/run/x", "5000000", "4242", kOwn).watchdog_interval(),
            std::chrono::microseconds(5000000));
  // Another process's (a parent's variables inherited): no pings, but still a notifier.
  const ServiceNotifier other = ServiceNotifier::from_values("/run/x", "5000000", "4243", kOwn);
  EXPECT_TRUE(other.enabled());
  EXPECT_EQ(other.watchdog_interval().count(), 0);
  EXPECT_EQ(ServiceNotifier::from_values("/run/x", "5000000", "", kOwn).watchdog_interval().count(),
            0);
  // Not a positive number: no watchdog.
  for (const char* bad : {"", "0", "-5", "12x", "x"}) {
    EXPECT_EQ(
        ServiceNotifier::from_values("/run/x", bad, nullptr, kOwn).watchdog_interval().count(), 0)
        << bad;
  }
}

TEST(ServiceNotifier, RefusesAddressesSystemdWouldNotGive) {
  EXPECT_FALSE(ServiceNotifier("relative/path", std::chrono::microseconds(0)).enabled());
  EXPECT_FALSE(ServiceNotifier("@", std::chrono::microseconds(0)).enabled());
  EXPECT_FALSE(
      ServiceNotifier("/" + std::string(200, 'a'), std::chrono::microseconds(0)).enabled());
}

TEST_F(ServiceNotifierAtPath, AManagerThatIsGoneCostsAFailedSendOnly) {
  const ServiceNotifier notifier(path_, std::chrono::microseconds(0));
  ASSERT_TRUE(notifier.enabled());
  EXPECT_FALSE(notifier.ready());
}

}  // namespace
}  // namespace bw::service
