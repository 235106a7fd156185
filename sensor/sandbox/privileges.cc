#include "sensor/sandbox/privileges.h"

#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace bw::sandbox {
namespace {

std::string errno_text(int code) {
  return std::strerror(code);
}

bool fail_step(const std::string& step, int code, std::string& error) {
  error = "dropping privileges: " + step + ": " + errno_text(code);
  return false;
}

// The 64-bit capability sets of the calling thread, through the raw syscalls: glibc has no
// wrapper and libcap would be one more library for three calls.
struct CapabilitySets {
  std::uint64_t effective = 0;
  std::uint64_t permitted = 0;
  std::uint64_t inheritable = 0;
};

bool read_capabilities(CapabilitySets& out) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  auto join = [](std::uint32_t low, std::uint32_t high) {
    return static_cast<std::uint64_t>(high) << 32 | low;
  };
  out.effective = join(data[0].effective, data[1].effective);
  out.permitted = join(data[0].permitted, data[1].permitted);
  out.inheritable = join(data[0].inheritable, data[1].inheritable);
  return true;
}

bool write_capabilities(const CapabilitySets& sets) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  for (int half = 0; half < _LINUX_CAPABILITY_U32S_3; ++half) {
    const int shift = 32 * half;
    data[half].effective = static_cast<std::uint32_t>(sets.effective >> shift);
    data[half].permitted = static_cast<std::uint32_t>(sets.permitted >> shift);
    data[half].inheritable = static_cast<std::uint32_t>(sets.inheritable >> shift);
  }
  return ::syscall(SYS_capset, &header, data) == 0;
}

struct Account {
  uid_t uid = 0;
  gid_t gid = 0;
};

bool resolve_user(const std::string& name, Account& out, std::string& error) {
  const long suggested = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(suggested > 0 ? static_cast<std::size_t>(suggested) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  int code = 0;
  while ((code = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) ==
         ERANGE) {
    buffer.resize(buffer.size() * 2);
  }
  if (code != 0) return fail_step("looking up user '" + name + "'", code, error);
  if (found == nullptr) {
    error = "dropping privileges: no user '" + name + "'";
    return false;
  }
  if (entry.pw_uid == 0) {
    error = "dropping privileges: user '" + name + "' has uid 0: nothing would be dropped";
    return false;
  }
  out.uid = entry.pw_uid;
  out.gid = entry.pw_gid;
  return true;
}

// Empties the bounding set but for `keep`, so no later execve can gain what was dropped.
// Needs CAP_SETPCAP, so it runs while still root.
bool limit_bounding_set(std::uint64_t keep, std::string& error) {
  for (int cap = 0; cap < 64; ++cap) {
    const int present = ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (present < 0) break;  // EINVAL: past the kernel's last capability
    if (present == 0 || (keep >> cap & 1) != 0) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      return fail_step("dropping capability " + std::to_string(cap) + " from the bounding set",
                       errno, error);
    }
  }
  return true;
}

// Threads: from /proc/self/status, 0 when it cannot be read.
int thread_count() {
  FILE* status = std::fopen("/proc/self/status", "re");
  if (status == nullptr) return 0;
  int threads = 0;
  char line[256];
  constexpr std::string_view kKey = "Threads:";
  while (std::fgets(line, sizeof line, status) != nullptr) {
    if (std::string_view(line).substr(0, kKey.size()) == kKey) {
      threads = static_cast<int>(std::strtol(line + kKey.size(), nullptr, 10));
      break;
    }
  }
  std::fclose(status);
  return threads;
}

// no_new_privs is per thread, and threads started before the drop (the collector stream's) did
// not set it: one of them could still exec a set-user-ID program. A filter that allows every
// call, installed with SECCOMP_FILTER_FLAG_TSYNC, makes the kernel copy the caller's
// no_new_privs to every thread of the process along with the filter.
bool spread_no_new_privs(std::string& error) {
  sock_filter allow_all = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  sock_fprog program{1, &allow_all};
  const long rc =
      ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &program);
  if (rc == 0) return true;
  // A positive value names a thread that could not be synchronised.
  return fail_step("setting no_new_privs on the threads already running", rc > 0 ? EBUSY : errno,
                   error);
}

}  // namespace

bool drop_privileges(const PrivilegeOptions& options, std::string& error) {
  Account account;
  if (!resolve_user(options.user, account, error)) return false;
  const std::uint64_t keep = options.keep_net_raw ? std::uint64_t{1} << CAP_NET_RAW : 0;

  if (!limit_bounding_set(keep, error)) return false;
  // Without keepcaps the uid change empties the permitted set; with it, capset below can still
  // pick CAP_NET_RAW out of it.
  if (keep != 0 && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
    return fail_step("prctl(PR_SET_KEEPCAPS)", errno, error);
  }
  if (::setgroups(0, nullptr) != 0) return fail_step("clearing supplementary groups", errno, error);
  if (::setresgid(account.gid, account.gid, account.gid) != 0) {
    return fail_step("setresgid(" + std::to_string(account.gid) + ")", errno, error);
  }
  if (::setresuid(account.uid, account.uid, account.uid) != 0) {
    return fail_step("setresuid(" + std::to_string(account.uid) + ")", errno, error);
  }
  if (!write_capabilities(CapabilitySets{keep, keep, 0})) {
    return fail_step("capset", errno, error);
  }
  if (keep != 0 && ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
    return fail_step("prctl(PR_SET_KEEPCAPS, 0)", errno, error);
  }
  // EINVAL: a kernel before 4.3, which has no ambient set to clear.
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return fail_step("clearing the ambient capabilities", errno, error);
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return fail_step("prctl(PR_SET_NO_NEW_PRIVS)", errno, error);
  }
  if (thread_count() != 1 && !spread_no_new_privs(error)) return false;

  // Trust nothing above: the drop is only done if root cannot come back.
  CapabilitySets now;
  if (!read_capabilities(now)) return fail_step("capget", errno, error);
  if (now.effective != keep || now.permitted != keep || now.inheritable != 0) {
    error = "dropping privileges: capabilities still held after the drop";
    return false;
  }
  if (::setuid(0) == 0) {
    error = "dropping privileges: uid 0 could be regained after the drop";
    return false;
  }
  return true;
}

}  // namespace bw::sandbox
