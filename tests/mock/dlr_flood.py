#!/usr/bin/env python3
"""What any local user can do to the kannel driver's report listener.

dlr_flood.py flood PORT STATSFILE
    Until killed: keeps about 200 connections open at once, replacing each one
    the daemon closes (at most 2,000 new ones a second): idle ones that send
    nothing, slowloris ones that dribble a valid-looking "GET /dlr?t=..." a
    byte every 50 ms and never end it, junk, and forged reports with no token
    or a wrong one. Rewrites STATSFILE twice a second:
    "opened N closed M forged_ok F".
dlr_flood.py forge PORT
    Sends forged reports once (no token, a wrong token; types 1, 8 and 16)
    and prints the status code of each answer ("-" for none), one a line.
"""
import secrets
import selectors
import socket
import sys
import time


def forgeries():
    for s in (1, 8, 16):
        yield b"GET /dlr?s=%d HTTP/1.1\r\nHost: x\r\n\r\n" % s
        yield (b"GET /dlr?t=%s&s=%d HTTP/1.1\r\nHost: x\r\n\r\n" %
               (secrets.token_hex(16).encode(), s))


def status(data):
    parts = data.split(b" ", 2)
    return parts[1].decode() if len(parts) > 1 and data.startswith(b"HTTP/") else "-"


def forge(port):
    for req in forgeries():
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(req)
        data = b""
        try:
            while True:
                b = s.recv(512)
                if not b:
                    break
                data += b
        except OSError:
            pass
        s.close()
        print(status(data))


def flood(port, statsfile):
    sel = selectors.DefaultSelector()
    kinds = ("idle", "idle", "slow", "junk", "forge")
    forged = list(forgeries())
    opened = closed = forged_ok = 0
    n = 0
    last_stats = 0.0
    while True:
        now = time.monotonic()
        # Top up: 20 a tick, 100 ticks a second.
        for _ in range(20):
            if len(sel.get_map()) >= 200:
                break
            s = socket.socket()
            s.settimeout(0.2)
            try:
                s.connect(("127.0.0.1", port))
            except OSError:
                s.close()
                break
            s.setblocking(False)
            kind = kinds[n % len(kinds)]
            n += 1
            opened += 1
            st = {"kind": kind, "left": b"", "next": now, "got": b""}
            try:
                if kind == "junk":
                    s.send(b"POST / HTTP/1.0\r\n\r\n" if n % 2 else secrets.token_bytes(64))
                elif kind == "forge":
                    s.send(forged[n % len(forged)])
                elif kind == "slow":
                    st["left"] = b"GET /dlr?t=" + secrets.token_hex(16).encode() + b"&s=16"
            except OSError:
                pass
            sel.register(s, selectors.EVENT_READ, st)
        for key, _ in sel.select(timeout=0):
            s, st = key.fileobj, key.data
            try:
                b = s.recv(512)
            except OSError:
                b = b""
            if b:
                st["got"] += b
                continue
            if st["kind"] == "forge" and status(st["got"]) == "200":
                forged_ok += 1
            closed += 1
            sel.unregister(s)
            s.close()
        for key in list(sel.get_map().values()):
            st = key.data
            if st["kind"] == "slow" and st["left"] and now >= st["next"]:
                try:
                    key.fileobj.send(st["left"][:1])
                except OSError:
                    pass
                st["left"] = st["left"][1:]
                st["next"] = now + 0.05
        if now - last_stats >= 0.5:
            last_stats = now
            with open(statsfile + ".tmp", "w") as f:
                f.write("opened %d closed %d forged_ok %d\n" % (opened, closed, forged_ok))
            import os
            os.replace(statsfile + ".tmp", statsfile)
        time.sleep(0.01)


if __name__ == "__main__":
    if sys.argv[1] == "flood":
        flood(int(sys.argv[2]), sys.argv[3])
    else:
        forge(int(sys.argv[2]))
