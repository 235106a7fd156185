#!/usr/bin/env python3
"""The corpus's servers: HTTP (80) and HTTPS (443) with a virtual-host layer, and a DNS server.

Every answer is decided by the route table world.py wrote (vhosts.json): trackers answer 1x1
pixels with no-cache headers, content hosts real-size images, APIs JSON, pages HTML that load
analytics and ads, OCSP responders real OCSP responses (`openssl ocsp` as the responder), apt
mirrors a real repository. Each server writes an access log, one TSV line per HTTP request, per
TLS connection and per DNS query, with the label of what it served: a URL the tracker handed out
for one recipient (registry.json) is a beacon; everything else carries its route's benign class.
These logs are the ground truth; the sensor never contributes to it.

usage: servers.py http WORK LOG      (listens on 0.0.0.0:80 and :443 in its namespace)
       servers.py dns WORK LOG       (listens on 0.0.0.0:53/udp)
"""

import base64
import hashlib
import http.server
import json
import os
import random
import re
import signal
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib

WORK = ""
LOG = None
LOG_LOCK = threading.Lock()
FIELDS = ["ts", "event", "client_ip", "client_port", "server_ip", "server_port", "scheme", "host",
          "method", "uri", "user_agent", "referer", "status", "label", "is_beacon", "recipient",
          "campaign", "vendor"]


def log(**row):
    row.setdefault("ts", f"{time.time():.6f}")
    line = "\t".join(str(row.get(k, "")).replace("\t", " ").replace("\n", " ") for k in FIELDS)
    with LOG_LOCK:
        LOG.write(line + "\n")


def stop(*_):
    """SIGTERM/SIGINT: the log is buffered (CPU is scarce), so flush it before leaving."""
    with LOG_LOCK:
        LOG.flush()
    os._exit(0)


# ---- images: real files of the sizes the routes ask for -----------------------------------
GIF1 = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")


