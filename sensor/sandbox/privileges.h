// Dropping root once the capture is open (`bw-sensor --user NAME`), for sensors run without
// systemd's User=/CapabilityBoundingSet= (containers, other inits).
#pragma once

#include <string>

namespace bw::sandbox {

struct PrivilegeOptions {
  std::string user;  // account to become (its uid and primary gid; no supplementary groups)
  // Keep CAP_NET_RAW, and only it, in the permitted and effective sets (and the bounding set),
  // for a sensor that may have to re-open a capture.
  bool keep_net_raw = false;
};

// Becomes `options.user` for good: clears the supplementary groups, sets the real, effective
// and saved gid and uid, leaves no capability (or CAP_NET_RAW alone) in the permitted, effective,
// inheritable, ambient and bounding sets, sets no_new_privs, then checks that setuid(0) fails.
// Needs root (CAP_SETUID, CAP_SETGID, CAP_SETPCAP). Returns false with one line naming the
// step that failed; the process may then be half-dropped and must exit.
//
// Threads: the uid and gid change applies to every thread (glibc signals them all), and the
// others lose every capability with it. The bounding set and no_new_privs are per thread:
// threads started after the call inherit the caller's; on threads already running (the collector
// stream's) no_new_privs is set through an allow-everything seccomp filter synchronised to all
// threads (/proc shows Seccomp: 2 then), so none can exec its way back to root.
bool drop_privileges(const PrivilegeOptions& options, std::string& error);

}  // namespace bw::sandbox
