#!/usr/bin/env python3
"""A local mock of Twilio Lookup v2 for otpsms tests (stdlib only).

GET /v2/PhoneNumbers/{PhoneNumber}?Fields=... is validated against Twilio's
own OpenAPI description (--spec twilio_lookups_v2.json): the path, every
query parameter (a name the operation has, a value its schema allows, Fields
only from the values its description lists), HTTP Basic (the description's
security scheme) with --sid/--token, no body. A request that fails is
answered in Twilio's error shape and appended to --invalid-log, which the
tests require to stay empty.
The answer is the description's LookupResponse, every property present (null
when not asked for), the asked fields filled in from the mode, and checked
against the schema's property names before it is sent. The mode is the words
of --mode-file, re-read on every request:
  swap:N      the SIM was swapped N days ago (default: never, 400 days ago)
  swapnodate  no date, swapped_in_period true
  line:TYPE   line_type_intelligence.type (default mobile)
  risk:S      sms_pumping_risk_score (default 10)
  fielderror  each asked field carries error_code 60606 and nothing else
  error500    HTTP 500 (HTML); hang: the connection is held, never answered
Every valid request is appended to --log as {"number", "fields",
"auth_user", "mode"}.
"""

import argparse
import json
import os
import re
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mockserver  # noqa: E402  (next to this file)
import openapi_check  # noqa: E402
from openapi_check import check_value  # noqa: E402

PATH = "/v2/PhoneNumbers/{PhoneNumber}"
FIELD_OBJECTS = {"sim_swap": "SimSwapInfo",
                 "line_type_intelligence": "LineTypeIntelligenceInfo",
                 "sms_pumping_risk": "SmsPumpingRiskInfo"}


class Spec(openapi_check.Spec):
    def __init__(self, path):
        super().__init__(path)
        item = self.doc["paths"][PATH]
        self.op = item["get"]
        self.params = {}
        for p in self.op.get("parameters", []) + item.get("parameters", []):
            p = self.resolve(p)
            self.params[(p["in"], p["name"])] = p
        fields = self.params[("query", "Fields")]["description"]
        m = re.search(r"Possible values are ([a-z_, ]+)", fields)
        self.fields = {f.strip() for f in m.group(1).split(",")}
        schemes = self.doc.get("components", {}).get("securitySchemes", {})
        self.basic = any(s.get("type") == "http" and s.get("scheme") == "basic"
                         for s in schemes.values())
        self.schemas = self.doc["components"]["schemas"]
        self.response = self.resolve(self.op["responses"]["200"]["content"]
                                     ["application/json"]["schema"])

    def check_answer(self, obj):
        """Raises SystemExit if OBJ has a property the schema does not."""
        props = self.response["properties"]
        for k, v in obj.items():
            if k not in props:
                raise SystemExit("mock answer: %s not in LookupResponse" % k)
            if k in FIELD_OBJECTS and v is not None:
                self.check_object(v, self.schemas[FIELD_OBJECTS[k]])

    def check_object(self, obj, schema):
        props = schema["properties"]
        for k, v in obj.items():
            if k not in props:
                raise SystemExit("mock answer: %s not in %s" % (k, schema["title"]))
            sub = self.resolve(props[k])
            t = sub.get("type")
            if v is None:
                continue
            if isinstance(v, dict):
                self.check_object(v, sub)
            elif t == "integer" and not (isinstance(v, int) and not isinstance(v, bool)):
                raise SystemExit("mock answer: %s is not an integer" % k)
            elif t == "boolean" and not isinstance(v, bool):
                raise SystemExit("mock answer: %s is not a boolean" % k)
            elif t == "string" and not isinstance(v, str):
                raise SystemExit("mock answer: %s is not a string" % k)


