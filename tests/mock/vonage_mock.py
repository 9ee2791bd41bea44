#!/usr/bin/env python3
"""A local mock of Vonage's SMS API (POST /sms/json) for otpsms tests.

Requests are validated against Vonage's own OpenAPI description (--spec,
sms.yml, read with PyYAML): the path and its format, the form content type,
unknown, repeated and missing fields, each field's type, length, pattern and
enum from the NewMessage schema, api_secret (the driver never signs), and the
credentials. Like Vonage, it answers HTTP 200 with a per-message status even
when it refuses a message.

Behaviour per request: --mode, or --mode-file, re-read on every request. The
file may hold a comma-separated list: each request takes the next mode and
the last one repeats ("throttle,ok": one throttled answer, then accepted).
Modes: ok, throttle (1), internal (5), auth (4), quota (9), demo (29),
invalid (3), barred (7), deactivated (33), multipart (two parts, the second
refused with 5), http500, http429, garbage (200 that is not JSON), hang,
reset (the connection is dropped with a TCP reset, no answer), slow (answers
ok after --slow-ms: the message went through although the client may have
given up). --fault-rate P (benchmarks): without a mode file, each request
is a fault with probability P, one of http500, slow and reset at random.
Every request that passes validation is appended to --log as one JSON line
{"to", "from", "text", "type", "api_key", "entity_id", "content_id", "mode",
"user_agent"}. A request that fails validation gets Vonage's status 2/3/4
answer and a line "invalid request: ..." on stderr.
"""

import argparse
import json
import os
import re
import random
import secrets
import socket
import struct
import time
import sys
import threading
import urllib.parse

try:
    import yaml  # noqa: F401  (openapi_check reads sms.yml with it)
except ImportError:  # pragma: no cover
    sys.exit("vonage_mock: PyYAML is required (Debian: python3-yaml)")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mockserver  # noqa: E402  (next to this file)
import openapi_check  # noqa: E402
from openapi_check import FormError  # noqa: E402

STATUS = {"ok": "0", "throttle": "1", "internal": "5", "auth": "4", "quota": "9",
          "demo": "29", "invalid": "3", "barred": "7", "deactivated": "33"}
MODES = tuple(STATUS) + ("multipart", "http500", "http429", "garbage", "hang",
                         "reset", "slow")
FAULTS = ("http500", "slow", "reset")
MAX_BODY = 64 * 1024


class Spec(openapi_check.Spec):
    def __init__(self, path):
        super().__init__(path)
        op = self.doc["paths"]["/{format}"]["post"]
        self.formats = []
        for p in op.get("parameters", []):
            if p.get("in") == "path" and p["name"] == "format":
                self.formats = p["schema"].get("enum", [])
        self.props, self.required = self.form(op, "send-an-sms")
        # The servers URL carries the base path: https://rest.nexmo.com/sms
        base = urllib.parse.urlsplit(self.doc["servers"][0]["url"]).path.rstrip("/")
        self.path_rx = re.compile("^" + re.escape(base) + "/(?P<format>[^/]+)$")
        self.errors = self.doc.get("x-errors", {})


class Mock:
    def __init__(self, args):
        self.args = args
        self.spec = Spec(args.spec)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.seq_pos = 0
        self.seq_text = None

    def mode(self):
        """The mode for this request (consumes one step of a sequence)."""
        text = None
        if self.args.mode_file:
            try:
                with open(self.args.mode_file, encoding="utf-8") as f:
                    text = f.read().strip()
            except FileNotFoundError:
                pass
        if not text:
            if self.args.fault_rate > 0 and random.random() < self.args.fault_rate:
                return random.choice(FAULTS)
            return self.args.mode
        with self.lock:
            if text != self.seq_text:
                self.seq_text, self.seq_pos = text, 0
            steps = [s.strip() for s in text.split(",") if s.strip()]
            m = steps[min(self.seq_pos, len(steps) - 1)]
            self.seq_pos += 1
        if m not in MODES:
            sys.stderr.write("vonage_mock: unknown mode %r\n" % m)
            return self.args.mode
        return m

    def record(self, rec):
        if not self.args.log:
            return
        line = json.dumps(rec, ensure_ascii=False) + "\n"
        with self.lock:
            with open(self.args.log, "a", encoding="utf-8") as f:
                f.write(line)


