#!/usr/bin/env python3
"""Strict local stand-ins for the SMS APIs of the http driver's presets.

One preset per process (--preset plivo|telnyx|sinch|infobip|messagebird),
each checking what its provider documents for sending one SMS: the method and
path (with the account where the provider puts it), the authentication
(Plivo: HTTP Basic with the auth id; Telnyx, Sinch: Bearer; Infobip:
"Authorization: App KEY"; MessageBird: "Authorization: AccessKey KEY"), a JSON
body with exactly the documented fields and their types, and numbers in the
form the provider wants. Answers are shaped like the provider's.

Behaviour: --mode, or --mode-file re-read on each request: ok, error400 (the
provider's invalid-number error), error429, error500, auth (the provider's
401), hang. Valid requests go to --log as JSON lines {"preset", "to",
"from", "text", "mode", "auth"}; invalid ones are answered 400 and written to
stderr as "invalid request: ...".
"""

import argparse
import base64
import json
import os
import re
import secrets
import signal
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
DIGITS = re.compile(r"^[1-9][0-9]{7,14}$")
SENDER = re.compile(r"^(\+[1-9][0-9]{7,14}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11})$")
MODES = ("ok", "error400", "error429", "error500", "auth", "hang")


def exact(obj, keys):
    return isinstance(obj, dict) and set(obj) == set(keys)


def s(x):
    return isinstance(x, str) and x != ""


# Per preset: path (with {account}), auth kind, body check -> (to, from, text).
def body_plivo(b):
    if not exact(b, ("src", "dst", "text")) or not all(s(b[k]) for k in b):
        return None
    if not SENDER.match(b["src"]) or not DIGITS.match(b["dst"]):
        return None
    return "+" + b["dst"], b["src"], b["text"]


def body_telnyx(b):
    if not exact(b, ("from", "to", "text")) or not all(s(b[k]) for k in b):
        return None
    if not SENDER.match(b["from"]) or not E164.match(b["to"]):
        return None
    return b["to"], b["from"], b["text"]


def body_sinch(b):
    if not exact(b, ("from", "to", "body")) or not s(b["from"]) or not s(b["body"]):
        return None
    if not isinstance(b["to"], list) or len(b["to"]) != 1 or not DIGITS.match(str(b["to"][0])):
        return None
    return "+" + b["to"][0], b["from"], b["body"]


def body_infobip(b):
    if not exact(b, ("messages",)) or not isinstance(b["messages"], list) or len(b["messages"]) != 1:
        return None
    m = b["messages"][0]
    if not exact(m, ("destinations", "from", "text")) or not s(m["from"]) or not s(m["text"]):
        return None
    d = m["destinations"]
    if not isinstance(d, list) or len(d) != 1 or not exact(d[0], ("to",)) \
            or not DIGITS.match(str(d[0]["to"])):
        return None
    return "+" + d[0]["to"], m["from"], m["text"]


def body_messagebird(b):
    if not exact(b, ("originator", "recipients", "body")) or not s(b["originator"]) \
            or not s(b["body"]):
        return None
    r = b["recipients"]
    if not isinstance(r, list) or len(r) != 1 or not DIGITS.match(str(r[0])):
        return None
    return "+" + r[0], b["originator"], b["body"]


PRESETS = {
    "plivo": ("/v1/Account/{account}/Message/", "basic", body_plivo),
    "telnyx": ("/v2/messages", "Bearer", body_telnyx),
    "sinch": ("/xms/v1/{account}/batches", "Bearer", body_sinch),
    "infobip": ("/sms/2/text/advanced", "App", body_infobip),
    "messagebird": ("/messages", "AccessKey", body_messagebird),
}


def ok_reply(preset, to):
    mid = str(uuid.uuid4())
    if preset == "plivo":
        return 202, {"api_id": str(uuid.uuid4()), "message": "message(s) queued",
                     "message_uuid": [mid]}
    if preset == "telnyx":
        return 200, {"data": {"id": mid, "record_type": "message", "to": [
            {"phone_number": to, "status": "queued"}]}}
    if preset == "sinch":
        return 201, {"id": "01" + secrets.token_hex(12).upper(), "to": [to[1:]],
                     "canceled": False, "type": "mt_text"}
    if preset == "infobip":
        return 200, {"bulkId": mid, "messages": [{"messageId": secrets.token_hex(10),
                     "status": {"groupId": 1, "groupName": "PENDING", "id": 26,
                                "name": "PENDING_ACCEPTED"}, "to": to[1:]}]}
    return 201, {"id": secrets.token_hex(16), "recipients": {"totalCount": 1}}


