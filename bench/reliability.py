#!/usr/bin/env python3
"""Delivery reliability benchmark (issue 3): not part of the test run.

A real otpsmsd with two Vonage carriers on loopback mocks (tests/mock/
vonage_mock.py, requests checked against Vonage's API description): the
primary fails --fault-rate of its requests (HTTP 500, a reply later than the
carrier's timeout that still goes through, a connection reset), the backup
is healthy. N challenges from C concurrent clients; a code counts as
delivered when the daemon answers CHALLENGE_RSP (a carrier accepted it)
within --deadline seconds of the request. Prints delivered, failed,
duplicates (codes both carriers took: the primary's late answer went
through after the daemon had moved on), p50/p99/max time to acceptance,
and the breaker's activity.

  bench/reliability.py --builddir _build/werror [-n 10000] [-c 64]
Exit status 0 when at least --bar (99.9%) were delivered in time.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
USERS = 1000


def start_mock(tmp, name, extra):
    port_file = os.path.join(tmp, name + ".port")
    log = os.path.join(tmp, name + ".jsonl")
    err = open(os.path.join(tmp, name + ".err"), "w")
    p = subprocess.Popen([sys.executable, os.path.join(TOP, "tests/mock/vonage_mock.py"),
                          "--spec", os.path.join(TOP, "tests/mock/specs/vonage/sms.yml"),
                          "--port", "0", "--port-file", port_file, "--log", log,
                          "--key", "abcd1234", "--secret", "abcdef0123456789"] + extra,
                         stdout=subprocess.DEVNULL, stderr=err)
    for _ in range(100):
        if os.path.exists(port_file):
            return p, int(open(port_file).read()), log
        time.sleep(0.1)
    raise SystemExit("mock %s did not start" % name)


def frame_challenge(user):
    s = lambda x: struct.pack(">I", len(x)) + x
    body = s(user.encode()) + s(b"bench") + s(b"192.0.2.1") + s(b"") + s(b"") \
        + struct.pack(">I", 0)
    return struct.pack(">I", 2 + len(body)) + bytes([1, 1]) + body


async def one(sock, user, lat, errs):
    t0 = time.monotonic()
    try:
        r, w = await asyncio.open_unix_connection(sock)
        w.write(frame_challenge(user))
        await w.drain()
        hdr = await asyncio.wait_for(r.readexactly(4), 30)
        (n,) = struct.unpack(">I", hdr)
        rest = await r.readexactly(n)
        w.close()
        dt = time.monotonic() - t0
        if rest[1] == 2:
            lat.append(dt)
        else:
            errs.append((dt, rest[2:].decode("utf-8", "replace")))
    except Exception as e:  # a benchmark counts it, it does not stop
        errs.append((time.monotonic() - t0, repr(e)))


async def load(sock, n, conc, lat, errs):
    q = asyncio.Queue()
    for i in range(n):
        q.put_nowait("bench%d" % (i % USERS))

    async def worker():
        while not q.empty():
            user = q.get_nowait()
            await one(sock, user, lat, errs)

    await asyncio.gather(*(worker() for _ in range(conc)))


def codes(log, accepted_modes):
    out = set()
    if not os.path.exists(log):
        return out
    for line in open(log, encoding="utf-8"):
        rec = json.loads(line)
        if rec["mode"] in accepted_modes:
            m = re.search(r"\b(\d{10})\b", rec["text"])
            if m:
                out.add(m.group(1))
    return out


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * len(xs) + 0.5)) - 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--builddir", required=True)
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("-c", type=int, default=64, help="concurrent clients")
    ap.add_argument("--fault-rate", type=float, default=0.2)
    ap.add_argument("--timeout", default="1s", help="the primary's timeout")
    ap.add_argument("--deadline", type=float, default=3.0)
    ap.add_argument("--bar", type=float, default=99.9)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()

    otpsmsd = os.path.join(os.path.abspath(args.builddir), "otpsmsd")
    if not os.access(otpsmsd, os.X_OK):
        raise SystemExit("no otpsmsd in %s" % args.builddir)
    tmp = tempfile.mkdtemp(prefix="otpsms-bench.")
    os.chmod(tmp, 0o755)
    procs = []
    try:
        slow_ms = 1500 if args.timeout == "1s" else 3000
        p1, port1, log1 = start_mock(tmp, "primary", ["--fault-rate", str(args.fault_rate),
                                                      "--slow-ms", str(slow_ms)])
        p2, port2, log2 = start_mock(tmp, "backup", [])
        procs += [p1, p2]
        sock = os.path.join(tmp, "otpsmsd.sock")
        user = "nobody" if os.geteuid() == 0 else None
        cfg = os.path.join(tmp, "otpsmsd.yaml")
        with open(cfg, "w") as f:
            f.write("user: %s\nsocket: %s\nallow_uids: [%d]\n" % (
                user or os.environ.get("USER", "root"), sock, os.getuid()))
            f.write("code: {digits: 10, reuse_window: 0}\n")
            f.write("max_clients: 1024\n")
            f.write("limits: {per_user: off, per_number: off, per_prefix: off, "
                    "per_country: off, global: off, backoff_after: 0}\n")
            f.write("lockout: {failures: 0}\n")
            f.write("users:\n")
            for i in range(USERS):
                f.write("  bench%d: \"+4477009%05d\"\n" % (i, i))
            for name, port, tmo in (("primary", port1, args.timeout), ("backup", port2, "5s")):
                f.write("carriers:\n" if name == "primary" else "")
                f.write("  - {name: %s, type: vonage, api_key: abcd1234, "
                        "api_secret: abcdef0123456789, from: ACME, timeout: %s, "
                        "api_url: \"http://127.0.0.1:%d\"}\n" % (name, tmo, port))
        os.chmod(cfg, 0o600)
        dlog = open(os.path.join(tmp, "otpsmsd.log"), "w")
        d = subprocess.Popen([otpsmsd, "-f", "-c", cfg], stdout=dlog, stderr=dlog)
        procs.append(d)
        for _ in range(200):
            if os.path.exists(sock):
                break
            if d.poll() is not None:
                print(open(os.path.join(tmp, "otpsmsd.log")).read())
                raise SystemExit("otpsmsd did not start")
            time.sleep(0.05)

        lat, errs = [], []
        t0 = time.monotonic()
        asyncio.run(load(sock, args.n, args.c, lat, errs))
        wall = time.monotonic() - t0

        in_time = [x for x in lat if x <= args.deadline]
        late = len(lat) - len(in_time)
        prim = codes(log1, ("ok", "slow"))
        back = codes(log2, ("ok",))
        faults = {}
        for line in open(log1, encoding="utf-8"):
            m = json.loads(line)["mode"]
            faults[m] = faults.get(m, 0) + 1
        dlog.flush()
        text = open(os.path.join(tmp, "otpsmsd.log"), encoding="utf-8").read()
        opened = text.count("circuit open")
        pct_ok = 100.0 * len(in_time) / args.n
        print("otpsms delivery benchmark: %d codes, %d concurrent clients, "
              "primary fault rate %.0f%% (timeout %s), healthy backup"
              % (args.n, args.c, 100 * args.fault_rate, args.timeout))
        print("primary requests by outcome: %s" % ", ".join(
            "%s %d" % kv for kv in sorted(faults.items())))
        print("delivered within %.0f s: %d (%.3f%%)" % (args.deadline, len(in_time), pct_ok))
        print("delivered late: %d" % late)
        print("failed: %d%s" % (len(errs), (" (first: %s)" % errs[0][1]) if errs else ""))
        print("duplicates (both carriers took the code): %d" % len(prim & back))
        print("time to acceptance: p50 %.1f ms, p99 %.1f ms, max %.1f ms"
              % (1000 * pct(lat, 50), 1000 * pct(lat, 99), 1000 * max(lat or [0])))
        print("breaker opened %d time(s); wall time %.1f s (%.0f codes/s)"
              % (opened, wall, args.n / wall))
        ok = pct_ok >= args.bar
        print("bar %.1f%%: %s" % (args.bar, "MET" if ok else "NOT MET"))
        return 0 if ok else 1
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if args.keep:
            print("work directory kept: %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
