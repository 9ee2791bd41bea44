#!/usr/bin/env python3
"""A local mock of Twilio's Messages API for otpsms tests (stdlib only).

Requests are validated against Twilio's own OpenAPI description (--spec), so a
driver that drifts from the real API fails here rather than in production.
It serves Messages.json (SMS, and WhatsApp with whatsapp: numbers and a
ContentSid template) and Calls.json (voice, with a TwiML document that is
parsed and checked: <Response> holding only <Say> and <Pause>).
Behaviour per test: --mode ok|error400|error429|error500|hang|auth, or the
contents of --mode-file, re-read on every request so one mock can change mid
test. Every request that passes validation is appended to --log as one JSON
line {"kind", "to", "from", "messaging_service_sid", "body", "auth_user",
"mode", "user_agent", "twiml", "content_sid", "content_variables"}.
Delivery: GET Messages/{Sid}.json (validated with the spec's fetch operation)
answers a created message with a status that moves on at each poll, as the
message's outcome was when it was created: deliver:ok (the default) sending,
sent, then delivered; deliver:fail sending, then undelivered with error_code
30003; deliver:never sending, then sent for ever (no delivery report). The
outcome comes from --deliver or a deliver:X word in the mode file (next to
the send mode: "ok deliver:fail"). Each poll is logged as {"kind": "status",
"sid", "status", "auth_user", "poll"}.
"""

import argparse
import json
import os
import re
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from email.utils import formatdate

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mockserver  # noqa: E402  (next to this file)
import openapi_check  # noqa: E402
from openapi_check import FormError, check_value  # noqa: E402

MESSAGES_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
CALLS_PATH = "/2010-04-01/Accounts/{AccountSid}/Calls.json"
MESSAGE_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"
DELIVERIES = ("ok", "fail", "never")
MODES = ("ok", "error400", "error429", "error500", "hang", "auth")
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
# Twilio takes an alphanumeric sender ID in From where the country allows it.
SENDER_ID = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
WHATSAPP = re.compile(r"^whatsapp:\+[1-9][0-9]{7,14}$")
MAX_BODY = 64 * 1024


class Operation:
    """One POST operation of the description: its path, form schema, example."""

    def __init__(self, spec, path):
        item = spec.doc["paths"][path]
        op = item["post"]
        self.path_params = spec.path_params(item, op)
        self.props, self.required = spec.form(op, "%s POST" % path)
        examples = (op["responses"]["201"]["content"]["application/json"]
                    .get("examples", {}))
        self.example = (examples.get("create") or next(iter(examples.values()), {})
                        ).get("value", {})
        rx = re.escape(path).replace(r"\{AccountSid\}", r"(?P<AccountSid>[^/]+)")
        self.path_rx = re.compile("^" + rx + "$")


class Spec(openapi_check.Spec):
    """What the mock needs from the OpenAPI description."""

    def __init__(self, path):
        super().__init__(path)
        doc = self.doc
        schemes = doc.get("components", {}).get("securitySchemes", {})
        self.basic = any(s.get("type") == "http" and s.get("scheme") == "basic"
                         for s in schemes.values())
        self.ops = {"message": Operation(self, MESSAGES_PATH),
                    "call": Operation(self, CALLS_PATH)}
        # The fetch of one message: its path parameters' schemas.
        item = doc["paths"][MESSAGE_PATH]
        self.fetch_params = self.path_params(item, item["get"])
        rx = re.escape(MESSAGE_PATH)
        for name in ("AccountSid", "Sid"):
            rx = rx.replace(r"\{%s\}" % name, r"(?P<%s>[^/]+)" % name)
        self.fetch_rx = re.compile("^" + rx + "$")


