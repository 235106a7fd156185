#!/usr/bin/env python3
"""One client host of the corpus: runs inside the host's network namespace and works through the
host's plan (plans/PHASE/IP.json) in order, with real client software: headless chromium for
mail opens and page visits, curl, wget, openssl ocsp / s_client, apt-get, python's http.client
and urllib. Names resolve through the namespace's resolv.conf, i.e. real DNS to the corpus's
resolver, with a small per-host cache as an OS stub resolver keeps.

usage: client.py WORK PHASE IP
"""

import base64
import fcntl
import http.client
import json
import os
import random
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

WORK = sys.argv[1]
PHASE = sys.argv[2]
IP = sys.argv[3]
CA = os.path.join(WORK, "pki", "ca.pem")
CHROME_SLOTS = int(os.environ.get("RC_CHROME_SLOTS", "2"))
# chromium-headless-shell is Chromium's own headless build (same network stack, a third of the
# start-up cost); the full browser in --headless mode when it is absent.
CHROME = (["chromium-headless-shell"] if shutil.which("chromium-headless-shell")
          else ["chromium", "--headless"])
DNS_CACHE = {}
TLS_SESSIONS = {}  # resumption, as browsers and OS HTTP stacks do
CTX = ssl.create_default_context(cafile=CA)
ERRORS = {"count": 0}


def resolve(name):
    now = time.time()
    hit = DNS_CACHE.get(name)
    if hit and hit[1] > now:
        return hit[0]
    ip = socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    DNS_CACHE[name] = (ip, now + 300)
    return ip


def run(cmd, timeout=30, **kw):
    try:
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout,
                       check=False, **kw)
    except subprocess.TimeoutExpired:
        ERRORS["count"] += 1


def py_session(act):
    name = act["host"]
    port = 443 if act["scheme"] == "https" else 80
    sock = socket.create_connection((resolve(name), port), timeout=20)
    if port == 443:
        sock = CTX.wrap_socket(sock, server_hostname=name, session=TLS_SESSIONS.get(name))
    conn = http.client.HTTPConnection(name, port, timeout=20)
    conn.sock = sock
    try:
        for method, path, headers, body in act["reqs"]:
            data = body.encode() if isinstance(body, str) else body
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            resp.read()
            time.sleep(random.uniform(0.0, 0.05))  # the page or app between two calls
        if port == 443 and sock.session is not None:
            TLS_SESSIONS[name] = sock.session
    finally:
        conn.close()


def curl(act):
    cmd = ["curl", "-sS", "-o", "/dev/null", "--max-time", "20", "--cacert", CA, "-A", act["ua"]]
    if act.get("range"):
        cmd += ["-r", act["range"].split("=")[1]]
    if act.get("data"):
        cmd += ["--data-binary", act["data"]]
    run(cmd + [act["url"]])


def ocsp_request(leaf):
    return os.path.join(WORK, "pki", f"leaf{leaf}.req.der")


def ocsp(act):
    responder = act["responder"]
    der_path = ocsp_request(act["leaf"])
    if act["tool"] == "ocsp-get":
        # What CryptoAPI and trustd do: the DER request, base64, URL-encoded, as the path.
        with open(der_path, "rb") as f:
            b64 = base64.b64encode(f.read()).decode()
        url = f"http://{responder}/{urllib.parse.quote(b64, safe='')}"
        run(["curl", "-sS", "-o", "/dev/null", "--max-time", "20", "-A", act["ua"],
             "-H", "Accept: */*", url])
    elif act["tool"] == "ocsp-post":
        run(["curl", "-sS", "-o", "/dev/null", "--max-time", "20", "-A", act["ua"],
             "-H", "Content-Type: application/ocsp-request", "--data-binary", "@" + der_path,
             f"http://{responder}"])
    else:
        pki = os.path.join(WORK, "pki")
        run(["openssl", "ocsp", "-issuer", os.path.join(pki, "ca.pem"), "-cert",
             os.path.join(pki, f"leaf{act['leaf']}.pem"), "-url", f"http://{responder}",
             "-CAfile", os.path.join(pki, "ca.pem"), "-timeout", "15"])