def png(w, h, size, seed=1):
    """A real PNG of w x h; noise rows so the compressed size lands near `size`."""
    rnd = random.Random(seed)
    noisy = max(0, min(h, int(size / max(1, w * 3) * 1.0)))
    rows = bytearray()
    for y in range(h):
        rows.append(0)
        if y < noisy:
            rows.extend(rnd.getrandbits(8) for _ in range(w * 3))
        else:
            rows.extend(b"\xf0\xf0\xf0" * w)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def jpeg(w, h, size):
    """A valid baseline grayscale JPEG of w x h (flat grey: each 8x8 block is DC diff 0 + EOB),
    padded with a comment segment to a realistic file size."""
    qt = bytes([16] * 64)
    dc_bits = bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    dc_vals = bytes(range(12))
    ac_bits = bytes([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d])
    ac_vals = bytes.fromhex(
        "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a"
        "25262728292a3435363738393a434445464748494a535455565758595a636465666768696a73747576777879"
        "7a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9"
        "cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa")
    def seg(marker, data):
        return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data
    blocks = ((w + 7) // 8) * ((h + 7) // 8)
    # DC category 0 is code '00', AC EOB is '1010': 6 bits per block.
    bits = "001010" * blocks
    bits += "1" * (-len(bits) % 8)
    scan = bytearray()
    for i in range(0, len(bits), 8):
        b = int(bits[i:i + 8], 2)
        scan.append(b)
        if b == 0xFF:
            scan.append(0)
    head = (b"\xff\xd8" + seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + seg(0xDB, b"\x00" + qt)
            + seg(0xC0, struct.pack(">BHHB", 8, h, w, 1) + b"\x01\x11\x00")
            + seg(0xC4, b"\x00" + dc_bits + dc_vals) + seg(0xC4, b"\x10" + ac_bits + ac_vals))
    pad = max(0, size - len(head) - len(scan) - 20)
    comments = b""
    rnd = random.Random(size)
    while pad > 0:
        n = min(pad, 65000)
        comments += seg(0xFE, bytes(rnd.randrange(32, 126) for _ in range(n)))
        pad -= n + 4
    return head + comments + seg(0xDA, b"\x01\x01\x00\x00\x3f\x00") + bytes(scan) + b"\xff\xd9"


def ico(w, h, size):
    data = png(w, h, size)
    return struct.pack("<HHHBBBBHHII", 0, 1, 1, w % 256, h % 256, 0, 0, 1, 32, len(data), 22) + data


CACHE = {}
CACHE_LOCK = threading.Lock()


def cached(key, make):
    with CACHE_LOCK:
        if key not in CACHE:
            CACHE[key] = make()
        return CACHE[key]


def image(spec):
    _, fmt, dims, size = spec.split(":")
    w, h = (int(x) for x in dims.split("x"))
    size = int(size)
    make = {"png": lambda: png(w, h, size), "jpeg": lambda: jpeg(w, h, size),
            "ico": lambda: ico(w, h, size), "gif": lambda: GIF1}[fmt]
    ctype = {"png": "image/png", "jpeg": "image/jpeg", "ico": "image/x-icon", "gif": "image/gif"}[fmt]
    return ctype, cached(spec, make)


# ---- pages -----------------------------------------------------------------------------
NEWS_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{host} - article</title>
<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Roboto:wght@400;700&display=swap">
<script async src="https://www.googletagmanager.com/gtag/js?id=G-{gid}"></script>
<script src="/assets/app.{hash}.js"></script>
<link rel="icon" href="/favicon.ico"></head><body>
<h1>Parliament votes on the budget</h1>
<img src="/img/2024/03/{img1}.jpg" width="800"><p>Story text.</p>
<img src="/thumbs/{img2}.jpg" width="120"><img src="/thumbs/{img3}.jpg" width="120">
<script>
var cid = Math.floor(Math.random() * 1e9) + '.' + Math.floor(Date.now() / 1000);
var dl = encodeURIComponent(location.href);
fetch('https://www.google-analytics.com/g/collect?v=2&tid=G-{gid}&gtm=45je4340&_p=' + Date.now() +
      '&cid=' + cid + '&ul=en-gb&sr=1920x1080&_s=1&dl=' + dl + '&dt=Article&en=page_view',
      {{method: 'POST', mode: 'no-cors', keepalive: true}});
new Image().src = 'https://www.facebook.com/tr/?id={fbid}&ev=PageView&dl=' + dl + '&rl=&if=false&ts=' + Date.now() + '&v=2.9.150&r=stable';
new Image().src = 'https://px.ads.linkedin.com/collect/?pid={liid}&fmt=gif&time=' + Date.now() + '&url=' + dl;
new Image().src = 'https://bat.bing.com/action/0?ti={bing}&Ver=2&mid=' + crypto.randomUUID() + '&evt=pageLoad&p=' + dl + '&rn=' + Math.floor(Math.random() * 1e6);
new Image().src = 'https://track.hubspot.com/__ptq.gif?k=1&a={hs}&pu=' + dl + '&cts=' + Date.now() + '&vi=' + crypto.randomUUID().replace(/-/g, '');
new Image().src = 'https://cm.g.doubleclick.net/pixel?google_nid=eupress&google_cm&google_sc';
fetch('/api/comments/count?ids={art}');
</script></body></html>
"""

SPA_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<script src="/static/main.{hash}.js"></script><link rel="icon" href="/favicon.ico"></head><body>
<div id="app">loading</div>
<script>
var calls = [];
for (var i = 0; i < 6; i++) calls.push(fetch('https://portal.parl.example/api/v2/documents/' + crypto.randomUUID(), {{credentials: 'include'}}));
for (var j = 0; j < 3; j++) {{ var im = new Image(); im.src = 'https://portal.parl.example/api/v2/users/' +
  Array.from(crypto.getRandomValues(new Uint8Array(12))).map(b => b.toString(16).padStart(2, '0')).join('') + '/avatar?size=48'; document.body.appendChild(im); }}
new Image().src = 'https://stats.parl.example/matomo.php?idsite=3&rec=1&r=' + Math.floor(Math.random() * 1e6) +
  '&url=' + encodeURIComponent(location.href) + '&_id=' + Array.from(crypto.getRandomValues(new Uint8Array(8))).map(b => b.toString(16).padStart(2, '0')).join('') + '&send_image=1';
</script></body></html>
"""

WEBMAIL_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Mail - {who}</title>
<script src="{static}"></script><link rel="icon" href="/favicon.ico"></head><body>
<div class="reading-pane">{body}</div>
<script>
fetch('{api}', {{method: 'POST', credentials: 'include', headers: {{'Content-Type': 'application/json'}}, body: '{{}}'}});
</script></body></html>
"""


def mail_body(mail_id):
    path = os.path.join(WORK, "mails", os.path.basename(mail_id) + ".html")
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return "<p>message not found</p>"
    m = re.search(r"<body>(.*)</body>", text, re.S)
    return m.group(1) if m else text


# ---- OCSP: the OpenSSL responder answers; cached per request as real responders do ---------
OCSP_LOCK = threading.Lock()


def ocsp_response(der):
    def make():
        pki = os.path.join(WORK, "pki")
        with tempfile.TemporaryDirectory() as tmp:
            req = os.path.join(tmp, "req.der")
            resp = os.path.join(tmp, "resp.der")
            with open(req, "wb") as f:
                f.write(der)
            subprocess.run(["openssl", "ocsp", "-index", os.path.join(pki, "index.txt"),
                            "-rsigner", os.path.join(pki, "ca.pem"), "-rkey", os.path.join(pki, "ca.key"),
                            "-CA", os.path.join(pki, "ca.pem"), "-ndays", "7", "-reqin", req,
                            "-respout", resp], capture_output=True, check=False, timeout=20)
            try:
                with open(resp, "rb") as f:
                    return f.read()
            except OSError:
                return b"\x30\x03\x0a\x01\x01"  # malformedRequest
    with OCSP_LOCK:
        return cached("ocsp:" + hashlib.sha1(der).hexdigest(), make)


# ---- HTTP ------------------------------------------------------------------------------
VHOSTS = {}
REGISTRY = {}


def find_vhost(host):
    if host in VHOSTS:
        return VHOSTS[host]
    parts = host.split(".")
    for i in range(1, len(parts)):
        wild = "*." + ".".join(parts[i:])
        if wild in VHOSTS:
            return VHOSTS[wild]
    return None


def registry_label(host, uri):
    key = host + uri
    hit = REGISTRY.get(key) or REGISTRY.get(urllib.parse.unquote(key))
    return hit


def json_body(rnd):
    return json.dumps({"id": "%032x" % rnd.getrandbits(128), "items": [
        {"id": "%08x-%04x-4%03x-a%03x-%012x" % (rnd.getrandbits(32), rnd.getrandbits(16), rnd.getrandbits(12),
                                               rnd.getrandbits(12), rnd.getrandbits(48)),
         "title": "Item %d" % rnd.randrange(1000), "modified": 1710230000 + rnd.randrange(100000)}
        for _ in range(rnd.randint(1, 6))], "next": None}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 15

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.rnd = random.Random()

    def do_GET(self):
        self.respond()

    def do_POST(self):
        self.respond()

    def do_HEAD(self):
        self.respond()

    def respond(self):
        length = int(self.headers.get("Content-Length") or 0)
        body_in = self.rfile.read(length) if length else b""
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        uri = self.path
        routes = find_vhost(host)
        status, ctype, body, extra = 404, "text/html", b"<h1>404 Not Found</h1>", {}
        label, cache, cookie = "benign:unknown-host" if routes is None else "benign:not-found", "", None
        match = None
        for route in routes or []:
            match = re.search(route[0], uri)
            if match:
                spec, cache, label, cookie = route[1], route[2], route[3], route[4]
                status, ctype, body, extra = self.build(spec, host, uri, match, body_in)
                break
        hit = registry_label(host, uri)
        is_beacon, recipient, campaign, vendor = 0, "", "", ""
        if hit:
            is_beacon, recipient, campaign, vendor = hit["is_beacon"], hit["recipient"], hit["campaign"], hit["vendor"]
            label = "beacon" if is_beacon else "related"
        headers = {"Content-Type": ctype, "Content-Length": str(len(body)),
                   "Date": self.date_time_string()}
        if cache == "nocache":
            headers["Cache-Control"] = "no-cache, no-store, must-revalidate, max-age=0"
            headers["Pragma"] = "no-cache"
            headers["Expires"] = "Thu, 01 Jan 1970 00:00:00 GMT"
        elif cache == "static":
            headers["Cache-Control"] = "public, max-age=31536000, immutable"
            headers["ETag"] = '"%s"' % hashlib.md5(uri.encode()).hexdigest()[:16]
        elif cache == "private":
            headers["Cache-Control"] = "private, max-age=0"
        if cookie and not self.headers.get("Cookie"):
            headers["Set-Cookie"] = f"{cookie}={self.rnd.getrandbits(128):032x}; Path=/; Secure; HttpOnly; SameSite=None"
        headers.update(extra)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        client = self.connection.getpeername()
        local = self.connection.getsockname()
        log(event="http", client_ip=client[0], client_port=client[1], server_ip=local[0],
            server_port=local[1], scheme=self.server.scheme, host=host, method=self.command,
            uri=uri, user_agent=self.headers.get("User-Agent", ""),
            referer=self.headers.get("Referer", ""), status=status, label=label,
            is_beacon=is_beacon, recipient=recipient, campaign=campaign, vendor=vendor)

    def build(self, spec, host, uri, match, body_in):
        rnd = self.rnd
        if spec == "gif1":
            return 200, "image/gif", GIF1, {}
        if spec == "png1":
            return 200, "image/png", cached("png1", lambda: png(1, 1, 0)), {}
        if spec == "204":
            return 204, "text/plain", b"", {}
        if spec.startswith("redirect:"):
            return 302, "text/html", b"", {"Location": spec[len("redirect:"):]}
        if spec.startswith("img:"):
            ctype, data = image(spec)
            return 200, ctype, data, {}
        if spec == "json":
            return 200, "application/json; charset=utf-8", json_body(rnd), {}
        if spec == "longpoll":
            time.sleep(rnd.uniform(0.3, 1.5))  # a chat server holds the request until news
            return 200, "application/json", json_body(rnd), {}
        if spec in ("js", "css", "text", "xml"):
            ctype = {"js": "application/javascript", "css": "text/css", "text": "text/plain",
                     "xml": "text/xml"}[spec]
            data = cached(spec, lambda: ("/* %s */\n" % spec + "var a=1;" * 400).encode())
            if spec == "text":
                data = b"Microsoft Connect Test" if "connecttest" in uri else b"#EXTM3U\n"
            if spec == "xml":
                data = b'<?xml version="1.0"?><updates></updates>'
            return 200, ctype, data, {}
        if spec == "font":
            return 200, "font/woff2", cached("font", lambda: b"wOF2" + bytes(random.Random(3).getrandbits(8) for _ in range(18000))), {}
        if spec == "ts":
            return 200, "video/mp2t", cached("ts", lambda: bytes(random.Random(4).getrandbits(8) for _ in range(40000))), {}
        if spec.startswith("bin:"):
            n = int(spec[4:])
            return 200, "application/octet-stream", cached(spec, lambda: bytes(random.Random(n).getrandbits(8) for _ in range(n))), {}
        if spec == "html:news":
            h = hashlib.md5(uri.encode()).hexdigest()
            page = NEWS_PAGE.format(host=host, gid="X7K2M9Q4PL", hash=h[:8], img1=h[:16], img2=h[16:32],
                                    img3=h[8:24], fbid="804215562001377", liid="3217715", bing="56001234",
                                    hs="4281912", art=rnd.randrange(10**6, 10**7))
            return 200, "text/html; charset=utf-8", page.encode(), {}
        if spec.startswith("html:spa"):
            return 200, "text/html; charset=utf-8", SPA_PAGE.format(title=spec, hash="3f9c2a1b").encode(), {}
        if spec.startswith("mailpage:"):
            owa = spec.endswith("owa")
            page = WEBMAIL_PAGE.format(
                who=host, body=mail_body(match.group(1)),
                static="/owa/prem/15.2.1258.12/scripts/boot.worldwide.0.mouse.js" if owa else "https://res.cdn.office.net/owamail/20240301003.12/scripts/owa.AppBoot.js",
                api="/owa/service.svc?action=GetItem&EP=1&ID=-12&AC=1" if owa else "/owa/startupdata.ashx?app=Mail&n=0")
            return 200, "text/html; charset=utf-8", page.encode(), {}
        if spec == "ocsp":
            der = body_in
            if self.command == "GET":
                tail = uri.rsplit("/", 1)[-1]
                try:
                    der = base64.b64decode(urllib.parse.unquote(tail))
                except ValueError:
                    der = b""
            return 200, "application/ocsp-response", ocsp_response(der), {
                "Cache-Control": "max-age=86400, public, no-transform, must-revalidate"}
        if spec == "apt":
            return self.apt(uri)
        return 500, "text/plain", b"bad route", {}

    def apt(self, uri):
        path = urllib.parse.urlsplit(uri).path
        path = re.sub(r"^/debian(-security)?/", "", path)
        full = os.path.normpath(os.path.join(WORK, "apt-repo", path))
        if not full.startswith(os.path.join(WORK, "apt-repo")) or not os.path.isfile(full):
            return 404, "text/html", b"<h1>404 Not Found</h1>", {}
        with open(full, "rb") as f:
            data = f.read()
        return 200, "application/octet-stream", data, {"Last-Modified": "Tue, 12 Mar 2024 08:00:00 GMT"}


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, port, scheme, context=None):
        self.scheme = scheme
        self.context = context
        super().__init__(("0.0.0.0", port), Handler)

    def server_bind(self):
        # HTTPServer.server_bind looks up the machine's FQDN (a DNS query); not wanted on the wire.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "localhost", self.server_address[1]

    def finish_request(self, request, client_address):
        # TLS is set up in the connection's own thread, so a slow handshake holds no one up.
        if self.context is not None:
            request.settimeout(15)
            try:
                request = self.context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.log_tls(request, getattr(request, "bw_sni", ""), f"handshake-failed:{type(e).__name__}")
                return
            self.log_tls(request, getattr(request, "bw_sni", ""), "ok")
        super().finish_request(request, client_address)

    def log_tls(self, sock, sni, outcome):
        try:
            client = sock.getpeername()
            local = sock.getsockname()
        except OSError:
            return
        log(event="tls", client_ip=client[0], client_port=client[1], server_ip=local[0],
            server_port=local[1], scheme="tls", host=sni or "", status=outcome,
            label="benign:tls")


def tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(WORK, "pki", "server.pem"), os.path.join(WORK, "pki", "server.key"))
    ctx.set_alpn_protocols(["http/1.1"])

    def on_sni(sock, name, _ctx):
        sock.bw_sni = name or ""
    ctx.sni_callback = on_sni
    return ctx


def serve_http():
    global VHOSTS, REGISTRY
    with open(os.path.join(WORK, "vhosts.json")) as f:
        VHOSTS = json.load(f)
    with open(os.path.join(WORK, "registry.json")) as f:
        REGISTRY = json.load(f)["urls"]
    servers = [Server(80, "http"), Server(443, "tls", tls_context())]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("ready", flush=True)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    stop()


# ---- DNS -------------------------------------------------------------------------------
def serve_dns():
    with open(os.path.join(WORK, "zone.json")) as f:
        zone = json.load(f)
    cnames = {}
    if os.path.exists(os.path.join(WORK, "cnames.json")):
        with open(os.path.join(WORK, "cnames.json")) as f:
            cnames = json.load(f)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", 53))
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)
    while True:
        data, peer = sock.recvfrom(4096)
        try:
            reply, name, qtype, rcode, answer = dns_answer(data, zone, cnames)
        except (ValueError, IndexError, struct.error):
            continue
        sock.sendto(reply, peer)
        log(event="dns", client_ip=peer[0], client_port=peer[1], server_ip="10.20.0.53",
            server_port=53, scheme="udp", host=name, method=str(qtype), status=rcode, uri=answer,
            label="benign:dns")


def wire_name(name):
    return b"".join(bytes([len(label)]) + label.encode("ascii") for label in name.split(".")) + b"\0"


def dns_answer(data, zone, cnames=None):
    tid, flags, qd = struct.unpack(">HHH", data[:6])
    pos, labels = 12, []
    while data[pos]:
        n = data[pos]
        labels.append(data[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += n + 1
    qtype, qclass = struct.unpack(">HH", data[pos + 1:pos + 5])
    question = data[12:pos + 5]
    name = ".".join(labels).lower()
    ip = zone.get(name)
    if ip is None:
        for i in range(1, len(labels)):
            ip = zone.get("*." + ".".join(labels[i:]).lower())
            if ip:
                break
    rd = flags & 0x0100
    answers = b""
    count = 0
    if ip is None:
        rcode = 3
    else:
        rcode = 0
        ttl = 60 if name.count(".") >= 3 and "cdn" in name else 300
        target = (cnames or {}).get(name)
        owner = b"\xc0\x0c"
        if target:
            # Link branding: the alias first, then the target's address, as resolvers answer.
            target_wire = wire_name(target)
            answers += owner + struct.pack(">HHIH", 5, 1, 3600, len(target_wire)) + target_wire
            count += 1
            owner = target_wire
        if qtype == 1:
            answers += owner + struct.pack(">HHIH", 1, 1, ttl, 4) + socket.inet_aton(ip)
            count += 1
    header = struct.pack(">HHHHHH", tid, 0x8000 | 0x0400 * 0 | rd | 0x0080 | rcode, 1, count, 0, 0)
    return header + question + answers, name, qtype, rcode, ip if qtype == 1 and count else ""


def main():
    global WORK, LOG
    mode, WORK, log_path = sys.argv[1], sys.argv[2], sys.argv[3]
    LOG = open(log_path, "a", buffering=1 << 20)
    if mode == "http":
        # sigwait needs the signals blocked in every thread, so block them before any starts.
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
        serve_http()
    else:
        serve_dns()


if __name__ == "__main__":
    main()