def error_reply(preset, kind):
    """(status, body) of the provider's own error shape."""
    if kind == "auth":
        return 401, {
            "plivo": {"api_id": str(uuid.uuid4()), "error": "authentication failed"},
            "telnyx": {"errors": [{"code": "10009", "title": "Authentication failed"}]},
            "sinch": {"code": "unauthorized", "text": "Unauthorized"},
            "infobip": {"requestError": {"serviceException": {
                "messageId": "UNAUTHORIZED", "text": "Invalid login details"}}},
            "messagebird": {"errors": [{"code": 2, "description": "Request not allowed"}]},
        }[preset]
    return 400, {
        "plivo": {"api_id": str(uuid.uuid4()), "error": "invalid_destination"},
        "telnyx": {"errors": [{"code": "40310", "title": "Invalid 'to' address"}]},
        "sinch": {"code": "syntax_invalid_parameter_format", "text": "invalid to"},
        "infobip": {"requestError": {"serviceException": {
            "messageId": "BAD_REQUEST", "text": "Bad request"}}},
        "messagebird": {"errors": [{"code": 21, "description": "invalid recipient"}]},
    }[preset]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    args = None
    stop = threading.Event()
    lock = threading.Lock()

    def log_message(self, fmt, *a):
        pass

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def invalid(self, why):
        sys.stderr.write("invalid request: %s\n" % why)
        self.reply(400, {"error": why})

    def mode(self):
        if self.args.mode_file and os.path.exists(self.args.mode_file):
            m = open(self.args.mode_file).read().strip()
            if m in MODES:
                return m
        return self.args.mode

    def authorized(self, kind):
        h = self.headers.get("Authorization", "")
        if kind == "basic":
            if not h.startswith("Basic "):
                return False
            try:
                dec = base64.b64decode(h[6:], validate=True).decode()
            except ValueError:
                return False
            return dec == "%s:%s" % (self.args.account, self.args.secret)
        return h == "%s %s" % (kind, self.args.secret)

    def do_POST(self):
        path, kind, check = PRESETS[self.args.preset]
        if self.path != path.replace("{account}", self.args.account or ""):
            self.invalid("path %s" % self.path)
            return
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self.invalid("content type %s" % self.headers.get("Content-Type"))
            return
        try:
            n = int(self.headers.get("Content-Length", ""))
            body = json.loads(self.rfile.read(n).decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            self.invalid("body: %s" % e)
            return
        got = check(body)
        if got is None:
            self.invalid("fields: %s" % json.dumps(body))
            return
        mode = self.mode()
        authorized = self.authorized(kind)
        with self.lock, open(self.args.log, "a") as f:
            f.write(json.dumps({"preset": self.args.preset, "to": got[0], "from": got[1],
                                "text": got[2], "mode": mode, "auth": authorized}) + "\n")
        if not authorized or mode == "auth":
            self.reply(*error_reply(self.args.preset, "auth"))
        elif mode == "hang":
            while not self.stop.wait(0.2):
                pass
            self.close_connection = True
        elif mode == "error400":
            self.reply(*error_reply(self.args.preset, "number"))
        elif mode == "error429":
            self.reply(429, {"error": "too many requests"})
        elif mode == "error500":
            self.reply(500, {"error": "internal"})
        else:
            self.reply(*ok_reply(self.args.preset, got[0]))

    def do_GET(self):
        self.invalid("method GET")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", required=True, choices=sorted(PRESETS))
    ap.add_argument("--account", default="")
    ap.add_argument("--secret", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--mode", default="ok", choices=MODES)
    ap.add_argument("--mode-file")
    ap.add_argument("--log", required=True)
    Handler.args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True

    def on_term(signum, frame):
        Handler.stop.set()
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    tmp = Handler.args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, Handler.args.port_file)
    try:
        srv.serve_forever(poll_interval=0.1)
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
