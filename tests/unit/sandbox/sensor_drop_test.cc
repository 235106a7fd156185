// End to end: bw-sensor --interface lo --user nobody drops root once the capture is open and
// keeps capturing. Runs the bw-sensor built next to this test binary; needs root.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The line of /proc/PID/status starting with `key` (e.g. "Uid:"), or "" once the process is gone.
std::string status_line(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return line;
  return "";
}

// The value of `name` in a bw-sensor summary ("  name value" lines), or -1.
long long summary_value(const std::string& summary, const std::string& name) {
  std::istringstream lines(summary);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string key;
    long long value = 0;
    if (fields >> key >> value && key == name) return value;
  }
  return -1;
}

struct SensorRun {
  int exit_status = -1;
  std::string stderr_text;
  // Uid, Gid, Groups, CapEff, CapBnd, NoNewPrivs, Seccomp
  std::vector<std::string> status_after_drop;
};

class SensorDropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    const passwd* nobody = ::getpwnam("nobody");
    if (nobody == nullptr) GTEST_SKIP() << "no user 'nobody'";
    nobody_uid_ = std::to_string(nobody->pw_uid);
    sensor_ = fs::read_symlink("/proc/self/exe").parent_path() / "bw-sensor";
    if (::access(sensor_.c_str(), X_OK) != 0) GTEST_SKIP() << "bw-sensor not built next to tests";
    // A bound receiver gives the datagrams a port of their own to filter on.
    receiver_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(receiver_, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(receiver_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ASSERT_EQ(::getsockname(receiver_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    receiver_address_ = address;
    stderr_path_ = fs::temp_directory_path() / ("bw-sandbox-" + std::to_string(::getpid()));
  }
  void TearDown() override {
    if (receiver_ >= 0) ::close(receiver_);
    std::error_code ignored;
    fs::remove(stderr_path_, ignored);
  }

  void send_datagrams(int count) {
    const int sender = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(sender, 0);
    for (int i = 0; i < count; ++i) {
      const char payload[] = "beaconwatch sandbox test";
      EXPECT_EQ(
          ::sendto(sender, payload, sizeof payload, 0,
                   reinterpret_cast<const sockaddr*>(&receiver_address_), sizeof receiver_address_),
          static_cast<ssize_t>(sizeof payload));
    }
    ::close(sender);
  }

  // Starts the sensor on lo, waits for the drop (or its exit), sends `datagrams` and stops it.
  SensorRun run(const std::vector<std::string>& extra, int datagrams) {
    std::vector<std::string> args = {
        sensor_.string(),
        "--interface",
        "lo",
        "--filter",
        "udp port " + std::to_string(ntohs(receiver_address_.sin_port)),
        "--no-detect",
        "--json",
        "/dev/null"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& arg : args)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    SensorRun result;
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int err = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (err < 0 || ::dup2(err, STDERR_FILENO) < 0) ::_exit(127);
      // In the sanitizer build, LeakSanitizer's exit check traces the process from a helper
      // thread (clone without CLONE_THREAD, ptrace): exactly what the seccomp filter forbids. The
      // check is the sanitizer's, not the sensor's, so it is off for these runs.
      const char* asan = std::getenv("ASAN_OPTIONS");
      const std::string options =
          (asan != nullptr && *asan != '\0' ? std::string(asan) + ":" : std::string()) +
          "detect_leaks=0";
      ::setenv("ASAN_OPTIONS", options.c_str(), 1);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    const std::string dropped_uid = "Uid:\t" + nobody_uid_;
    // The drop is over once its last step shows: the filter when one is asked for (it is
    // installed after the uid change, and a loaded machine can be read in between), else
    // no_new_privs. A drop that never gets there fails the expectations after the deadline.
    const bool wants_seccomp = std::find(extra.begin(), extra.end(), "--seccomp") != extra.end();
    const char* last_key = wants_seccomp ? "Seccomp:" : "NoNewPrivs:";
    const std::string last_step = wants_seccomp ? "Seccomp:\t2" : "NoNewPrivs:\t1";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int wait_status = 0;
    bool exited = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid, &wait_status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      if (status_line(pid, "Uid:").rfind(dropped_uid, 0) == 0 &&
          status_line(pid, last_key) == last_step) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!exited) {
      for (const char* key :
           {"Uid:", "Gid:", "Groups:", "CapEff:", "CapBnd:", "NoNewPrivs:", "Seccomp:"})
        result.status_after_drop.push_back(status_line(pid, key));
      send_datagrams(datagrams);
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      ::kill(pid, SIGINT);
      ::waitpid(pid, &wait_status, 0);
    }
    result.exit_status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    result.stderr_text = read_text(stderr_path_);
    return result;
  }

  // The sensor ran as nobody with exactly `kept` capabilities (CapEff and CapBnd, hex) and
  // `seccomp` mode, captured the `datagrams` sent after the drop and exited 0.
  void expect_captured_as_nobody(const SensorRun& run, int datagrams, const std::string& kept,
                                 const std::string& seccomp) {
    ASSERT_EQ(run.status_after_drop.size(), 7u) << run.stderr_text;
    const std::string& id = nobody_uid_;
    EXPECT_EQ(run.status_after_drop[0], "Uid:\t" + id + "\t" + id + "\t" + id + "\t" + id);
    EXPECT_EQ(run.status_after_drop[3], "CapEff:\t" + kept);
    EXPECT_EQ(run.status_after_drop[4], "CapBnd:\t" + kept);
    EXPECT_EQ(run.status_after_drop[5], "NoNewPrivs:\t1");
    EXPECT_EQ(run.status_after_drop[6], "Seccomp:\t" + seccomp);
    EXPECT_EQ(run.exit_status, 0) << run.stderr_text;
    // The filter passes only the test's datagrams, all sent after the drop.
    EXPECT_EQ(summary_value(run.stderr_text, "capture.packets_read"), datagrams) << run.stderr_text;
    EXPECT_EQ(summary_value(run.stderr_text, "decode.udp"), datagrams) << run.stderr_text;
  }

  std::string nobody_uid_;
  fs::path sensor_;
  fs::path stderr_path_;
  int receiver_ = -1;
  sockaddr_in receiver_address_{};
};

TEST_F(SensorDropTest, KeepsCapturingAsNobodyWithNetRawOnly) {
  expect_captured_as_nobody(run({"--user", "nobody", "--keep-net-raw"}, 5), 5, "0000000000002000",
                            "0");
}

TEST_F(SensorDropTest, KeepsCapturingWithNoCapabilityAtAll) {
  expect_captured_as_nobody(run({"--user", "nobody"}, 3), 3, "0000000000000000", "0");
}

// Seccomp 2 is filter mode (proc(5)): capturing, exporting and the summary live with it.
TEST_F(SensorDropTest, KeepsCapturingUnderTheSeccompFilter) {
  expect_captured_as_nobody(run({"--user", "nobody", "--seccomp"}, 4), 4, "0000000000000000", "2");
}

TEST_F(SensorDropTest, FailedDropExitsTwoWithoutReading) {
  const SensorRun run = this->run({"--user", "bw-no-such-user-here"}, 0);
  EXPECT_TRUE(run.status_after_drop.empty());
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_EQ(run.stderr_text, "bw-sensor: dropping privileges: no user 'bw-no-such-user-here'\n");
}

}  // namespace
