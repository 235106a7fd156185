// The running sensor's system call allow-list (`bw-sensor --seccomp`), installed after the
// privilege drop so that a parser bug cannot start programs, make sockets other than the
// collector's or map executable memory.
#pragma once

#include <string>

namespace bw::sandbox {

struct SeccompOptions {
  // TCP and UDP sockets over IPv4/IPv6 (the collector stream and its name lookups); without it
  // socket() is refused altogether.
  bool network = false;
  // AF_PACKET sockets, for a capture re-opened with --keep-net-raw.
  bool packet_sockets = false;
  // --metrics: the endpoint's listening socket (made before the drop) accepts scrapes.
  bool accepts_connections = false;
};

// Installs the allow-list on every thread of the process (SECCOMP_FILTER_FLAG_TSYNC: the collector
// stream's threads exist before the drop) and on every thread started later. Needs
// no_new_privs (drop_privileges sets it) or CAP_SYS_ADMIN. Returns false with one line on error.
//
// What is refused, and how:
//  - execve, execveat, ptrace, process_vm_writev and the like kill the whole process (SIGSYS):
//    the sensor never calls them, so a call means the process is no longer ours;
//  - every other call outside the list fails with EPERM, so a call missed on a rare path is an
//    error the sensor reports, not a dead sensor: fork (clone without CLONE_THREAD), socket()
//    other than above, mmap/mprotect with PROT_EXEC, prctl other than thread names;
//  - clone3 fails with ENOSYS, so glibc falls back to clone, whose flags can be checked.
// Files: seccomp cannot look at paths. openat stays allowed because the sensor needs it after the
// drop (replay inputs, spool segments, the first-seen store's rewrite, OpenSSL's configuration
// read on first use); confinement to the state directory is left to the file permissions of
// the --user account.
bool install_seccomp_filter(const SeccompOptions& options, std::string& error);

}  // namespace bw::sandbox
