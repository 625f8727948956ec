#!/usr/bin/env python3
"""A real HTTP receiver for the outbox relay, run by tests/run.sh before the stack.

    webhook_receiver.py HOOK_PORT CONTROL_PORT
    (EVENTS_WEBHOOK_SECRET from the environment)

HOOK_PORT takes the relay's POSTs (any path). Every POST is recorded with its headers, body,
whether X-Medusa-Signature is the HMAC-SHA256 of the body under the secret (compared with
hmac.compare_digest), and what the receiver answered. CONTROL_PORT is for the tests:

    GET  /deliveries          every recorded POST, as JSON
    POST /mode {"mode": m}    ok (204), fail (500), drop (close without an answer),
                              refuse (the hook port stops listening: connection refused)

Python 3 standard library only; threads, so a slow test never blocks the relay.
"""

import hashlib
import hmac
import json
import os
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ.get("EVENTS_WEBHOOK_SECRET", "").encode()
LOCK = threading.Lock()
DELIVERIES = []
STATE = {"mode": "ok"}


def expected_signature(body):
    return "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()


class Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        sig = self.headers.get("X-Medusa-Signature")
        mode = STATE["mode"]
        rec = {
            "t": time.time(),
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
            "signed": sig is not None,
            "valid": sig is not None and hmac.compare_digest(sig.encode(), expected_signature(body).encode()),
            "answer": {"ok": 204, "fail": 500}.get(mode, 0),
        }
        with LOCK:
            DELIVERIES.append(rec)
        if mode == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        status = 204 if mode == "ok" else 500
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True


class Control(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/deliveries"):
            with LOCK:
                snap = list(DELIVERIES)
            return self.answer(200, snap)
        return self.answer(404, {"error": "unknown"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            req = json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            return self.answer(400, {"error": "bad json"})
        if self.path == "/mode" and req.get("mode") in ("ok", "fail", "drop", "refuse"):
            set_mode(req["mode"])
            return self.answer(200, {"mode": STATE["mode"]})
        return self.answer(400, {"error": "bad request"})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


HOOK = {"server": None, "port": 0}


def start_hook():
    srv = Server(("127.0.0.1", HOOK["port"]), Hook)
    HOOK["server"] = srv
    threading.Thread(target=srv.serve_forever, daemon=True).start()


def set_mode(mode):
    with LOCK:
        prev = STATE["mode"]
        STATE["mode"] = mode
    if mode == "refuse" and prev != "refuse":
        srv = HOOK["server"]
        srv.shutdown()
        srv.server_close()
    elif mode != "refuse" and prev == "refuse":
        for _ in range(50):
            try:
                start_hook()
                break
            except OSError:
                time.sleep(0.1)


def main():
    if len(sys.argv) != 3 or not SECRET:
        sys.stderr.write("usage: EVENTS_WEBHOOK_SECRET=... webhook_receiver.py HOOK_PORT CONTROL_PORT\n")
        return 2
    HOOK["port"] = int(sys.argv[1])
    start_hook()
    ctl = Server(("127.0.0.1", int(sys.argv[2])), Control)
    sys.stdout.write("webhook receiver: hook on %d, control on %d\n" % (HOOK["port"], int(sys.argv[2])))
    sys.stdout.flush()
    ctl.serve_forever()
    return 0


if __name__ == "__main__":
    socketserver.TCPServer.allow_reuse_address = True
    sys.exit(main())
