#include "sensor/sandbox/seccomp_filter.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>

#include "tests/unit/sandbox/fork_child.h"

namespace bw::sandbox {
namespace {

using fork_test::run_in_child;

// Installs the filter in the child as an unprivileged process would (no_new_privs, no
// CAP_SYS_ADMIN needed), then runs `attempt`, whose text comes back.
template <typename Attempt>
fork_test::ChildResult filtered_child(const SeccompOptions& options, Attempt attempt) {
  return run_in_child([&options, &attempt]() -> std::string {
    std::string error;
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return "no_new_privs failed";
    if (!install_seccomp_filter(options, error)) return error;
    return attempt();
  });
}

// "ok" when the call returned -1 with `expected`, else what it did.
std::string refused_with(long rc, int expected) {
  if (rc != -1) return "allowed (" + std::to_string(rc) + ")";
  return errno == expected ? "ok" : std::string("refused with ") + std::strerror(errno);
}

TEST(SeccompFilterTest, ExecKillsTheProcess) {
  const fork_test::ChildResult child = filtered_child({}, [] {
    char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
    ::execv("/bin/true", argv);
    return std::string("execv returned: ") + std::strerror(errno);
  });
  ASSERT_TRUE(WIFSIGNALED(child.wait_status)) << child.output;
  EXPECT_EQ(WTERMSIG(child.wait_status), SIGSYS);
  EXPECT_EQ(child.output, "");
}

TEST(SeccompFilterTest, RawSocketIsRefusedWhereTheCollectorsAreAllowed) {
  const fork_test::ChildResult child = filtered_child({.network = true}, [] {
    const int tcp = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    const std::string raw = refused_with(::socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), EPERM);
    const std::string packet = refused_with(::socket(AF_PACKET, SOCK_RAW, 0), EPERM);
    const std::string unix_socket = refused_with(::socket(AF_UNIX, SOCK_STREAM, 0), EPERM);
    return std::string(tcp >= 0 ? "tcp ok" : "tcp refused") + " raw " + raw + " packet " + packet +
           " unix " + unix_socket;
  });
  EXPECT_TRUE(child.exited_cleanly());
  EXPECT_EQ(child.output, "tcp ok raw ok packet ok unix ok");
}

TEST(SeccompFilterTest, NoSocketAtAllWithoutACollector) {
  const fork_test::ChildResult child =
      filtered_child({}, [] { return refused_with(::socket(AF_INET, SOCK_STREAM, 0), EPERM); });
  EXPECT_TRUE(child.exited_cleanly());
  EXPECT_EQ(child.output, "ok");
}

TEST(SeccompFilterTest, ThreadsStartButProcessesAndExecutableMemoryDoNot) {
  const fork_test::ChildResult child = filtered_child({}, [] {
    bool ran = false;
    std::thread([&ran] { ran = true; }).join();
    const std::string fork_result = refused_with(::fork(), EPERM);
    void* code = ::mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    const std::string mmap_result =
        code == MAP_FAILED ? refused_with(-1, EPERM) : std::string("allowed");
    void* data = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    const std::string mprotect_result =
        data == MAP_FAILED ? "data mmap refused"
                           : refused_with(::mprotect(data, 4096, PROT_READ | PROT_EXEC), EPERM);
    return std::string(ran ? "thread ok" : "thread did not run") + " fork " + fork_result +
           " mmap " + mmap_result + " mprotect " + mprotect_result;
  });
  EXPECT_TRUE(child.exited_cleanly());
  EXPECT_EQ(child.output, "thread ok fork ok mmap ok mprotect ok");
}

}  // namespace
}  // namespace bw::sandbox
