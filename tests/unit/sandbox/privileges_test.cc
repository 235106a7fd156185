#include "sensor/sandbox/privileges.h"

#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <future>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "tests/unit/sandbox/fork_child.h"

namespace bw::sandbox {
namespace {

// What a child that dropped its privileges saw of itself.
struct ChildReport {
  bool dropped = false;
  std::string error;
  int setuid_errno = 0;                       // errno of setuid(0) after the drop; 0: it worked
  std::map<std::string, std::string> status;  // /proc/self/status, key -> value (tabs as spaces)
};

// Drops in a forked child, so this process stays root for the next test, and passes back the
// child's /proc/self/status.
ChildReport drop_in_child(const PrivilegeOptions& options) {
  const fork_test::ChildResult child = fork_test::run_in_child([&options] {
    // Supplementary groups to clear (adm, disk), as a root shell started by an admin may have.
    const gid_t groups[] = {4, 6};
    if (::setgroups(2, groups) != 0) return std::string("error\tsetgroups in the test\n");
    std::string error;
    if (!drop_privileges(options, error)) return "error\t" + error + "\n";
    errno = 0;
    const int regained = ::setuid(0);
    std::string out = "dropped\nsetuid_errno\t" + std::to_string(regained == 0 ? 0 : errno) + "\n";
    if (FILE* status = std::fopen("/proc/self/status", "r")) {
      char line[512];
      while (std::fgets(line, sizeof line, status) != nullptr)
        out += line;
      std::fclose(status);
    }
    return out;
  });
  EXPECT_TRUE(child.exited_cleanly());
  const std::string& text = child.output;

  ChildReport report;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line == "dropped") {
      report.dropped = true;
      continue;
    }
    const std::size_t colon = line.find_first_of(":\t");
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    for (char& c : value)
      if (c == '\t') c = ' ';
    const std::size_t first = value.find_first_not_of(' ');
    value = first == std::string::npos ? "" : value.substr(first);
    const std::string key = line.substr(0, colon);
    if (key == "error") report.error = value;
    if (key == "setuid_errno") report.setuid_errno = std::stoi(value);
    report.status[key] = value;
  }
  return report;
}

struct Nobody {
  std::string uid;
  std::string gid;
};

bool find_nobody(Nobody& out) {
  const passwd* entry = ::getpwnam("nobody");
  if (entry == nullptr) return false;
  out.uid = std::to_string(entry->pw_uid);
  out.gid = std::to_string(entry->pw_gid);
  return true;
}

class DropPrivilegesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (!find_nobody(nobody_)) GTEST_SKIP() << "no user 'nobody'";
  }
  // Every id column of /proc/self/status (real, effective, saved, filesystem) is the user's, no
  // group is left, root cannot come back, and the permitted, effective and bounding sets are
  // exactly `kept` (hex, as the kernel prints them); the inheritable and ambient sets are empty.
  void expect_dropped_to_nobody(const ChildReport& report, const std::string& kept) {
    ASSERT_TRUE(report.dropped) << report.error;
    const std::string& uid = nobody_.uid;
    const std::string& gid = nobody_.gid;
    EXPECT_EQ(report.status.at("Uid"), uid + " " + uid + " " + uid + " " + uid);
    EXPECT_EQ(report.status.at("Gid"), gid + " " + gid + " " + gid + " " + gid);
    EXPECT_EQ(report.status.at("Groups"), "");
    EXPECT_EQ(report.status.at("NoNewPrivs"), "1");
    EXPECT_EQ(report.setuid_errno, EPERM);
    EXPECT_EQ(report.status.at("CapInh"), "0000000000000000");
    EXPECT_EQ(report.status.at("CapPrm"), kept);
    EXPECT_EQ(report.status.at("CapEff"), kept);
    EXPECT_EQ(report.status.at("CapBnd"), kept);
    EXPECT_EQ(report.status.at("CapAmb"), "0000000000000000");
  }
  Nobody nobody_;
};

TEST_F(DropPrivilegesTest, LeavesNoCapabilityAndNoWayBack) {
  expect_dropped_to_nobody(drop_in_child({"nobody", false}), "0000000000000000");
}

// CAP_NET_RAW is capability 13 (linux/capability.h): bit 0x2000.
TEST_F(DropPrivilegesTest, KeepsOnlyNetRawWhenAsked) {
  expect_dropped_to_nobody(drop_in_child({"nobody", true}), "0000000000002000");
}

// A thread already running at the drop (as the collector stream's are) ends up as the caller:
// nobody, no capability, and no_new_privs, so it cannot exec a set-user-ID program either.
TEST_F(DropPrivilegesTest, ThreadsAlreadyRunningCannotGoBackEither) {
  const fork_test::ChildResult child = fork_test::run_in_child([] {
    std::promise<pid_t> started;
    std::promise<void> release;
    std::thread earlier([&started, &release] {
      started.set_value(static_cast<pid_t>(::gettid()));
      release.get_future().wait();
    });
    const pid_t tid = started.get_future().get();
    std::string error;
    const bool dropped = drop_privileges({"nobody", true}, error);
    std::string out = dropped ? "" : "error\t" + error + "\n";
    const std::string path = "/proc/self/task/" + std::to_string(tid) + "/status";
    if (FILE* status = std::fopen(path.c_str(), "r")) {
      char line[512];
      while (std::fgets(line, sizeof line, status) != nullptr)
        out += line;
      std::fclose(status);
    }
    release.set_value();
    earlier.join();
    return out;
  });
  ASSERT_TRUE(child.exited_cleanly());
  const std::string& status = child.output;
  EXPECT_EQ(status.find("error"), std::string::npos) << status;
  EXPECT_NE(status.find("\nUid:\t" + nobody_.uid + "\t" + nobody_.uid + "\t"), std::string::npos)
      << status;
  EXPECT_NE(status.find("\nCapPrm:\t0000000000000000\n"), std::string::npos) << status;
  EXPECT_NE(status.find("\nCapEff:\t0000000000000000\n"), std::string::npos) << status;
  EXPECT_NE(status.find("\nNoNewPrivs:\t1\n"), std::string::npos) << status;
}

TEST_F(DropPrivilegesTest, UnknownUserIsAnErrorNamingIt) {
  const ChildReport report = drop_in_child({"bw-no-such-user-here", false});
  EXPECT_FALSE(report.dropped);
  EXPECT_EQ(report.error, "dropping privileges: no user 'bw-no-such-user-here'");
}

TEST_F(DropPrivilegesTest, RootAsTargetIsRefused) {
  const ChildReport report = drop_in_child({"root", false});
  EXPECT_FALSE(report.dropped);
  EXPECT_EQ(report.error, "dropping privileges: user 'root' has uid 0: nothing would be dropped");
}

}  // namespace
}  // namespace bw::sandbox
