#!/usr/bin/env python3
"""bw-sensor under a fake service manager: the sd_notify(3) messages of a live capture.

A datagram socket stands in for systemd's notify socket (NOTIFY_SOCKET); bw-sensor captures on lo
with WATCHDOG_USEC=200000. Checked: READY=1 once capturing; WATCHDOG=1 at about every 100 ms
(half the interval) while healthy; RELOADING=1 with MONOTONIC_USEC then READY=1 on SIGHUP;
STOPPING=1 on SIGTERM; and with a worker wedged on purpose (BW_TEST_WEDGE_WORKER, test only), the
pings stop and STATUS names the worker. Needs root to capture; exits 77 (skipped) without it.
Counts are a behaviour check with wide margins, not a timing benchmark.

Usage: service_notify_test.py BIN_DIR
"""
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIPPED = 77
WATCHDOG_USEC = 200000

failures = 0


def check(what, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f"  ({detail})"))
    if not ok:
        failures += 1


class Manager:
    """The service manager's end of the notify socket."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.path = path

    def receive_for(self, seconds):
        """Every message that arrives within `seconds`, with its arrival time."""
        messages = []
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return messages
            ready, _, _ = select.select([self.sock], [], [], left)
            if ready:
                messages.append((time.monotonic(), self.sock.recv(4096).decode()))

    def wait_for(self, predicate, seconds):
        """Messages up to and including the first that satisfies `predicate`; None on timeout."""
        seen = []
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None, seen
            ready, _, _ = select.select([self.sock], [], [], left)
            if ready:
                message = self.sock.recv(4096).decode()
                seen.append(message)
                if predicate(message):
                    return message, seen


def start_sensor(bin_dir, work, socket_path, extra_env, extra_args=()):
    env = dict(os.environ)
    env.update({"NOTIFY_SOCKET": socket_path, "WATCHDOG_USEC": str(WATCHDOG_USEC)})
    env.pop("WATCHDOG_PID", None)
    env.update(extra_env)
    stderr = open(os.path.join(work, "sensor.err"), "w")
    return subprocess.Popen(
        [os.path.join(bin_dir, "bw-sensor"), "--interface", "lo", "--no-detect", "--json",
         os.path.join(work, "events.jsonl"), *extra_args],
        env=env, stderr=stderr, stdout=subprocess.DEVNULL)


def healthy_run(bin_dir, work):
    path = os.path.join(work, "notify-healthy")
    manager = Manager(path)
    sensor = start_sensor(bin_dir, work, path, {})
    try:
        ready, seen = manager.wait_for(lambda m: m == "READY=1", 10)
        check("READY=1 once capturing", ready is not None, seen)
        # Pings every 100 ms: about 20 in 2 s; a loaded machine may be late, never early.
        messages = [m for _, m in manager.receive_for(2.0)]
        pings = messages.count("WATCHDOG=1")
        check(f"WATCHDOG=1 at about half the interval ({pings} in 2 s, expected 10..25)",
              10 <= pings <= 25, messages)
        check("no stall reported while healthy",
              not any(m.startswith("STATUS=stalled") for m in messages), messages)

        before_usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        sensor.send_signal(signal.SIGHUP)
        reloading, seen = manager.wait_for(lambda m: m.startswith("RELOADING=1"), 5)
        check("RELOADING=1 on SIGHUP", reloading is not None, seen)
        if reloading is not None:
            lines = reloading.split("\n")
            stamp = int(lines[1].split("=", 1)[1]) if len(lines) == 2 and \
                lines[1].startswith("MONOTONIC_USEC=") else -1
            after_usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
            check("RELOADING=1 carries MONOTONIC_USEC of the reload",
                  before_usec <= stamp <= after_usec, reloading)
            ready_again, seen = manager.wait_for(lambda m: m == "READY=1", 5)
            check("READY=1 after the reload", ready_again is not None, seen)

        sensor.send_signal(signal.SIGTERM)
        stopping, seen = manager.wait_for(lambda m: m == "STOPPING=1", 10)
        check("STOPPING=1 on SIGTERM", stopping is not None, seen)
        check("exits 0 after the drain", sensor.wait(timeout=20) == 0)
    finally:
        if sensor.poll() is None:
            sensor.kill()
            sensor.wait()


def wedged_run(bin_dir, work):
    path = os.path.join(work, "notify-wedged")
    manager = Manager(path)
    # Of two workers, the second wedges at its second tick, about 2 s in (ticks are 1 s apart).
    sensor = start_sensor(bin_dir, work, path, {"BW_TEST_WEDGE_WORKER": "1"}, ["--workers", "2"])
    try:
        ready, seen = manager.wait_for(lambda m: m == "READY=1", 10)
        check("READY=1 (wedged run)", ready is not None, seen)
        messages = [m for _, m in manager.receive_for(5.0)]
        statuses = [i for i, m in enumerate(messages) if m.startswith("STATUS=")]
        check("pings before the wedge", messages[:5] == ["WATCHDOG=1"] * 5, messages[:5])
        check("STATUS names the wedged worker",
              bool(statuses) and messages[statuses[0]] == "STATUS=stalled: bw-worker-1",
              messages)
        if statuses:
            after = messages[statuses[0]:]
            check("no WATCHDOG=1 once it is wedged", "WATCHDOG=1" not in after, after)
            check("STATUS repeats at each check while wedged (>= 10 in the rest)",
                  after.count("STATUS=stalled: bw-worker-1") >= 10, after)
    finally:
        sensor.kill()  # a wedged worker never finishes its drain
        sensor.wait()
    with open(os.path.join(work, "sensor.err")) as err:
        log = err.read()
    check("the stall is logged once to stderr",
          log.count("watchdog: bw-worker-1 makes no progress") == 1, log)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    if os.geteuid() != 0:
        print("skipped: capturing on lo needs root")
        return SKIPPED
    with tempfile.TemporaryDirectory() as work:
        healthy_run(sys.argv[1], work)
        wedged_run(sys.argv[1], work)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