class Mock:
    def __init__(self, args):
        self.args = args
        self.spec = Spec(args.spec)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.messages = {}   # sid -> [message dict, outcome, polls]

    def modes(self):
        """(send mode, delivery outcome) from the mode file or the options."""
        mode, deliver = self.args.mode, self.args.deliver
        if self.args.mode_file:
            try:
                with open(self.args.mode_file, encoding="utf-8") as f:
                    words = f.read().split()
            except FileNotFoundError:
                words = []
            for w in words:
                if w in MODES:
                    mode = w
                elif w.startswith("deliver:") and w[8:] in DELIVERIES:
                    deliver = w[8:]
                else:
                    sys.stderr.write("twilio_mock: unknown mode %r in %s\n"
                                     % (w, self.args.mode_file))
        return mode, deliver

    def mode(self):
        return self.modes()[0]

    def record(self, rec):
        if not self.args.log:
            return
        line = json.dumps(rec, ensure_ascii=False) + "\n"
        with self.lock:
            with open(self.args.log, "a", encoding="utf-8") as f:
                f.write(line)


def error_body(code, message, status):
    return {"code": code, "message": message,
            "more_info": "https://www.twilio.com/docs/errors/%d" % code,
            "status": status}


class Handler(mockserver.Handler):
    server_version = "twilio_mock/1"

    def handle(self):
        try:
            super().handle()
        except ssl.SSLError as e:
            # A client that refused our certificate: logged, not a traceback.
            sys.stderr.write("twilio_mock: TLS handshake failed: %s\n" % e)

    def fail(self, status, code, message):
        self.reply(status, error_body(code, message, status))

    def not_allowed(self):
        self.fail(405, 20004, "Method not allowed")

    do_PUT = do_DELETE = do_PATCH = not_allowed

    def do_GET(self):
        """Fetch a message: its status, moved on one step per poll."""
        spec = self.mock.spec
        url = urllib.parse.urlsplit(self.path)
        m = spec.fetch_rx.match(url.path)
        if m is None:
            self.not_allowed()
            return
        for name in ("AccountSid", "Sid"):
            why = check_value(name, m.group(name), spec.fetch_params.get(name, {}))
            if why:
                self.fail(404, 20404, "The requested resource %s was not found (%s)"
                          % (url.path, why))
                return
        user, pw = self.basic_auth()
        if (not spec.basic or user is None or user != self.mock.args.sid or
                pw != self.mock.args.token or user != m.group("AccountSid")):
            self.fail(401, 20003, "Authenticate")
            return
        with self.mock.lock:
            entry = self.mock.messages.get(m.group("Sid"))
            if entry is not None:
                entry[2] += 1
                msg, outcome, polls = dict(entry[0]), entry[1], entry[2]
        if entry is None:
            self.fail(404, 20404, "The requested resource %s was not found" % url.path)
            return
        steps = {"ok": ["sending", "sent", "delivered"],
                 "fail": ["sending", "undelivered"],
                 "never": ["sending", "sent"]}[outcome]
        status = steps[min(polls, len(steps)) - 1]
        msg["status"] = status
        if status == "undelivered":
            msg["error_code"] = 30003
            msg["error_message"] = "Unreachable destination handset"
        self.mock.record({"kind": "status", "sid": m.group("Sid"), "status": status,
                          "auth_user": user, "poll": polls})
        self.reply(200, msg)

    def do_POST(self):
        spec = self.mock.spec
        url = urllib.parse.urlsplit(self.path)
        kind, op, m = None, None, None
        for k, o in spec.ops.items():
            m = o.path_rx.match(url.path)
            if m is not None:
                kind, op = k, o
                break
        if op is None:
            self.fail(404, 20404, "The requested resource %s was not found" % url.path)
            return
        sid = m.group("AccountSid")
        schema = op.path_params.get("AccountSid", {})
        why = check_value("AccountSid", sid, schema)
        if why:
            self.fail(404, 20404, "The requested resource %s was not found (%s)"
                      % (url.path, why))
            return

        length = openapi_check.content_length(self.headers, MAX_BODY)
        if length == "missing":
            self.fail(411, 20001, "Content-Length required")
            return
        if length == "large":
            self.fail(413, 20001, "Request body too large")
            return
        raw = self.rfile.read(length)

        # Credentials first, as Twilio does: 401 before anything else.
        user, pw = self.basic_auth()
        mode = self.mock.mode()
        if not spec.basic or user is None:
            self.fail(401, 20003, "Authenticate")
            return
        if user != self.mock.args.sid or pw != self.mock.args.token or user != sid:
            self.fail(401, 20003, "Authenticate")
            return

        ctype = openapi_check.content_type(self.headers)
        if ctype != openapi_check.FORM:
            self.fail(415, 20001, "Unsupported media type %s" % ctype)
            return
        try:
            pairs = openapi_check.parse_form(raw)
        except ValueError as e:  # UnicodeDecodeError is one
            self.fail(400, 20001, "Malformed form body: %s" % e)
            return
        try:
            form = openapi_check.check_form(spec, pairs, op.props, op.required)
        except FormError as e:
            if e.kind == "unknown":
                self.fail(400, 20001, "Unknown parameter %s" % e.name)
            elif e.kind == "twice":
                self.fail(400, 20001, "Parameter %s given twice" % e.name)
            elif e.kind == "missing":
                self.fail(400, 21604, "A '%s' phone number is required." % e.name)
            else:
                self.fail(400, 20001, e.reason)
            return
        rec = self.check_call(form) if kind == "call" else self.check_message(form)
        if rec is None:
            return
        rec.update({"kind": kind, "auth_user": user, "mode": mode,
                    "user_agent": self.headers.get("User-Agent", "")})
        self.mock.record(rec)
        self.answer(mode, kind, sid, rec["to"], rec["from"], form, rec.get("body", ""))

    def check_message(self, form):
        """The prose rules of a message create; a log record, or None (answered)."""
        # The spec says in prose what its schema cannot: a sender and content.
        if not any(k in form for k in ("From", "MessagingServiceSid")):
            self.fail(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required")
            return None
        if not any(k in form for k in ("Body", "MediaUrl", "ContentSid")):
            self.fail(400, 21602, "Message body is required.")
            return None
        to = form["To"][0]
        frm = form.get("From", [None])[0]
        if WHATSAPP.match(to) or (frm is not None and frm.startswith("whatsapp:")):
            # WhatsApp: both ends whatsapp:, and a business-initiated message
            # must be a pre-approved template (ContentSid), not free text.
            if not WHATSAPP.match(to) or frm is None or not WHATSAPP.match(frm):
                self.fail(400, 63007, "Twilio could not find a Channel with the specified From address")
                return None
            if "ContentSid" not in form or "Body" in form:
                self.fail(400, 63016, "Failed to send freeform message because you are "
                          "outside the allowed window. Please use a Template.")
                return None
        elif not E164.match(to):
            self.fail(400, 21211, "The 'To' number %s is not a valid phone number." % to)
            return None
        elif frm is not None and not E164.match(frm) and not SENDER_ID.match(frm):
            self.fail(400, 21212, "The 'From' number %s is not a valid phone number." % frm)
            return None
        variables = None
        if "ContentSid" in form:
            try:
                variables = json.loads(form.get("ContentVariables", ["{}"])[0])
            except ValueError:
                variables = None
            if not isinstance(variables, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in variables.items()):
                self.fail(400, 21656, "The ContentVariables Parameter is invalid.")
                return None
        body = form.get("Body", [""])[0]
        if len(body) > 1600:
            self.fail(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
            return None
        return {"to": to, "from": frm,
                "messaging_service_sid": form.get("MessagingServiceSid", [None])[0],
                "body": body, "content_sid": form.get("ContentSid", [None])[0],
                "content_variables": variables}

    def check_call(self, form):
        """A call create with inline TwiML: a log record, or None (answered)."""
        to, frm = form["To"][0], form["From"][0]
        if not E164.match(to):
            self.fail(400, 21211, "Invalid 'To' Phone Number: %s" % to)
            return None
        if not E164.match(frm):
            self.fail(400, 21212, "Invalid 'From' Phone Number: %s" % frm)
            return None
        if sum(k in form for k in ("Twiml", "Url", "ApplicationSid")) != 1:
            self.fail(400, 21205, "One of Url, Twiml or ApplicationSid is required")
            return None
        if "Twiml" not in form:
            self.fail(400, 20001, "the driver is expected to send inline Twiml")
            return None
        twiml = form["Twiml"][0]
        if len(twiml) > 4000:
            self.fail(400, 21235, "Twiml exceeds the 4000 character limit")
            return None
        try:
            root = ET.fromstring(twiml)
        except ET.ParseError as e:
            self.fail(400, 12100, "Document parse failure: %s" % e)
            return None
        if root.tag != "Response" or root.attrib:
            self.fail(400, 12100, "The root element must be <Response>")
            return None
        says = []
        for el in root:
            if el.tag == "Say" and set(el.attrib) <= {"language", "voice", "loop"} \
                    and len(el) == 0 and (el.text or "").strip():
                says.append(el.text)
            elif el.tag == "Pause" and set(el.attrib) <= {"length"} and len(el) == 0:
                pass
            else:
                self.fail(400, 12200, "Schema validation warning: <%s> not expected" % el.tag)
                return None
        return {"to": to, "from": frm, "twiml": twiml, "says": says}

    def answer(self, mode, kind, sid, to, frm, form, body):
        if mode == "hang":
            self.hang()
            return
        if mode == "auth":
            self.fail(401, 20003, "Authenticate")
        elif mode == "error400":
            self.fail(400, 21211, "The 'To' number %s is not a valid phone number." % to)
        elif mode == "error429":
            self.fail(429, 20429, "Too Many Requests")
        elif mode == "error500":
            self.reply(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>",
                       "text/html")
        elif kind == "call":
            self.reply(201, self.call(sid, to, frm))
        else:
            self.reply(201, self.message(sid, to, frm, form, body))

    def message(self, account, to, frm, form, body):
        msg = dict(self.mock.spec.ops["message"].example)
        msid = "SM" + secrets.token_hex(16)
        deliver = self.mock.modes()[1]
        now = formatdate(time.time(), usegmt=True).replace("GMT", "+0000")
        mg = form.get("MessagingServiceSid", [None])[0]
        msg.update({
            "account_sid": account, "sid": msid, "status": "queued",
            "to": to, "from": frm, "body": body, "messaging_service_sid": mg,
            "direction": "outbound-api", "date_created": now, "date_updated": now,
            "date_sent": None, "num_segments": "1", "num_media": "0",
            "error_code": None, "error_message": None,
            "uri": "/2010-04-01/Accounts/%s/Messages/%s.json" % (account, msid),
            "subresource_uris": {
                "media": "/2010-04-01/Accounts/%s/Messages/%s/Media.json" % (account, msid)},
        })
        with self.mock.lock:
            self.mock.messages[msid] = [dict(msg), deliver, 0]
        return msg

    def call(self, account, to, frm):
        c = dict(self.mock.spec.ops["call"].example)
        csid = "CA" + secrets.token_hex(16)
        now = formatdate(time.time(), usegmt=True).replace("GMT", "+0000")
        c.update({"account_sid": account, "sid": csid, "status": "queued",
                  "to": to, "from": frm, "date_created": now, "date_updated": now,
                  "uri": "/2010-04-01/Accounts/%s/Calls/%s.json" % (account, csid)})
        return c


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", required=True, help="twilio_api_v2010.json")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--sid", default="AC" + "0" * 32)
    ap.add_argument("--token", default="secret-token")
    ap.add_argument("--mode", default="ok", choices=MODES)
    ap.add_argument("--mode-file")
    ap.add_argument("--deliver", default="ok", choices=DELIVERIES)
    ap.add_argument("--log")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--tls-cert", help="PEM chain: serve HTTPS (with --tls-key)")
    ap.add_argument("--tls-key")
    args = ap.parse_args()
    tls = None
    if args.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    return mockserver.serve(Mock(args), Handler, args.port, args.port_file, tls=tls)


if __name__ == "__main__":
    sys.exit(main())