class Handler(mockserver.Handler):
    server_version = "vonage_mock/1"

    def refuse(self, status, why):
        """An invalid request: Vonage's own error shape, and a line for the test."""
        sys.stderr.write("invalid request: %s\n" % why)
        text = self.mock.spec.errors.get(status, {}).get("description", why)
        self.reply(200, {"message-count": "1",
                         "messages": [{"status": status, "error-text": text.split(".")[0]}]})

    def do_GET(self):
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()

    do_PUT = do_DELETE = do_PATCH = do_GET

    def do_POST(self):
        spec = self.mock.spec
        url = urllib.parse.urlsplit(self.path)
        m = spec.path_rx.match(url.path)
        if m is None or m.group("format") not in spec.formats:
            sys.stderr.write("invalid request: path %s\n" % url.path)
            self.reply(404, {"error": "not found"})
            return
        if m.group("format") != "json" or url.query:
            self.refuse("3", "the driver must ask for JSON, with the form in the body")
            return
        length = openapi_check.content_length(self.headers, MAX_BODY)
        if length == "missing":
            self.refuse("2", "no Content-Length")
            return
        if length == "large":
            self.refuse("3", "body too large")
            return
        raw = self.rfile.read(length)
        ctype = openapi_check.content_type(self.headers)
        if ctype != openapi_check.FORM:
            self.refuse("3", "content type %s" % ctype)
            return
        try:
            pairs = openapi_check.parse_form(raw)
        except ValueError as e:  # UnicodeDecodeError is one
            self.refuse("3", "malformed form body: %s" % e)
            return
        # text is required here (the driver sends SMS text), and api_secret
        # (the driver never signs), after the schema's own required fields.
        required = spec.required + ["text", "api_secret"]
        try:
            form = openapi_check.check_form(spec, pairs, spec.props, required,
                                            fullmatch=True)
        except FormError as e:
            if e.kind == "missing" and e.name == "api_secret":
                self.refuse("2", "missing api_secret (the driver never signs)")
            elif e.kind == "missing":
                self.refuse("2", "missing %s" % e.name)
            elif e.kind == "unknown":
                self.refuse("3", "unknown parameter %s" % e.name)
            elif e.kind == "twice":
                self.refuse("3", "parameter %s given twice" % e.name)
            else:
                self.refuse("3", e.reason)
            return
        form = {k: vals[0] for k, vals in form.items()}
        if form["api_key"] != self.mock.args.key or form["api_secret"] != self.mock.args.secret:
            self.refuse("4", "bad credentials")
            return
        if any(ord(ch) > 127 for ch in form["text"]) and form.get("type") != "unicode":
            self.refuse("3", "non-ASCII text without type=unicode")
            return
        mode = self.mock.mode()
        self.mock.record({"to": form["to"], "from": form["from"], "text": form["text"],
                          "type": form.get("type"), "api_key": form["api_key"],
                          "entity_id": form.get("entity-id"),
                          "content_id": form.get("content-id"), "mode": mode,
                          "user_agent": self.headers.get("User-Agent", "")})
        self.answer(mode, form)

    def message(self, to, status):
        msg = {"to": to, "status": status}
        if status == "0":
            msg.update({"message-id": secrets.token_hex(8).upper(),
                        "remaining-balance": "3.14159265",
                        "message-price": "0.03330000", "network": "23410"})
        else:
            desc = self.mock.spec.errors.get(status, {}).get("description", "Error")
            msg["error-text"] = desc.split(".")[0]
        return msg

    def answer(self, mode, form):
        to = form["to"]
        if mode == "hang":
            self.hang()
            return
        if mode == "reset":
            # SO_LINGER 0: close() sends a RST, as a crashed or refusing peer.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if mode == "slow":
            time.sleep(self.mock.args.slow_ms / 1000.0)
            mode = "ok"
        if mode == "http500":
            self.reply(500, b"<html><body>500 Internal Server Error</body></html>", "text/html")
        elif mode == "http429":
            self.reply(429, {"error": "Too Many Requests"})
        elif mode == "garbage":
            self.reply(200, b"<mt-submission-response/>", "text/xml")
        elif mode == "multipart":
            self.reply(200, {"message-count": "2",
                             "messages": [self.message(to, "0"), self.message(to, "5")]})
        else:
            self.reply(200, {"message-count": "1", "messages": [self.message(to, STATUS[mode])]})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", required=True, help="Vonage's sms.yml")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--key", default="abcd1234")
    ap.add_argument("--secret", default="abcdef0123456789")
    ap.add_argument("--mode", default="ok", choices=MODES)
    ap.add_argument("--mode-file")
    ap.add_argument("--log")
    ap.add_argument("--fault-rate", type=float, default=0.0)
    ap.add_argument("--slow-ms", type=int, default=1500)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    # A listen backlog for benchmarks' bursts (the default is 5).
    return mockserver.serve(Mock(args), Handler, args.port, args.port_file,
                            backlog=512)


if __name__ == "__main__":
    sys.exit(main())
