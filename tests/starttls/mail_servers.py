#!/usr/bin/env python3
"""Plaintext mail servers that upgrade to TLS the way real ones do (SMTP STARTTLS per RFC 3207,
IMAP STARTTLS per RFC 3501 6.2.1, POP3 STLS per RFC 2595), for the STARTTLS test: each accepts
connections on its standard port, greets, answers until the upgrade command, then completes a TLS
handshake with CERT/KEY and closes. Python standard library only.

usage: mail_servers.py CERT KEY READY_FILE     (runs until killed)
"""

import socketserver
import ssl
import sys
import threading


def upgrade(handler, context):
    with context.wrap_socket(handler.request, server_side=True) as tls:
        try:
            tls.recv(1)  # the client closes after the handshake
        except (ssl.SSLError, OSError):
            pass


def make_handler(protocol, context):
    class Handler(socketserver.StreamRequestHandler):
        def send(self, text):
            self.wfile.write(text.encode() + b"\r\n")
            self.wfile.flush()

        def handle(self):
            greeting = {"smtp": "220 mail.parl.example ESMTP", "imap": "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready",
                        "pop3": "+OK POP3 ready"}[protocol]
            self.send(greeting)
            for raw in self.rfile:
                line = raw.decode("ascii", "replace").rstrip("\r\n")
                word = line.split(" ")
                if protocol == "smtp":
                    verb = word[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.send("250-mail.parl.example")
                        self.send("250 STARTTLS")
                    elif verb == "STARTTLS":
                        self.send("220 2.0.0 Ready to start TLS")
                        return upgrade(self, context)
                    else:
                        self.send("250 OK")
                elif protocol == "imap":
                    tag, command = word[0], (word[1].upper() if len(word) > 1 else "")
                    if command == "CAPABILITY":
                        self.send("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED")
                        self.send(tag + " OK CAPABILITY completed")
                    elif command == "STARTTLS":
                        self.send(tag + " OK Begin TLS negotiation now")
                        return upgrade(self, context)
                    else:
                        self.send(tag + " BAD unknown")
                else:
                    verb = word[0].upper()
                    if verb == "CAPA":
                        self.send("+OK Capability list follows")
                        self.send("STLS")
                        self.send(".")
                    elif verb == "STLS":
                        self.send("+OK Begin TLS negotiation")
                        return upgrade(self, context)
                    else:
                        self.send("-ERR unknown")
    return Handler


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    cert, key, ready = sys.argv[1:4]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    for protocol, port in (("smtp", 25), ("imap", 143), ("pop3", 110)):
        server = Server(("127.0.0.1", port), make_handler(protocol, context))
        threading.Thread(target=server.serve_forever, daemon=True).start()
    with open(ready, "w") as f:
        f.write("ready\n")
    threading.Event().wait()


if __name__ == "__main__":
    main()