class Handler(mockserver.Handler):
    server_version = "lookup_mock/1"

    def invalid(self, status, code, message):
        self.mock.record(self.mock.args.invalid_log,
                         {"path": self.path, "method": self.command, "why": message})
        self.reply(status, {"code": code, "message": message, "status": status,
                            "more_info": "https://www.twilio.com/docs/errors/%d" % code})

    def not_allowed(self):
        self.invalid(405, 20004, "Method not allowed")

    do_POST = do_PUT = do_DELETE = do_PATCH = not_allowed

    def do_GET(self):
        spec, args = self.mock.spec, self.mock.args
        url = urllib.parse.urlsplit(self.path)
        m = re.fullmatch(r"/v2/PhoneNumbers/([^/]+)", url.path)
        if m is None:
            self.invalid(404, 20404, "The requested resource %s was not found" % url.path)
            return
        number = urllib.parse.unquote(m.group(1), errors="strict")
        why = check_value("PhoneNumber", number,
                          spec.params[("path", "PhoneNumber")].get("schema", {}))
        if why or not re.fullmatch(r"\+[1-9][0-9]{7,14}", number):
            self.invalid(404, 20404, "PhoneNumber %r: %s" % (number, why or "not E.164"))
            return
        if self.headers.get("Content-Length", "0") not in ("", "0") or \
                self.headers.get("Transfer-Encoding"):
            self.invalid(400, 20001, "a GET carries no body")
            return
        try:
            query = urllib.parse.parse_qsl(url.query, keep_blank_values=True,
                                           strict_parsing=bool(url.query))
        except ValueError as e:
            self.invalid(400, 20001, "malformed query: %s" % e)
            return
        seen = set()
        fields = []
        for k, v in query:
            p = spec.params.get(("query", k))
            if p is None or k in seen:
                self.invalid(400, 20001, "query parameter %s unknown or repeated" % k)
                return
            seen.add(k)
            why = check_value(k, v, spec.resolve(p.get("schema", {})))
            if why:
                self.invalid(400, 20001, why)
                return
            if k == "Fields":
                fields = v.split(",")
                bad = [f for f in fields if f not in spec.fields]
                if bad or not fields:
                    self.invalid(400, 60200, "Invalid Fields %s" % ",".join(bad))
                    return
        user, pw = self.basic_auth()
        if not spec.basic or user != args.sid or pw != args.token:
            self.invalid(401, 20003, "Authenticate")
            return
        words = self.mock.words()
        self.mock.record(args.log, {"number": number, "fields": fields,
                                    "auth_user": user, "mode": " ".join(words)})
        if "hang" in words:
            self.hang()
            return
        if "error500" in words:
            self.reply(500, b"<html><body>500 Internal Server Error</body></html>",
                       "text/html")
            return
        ans = self.answer(number, fields, words)
        spec.check_answer(ans)
        self.reply(200, ans)

    def answer(self, number, fields, words):
        opts = dict(w.split(":", 1) for w in words if ":" in w)
        ans = {k: None for k in self.mock.spec.response["properties"]}
        ans.update({"calling_country_code": "44" if number.startswith("+44") else "1",
                    "country_code": "GB" if number.startswith("+44") else "US",
                    "phone_number": number, "national_format": number[1:],
                    "valid": True, "validation_errors": [],
                    "url": "https://lookups.twilio.com/v2/PhoneNumbers/" + number})
        err = "fielderror" in words
        if "sim_swap" in fields:
            if err:
                ans["sim_swap"] = {"error_code": 60606}
            else:
                last = {"swapped_period": "PT48H"}
                if "swapnodate" in words:
                    last["swapped_in_period"] = True
                else:
                    days = float(opts.get("swap", "400"))
                    t = time.time() - days * 86400
                    last["last_sim_swap_date"] = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                               time.gmtime(t))
                    last["swapped_in_period"] = days * 86400 < 48 * 3600
                ans["sim_swap"] = {"last_sim_swap": last, "carrier_name": "Vodafone UK",
                                   "mobile_country_code": "234",
                                   "mobile_network_code": "15", "error_code": None}
        if "line_type_intelligence" in fields:
            ans["line_type_intelligence"] = {"error_code": 60606} if err else {
                "error_code": None, "mobile_country_code": "234",
                "mobile_network_code": "15", "carrier_name": "Vodafone UK",
                "type": opts.get("line", "mobile")}
        if "sms_pumping_risk" in fields:
            ans["sms_pumping_risk"] = {"error_code": 60606} if err else {
                "carrier_risk_category": "low", "number_blocked": False,
                "number_blocked_date": None, "number_blocked_last_3_months": None,
                "sms_pumping_risk_score": int(opts.get("risk", "10")),
                "error_code": None}
        return ans


class Mock:
    def __init__(self, args):
        self.args = args
        self.spec = Spec(args.spec)
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def words(self):
        try:
            with open(self.args.mode_file, encoding="utf-8") as f:
                return f.read().split()
        except (FileNotFoundError, TypeError):
            return []

    def record(self, path, rec):
        if not path:
            return
        with self.lock:
            with open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", required=True, help="twilio_lookups_v2.json")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--sid", default="AC" + "0" * 32)
    ap.add_argument("--token", default="secret-token")
    ap.add_argument("--mode-file")
    ap.add_argument("--log")
    ap.add_argument("--invalid-log")
    args = ap.parse_args()
    return mockserver.serve(Mock(args), Handler, args.port, args.port_file)


if __name__ == "__main__":
    sys.exit(main())