def apt(act):
    mirror = act["mirror"]
    tmp = tempfile.mkdtemp(prefix="rc-apt-")
    try:
        sources = os.path.join(tmp, "sources.list")
        with open(sources, "w") as f:
            if mirror == "deb.debian.org":
                f.write("deb [trusted=yes] http://deb.debian.org/debian bookworm main\n")
                f.write("deb [trusted=yes] http://security.debian.org/debian-security bookworm-security main\n")
            else:
                f.write(f"deb [trusted=yes] http://{mirror}/debian bookworm main\n")
        # No post-update hooks (appstream, packagekit) of the machine building the corpus.
        conf = os.path.join(tmp, "apt.conf")
        with open(conf, "w") as f:
            f.write("#clear APT::Update::Post-Invoke-Success;\n#clear APT::Update::Post-Invoke;\n")
        for d in ("lists/partial", "cache/archives/partial"):
            os.makedirs(os.path.join(tmp, d), exist_ok=True)
        run(["apt-get", "-q", "-o", f"Dir::Etc::SourceList={sources}",
             "-o", "Dir::Etc::SourceParts=/nonexistent", "-o", f"Dir::State::Lists={tmp}/lists",
             "-o", f"Dir::Cache={tmp}/cache", "-o", "Debug::NoLocking=1",
             "-o", "APT::Sandbox::User=root", "-o", "Acquire::http::Proxy=DIRECT",
             "-o", "Acquire::Languages=none", "-o", "Acquire::Retries=0", "update"], timeout=60,
            env=dict(os.environ, APT_CONFIG=conf))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def chrome_slot():
    """A machine-wide slot: chromium is the expensive client, at most CHROME_SLOTS at once."""
    os.makedirs(os.path.join(WORK, "locks"), exist_ok=True)
    while True:
        for i in range(CHROME_SLOTS):
            f = open(os.path.join(WORK, "locks", f"chrome.{i}"), "w")
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return f
            except OSError:
                f.close()
        time.sleep(0.1)


def chromium(act):
    url = act["url"].replace("@MAILS@", os.path.join(WORK, "mails"))
    profile = tempfile.mkdtemp(prefix="rc-chrome-")
    slot = chrome_slot()
    try:
        run(CHROME + ["--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-dev-shm-usage", "--ignore-certificate-errors",
             "--log-level=3", f"--user-data-dir={profile}", f"--user-agent={act['ua']}",
             "--virtual-time-budget=3000", "--dump-dom", url],
            timeout=45, env=dict(os.environ, HOME=profile))
    finally:
        slot.close()
        shutil.rmtree(profile, ignore_errors=True)


def main():
    with open(os.path.join(WORK, "plans", PHASE, IP + ".json")) as f:
        plan = json.load(f)
    random.seed(IP)
    done = 0
    for act in plan:
        tool = act["tool"]
        try:
            if tool == "py":
                py_session(act)
            elif tool == "curl":
                curl(act)
            elif tool == "wget":
                run(["wget", "-q", "-O", "/dev/null", "--tries=1", "--timeout=20",
                     f"--ca-certificate={CA}", act["url"]])
            elif tool == "urllib":
                req = urllib.request.Request(act["url"], headers={"User-Agent": act["ua"]})
                with urllib.request.urlopen(req, context=CTX, timeout=20) as r:
                    r.read()
            elif tool in ("ocsp-get", "ocsp-post", "openssl-ocsp"):
                ocsp(act)
            elif tool == "s_client":
                run(["openssl", "s_client", "-connect", f"{act['name']}:443", "-servername",
                     act["name"], "-CAfile", CA, "-brief"], stdin=subprocess.DEVNULL)
            elif tool == "apt":
                apt(act)
            elif tool == "chromium":
                chromium(act)
            done += 1
        except (OSError, http.client.HTTPException, ssl.SSLError) as e:
            ERRORS["count"] += 1
            print(f"client {IP}: {tool}: {e}", file=sys.stderr)
        time.sleep(random.uniform(0.0, 0.08))
    print(f"client {IP} {PHASE}: {done}/{len(plan)} actions, {ERRORS['count']} errors", file=sys.stderr)


if __name__ == "__main__":
    main()
