// The libseccomp adapter: the only file that includes seccomp.h.
#include "sensor/sandbox/seccomp_filter.h"

#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace bw::sandbox {
namespace {

// Measured with `strace -f` after the drop on a live capture, a two-worker replay and a stream
// to bw-collector, plus what glibc may call on the rare paths around them (abort, a thread's exit).
constexpr const char* kAllowed[] = {
    // memory (mmap and mprotect are checked below)
    "brk", "munmap", "mremap", "madvise", "membarrier",
    // threads, signals, time
    "futex", "set_robust_list", "get_robust_list", "rseq", "sched_yield", "sched_getaffinity",
    "sched_setaffinity", "gettid", "getpid", "tgkill", "exit", "exit_group", "rt_sigprocmask",
    "rt_sigaction", "rt_sigreturn", "sigaltstack", "restart_syscall", "clock_gettime",
    "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "getrusage", "getrandom",
    "uname", "getuid", "geteuid", "getgid", "getegid",
    // descriptors that are open (the spool dup()s its tail to fsync it off the lock), and files:
    // see the header for openat
    "read", "readv", "pread64", "dup", "dup2", "dup3", "write", "writev", "pwrite64", "lseek",
    "close", "fstat", "newfstatat", "statx", "fsync", "fdatasync", "ftruncate", "fcntl", "flock",
    "openat", "rename", "renameat", "renameat2", "unlink", "unlinkat", "getdents64", "faccessat",
    "faccessat2",
    // waiting on descriptors (the capture's poll, gRPC's epoll)
    "poll", "ppoll", "select", "pselect6", "epoll_create1", "epoll_ctl", "epoll_wait",
    "epoll_pwait", "eventfd2", "pipe2",
    // sockets already open: pcap_stats reads PACKET_STATISTICS, sd_notify sends on a socket
    // made before the drop (sensor/service)
    "getsockopt", "setsockopt", "recvfrom", "recvmsg", "sendto", "sendmsg"};

// Allowed only with the collector stream: using the sockets that socket() may then make.
constexpr const char* kNetwork[] = {"connect",  "getsockname", "getpeername", "sendmmsg",
                                    "recvmmsg", "shutdown",    "bind"};

// Allowed only with --metrics: accepting scrapes on the socket opened before the drop (civetweb
// also asks for the connection's addresses and shuts it down: in kNetwork, added once).
constexpr const char* kAccepting[] = {"accept", "accept4"};
constexpr const char* kConnectionUse[] = {"getsockname", "getpeername", "shutdown"};

// No sensor calls these; one that does is not the sensor any more.
constexpr const char* kKilling[] = {"execve", "execveat", "ptrace", "process_vm_readv",
                                    "process_vm_writev"};

struct ContextDeleter {
  void operator()(scmp_filter_ctx context) const { seccomp_release(context); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

// libseccomp returns negative errno values.
bool failed(int rc, const std::string& what, std::string& error) {
  if (rc == 0) return false;
  error = "seccomp: " + what + ": " + std::strerror(-rc);
  return true;
}

bool add_rules(scmp_filter_ctx context, const char* const* names, std::size_t count,
               std::uint32_t action, std::string& error) {
  for (std::size_t i = 0; i < count; ++i) {
    const int syscall = seccomp_syscall_resolve_name(names[i]);
    if (syscall == __NR_SCMP_ERROR) {
      error = std::string("seccomp: unknown system call ") + names[i];
      return false;
    }
    if (failed(seccomp_rule_add(context, action, syscall, 0), names[i], error)) return false;
  }
  return true;
}

template <std::size_t N>
bool add_rules(scmp_filter_ctx context, const char* const (&names)[N], std::uint32_t action,
               std::string& error) {
  return add_rules(context, names, N, action, error);
}

bool add_checked_rules(scmp_filter_ctx context, const SeccompOptions& options, std::string& error) {
  // Memory may be mapped or re-protected, never executable: no new code after the start.
  const scmp_arg_cmp not_executable = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
  for (const int syscall : {SCMP_SYS(mmap), SCMP_SYS(mprotect), SCMP_SYS(pkey_mprotect)}) {
    if (failed(seccomp_rule_add(context, SCMP_ACT_ALLOW, syscall, 1, not_executable),
               "mmap/mprotect", error)) {
      return false;
    }
  }
  // Threads only: clone3 hides its flags in memory seccomp cannot read, so it reports ENOSYS
  // and glibc falls back to clone.
  if (failed(seccomp_rule_add(context, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)),
             "clone", error) ||
      failed(seccomp_rule_add(context, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "clone3",
             error)) {
    return false;
  }
  // Thread names (pthread_setname_np on the calling thread) and nothing else of prctl.
  for (const int option : {PR_SET_NAME, PR_GET_NAME}) {
    if (failed(seccomp_rule_add(context, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                                SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(option))),
               "prctl", error)) {
      return false;
    }
  }
  if (options.network) {
    constexpr scmp_datum_t kSocketTypeMask = 0xf;  // SOCK_NONBLOCK and SOCK_CLOEXEC are above
    for (const int family : {AF_INET, AF_INET6}) {
      for (const int type : {SOCK_STREAM, SOCK_DGRAM}) {
        if (failed(seccomp_rule_add(context, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
                                    SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(family)),
                                    SCMP_A1(SCMP_CMP_MASKED_EQ, kSocketTypeMask,
                                            static_cast<scmp_datum_t>(type))),
                   "socket", error)) {
          return false;
        }
      }
    }
    if (!add_rules(context, kNetwork, SCMP_ACT_ALLOW, error)) return false;
  }
  if (options.accepts_connections &&
      (!add_rules(context, kAccepting, SCMP_ACT_ALLOW, error) ||
       (!options.network && !add_rules(context, kConnectionUse, SCMP_ACT_ALLOW, error)))) {
    return false;
  }
  if (options.packet_sockets &&
      failed(seccomp_rule_add(context, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                              SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(AF_PACKET))),
             "socket(AF_PACKET)", error)) {
    return false;
  }
  return true;
}

}  // namespace

bool install_seccomp_filter(const SeccompOptions& options, std::string& error) {
  Context context(seccomp_init(SCMP_ACT_ERRNO(EPERM)));
  if (!context) {
    error = "seccomp: cannot initialise libseccomp";
    return false;
  }
  scmp_filter_ctx ctx = context.get();
  if (failed(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1), "thread synchronisation", error) ||
      !add_rules(ctx, kAllowed, SCMP_ACT_ALLOW, error) ||
      !add_rules(ctx, kKilling, SCMP_ACT_KILL_PROCESS, error) ||
      !add_checked_rules(ctx, options, error)) {
    return false;
  }
  return !failed(seccomp_load(ctx), "loading the filter", error);
}

}  // namespace bw::sandbox
