"""The HTTP side shared by the carrier mocks (stdlib only).

twilio_mock.py, vonage_mock.py and lookup_mock.py each check requests
against their provider's description (openapi_check.py) and answer in their
provider's shape; what they share is here: a request handler that answers
JSON and reads HTTP Basic, and the server start-up (127.0.0.1, the port
written to --port-file atomically, SIGTERM/SIGINT stop it).
"""

import base64
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    """A mock's handler; the subclass sets server_version, main sets mock."""

    protocol_version = "HTTP/1.1"
    mock = None  # set by serve()

    def log_message(self, fmt, *args):
        if getattr(self.mock.args, "verbose", False):
            name = self.server_version.split("/")[0]
            sys.stderr.write(name + ": " + (fmt % args) + "\n")

    def reply(self, status, obj, ctype="application/json"):
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def basic_auth(self):
        """(user, password) from HTTP Basic, or (None, None)."""
        h = self.headers.get("Authorization", "")
        if not h.lower().startswith("basic "):
            return None, None
        try:
            dec = base64.b64decode(h[6:].strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None, None
        if ":" not in dec:
            return None, None
        user, pw = dec.split(":", 1)
        return user, pw

    def hang(self):
        """Hold the connection open until the client gives up or we stop."""
        while not self.mock.stop.wait(0.2):
            pass
        self.close_connection = True


def serve(mock, handler, port, port_file=None, backlog=None, tls=None):
    """Serve HANDLER for MOCK (which has a stop Event) until SIGTERM/SIGINT.

    BACKLOG: a listen backlog (the default is 5); TLS: an ssl.SSLContext to
    serve HTTPS with. Returns 0, main's exit status.
    """
    handler.mock = mock
    if backlog is not None:
        ThreadingHTTPServer.request_queue_size = backlog
    srv = ThreadingHTTPServer(("127.0.0.1", port), handler)
    srv.daemon_threads = True
    if tls is not None:
        # The handshake on the connection's thread, not in accept: a client
        # that refuses the certificate must not stall the others.
        srv.socket = tls.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)

    def on_term(signum, frame):
        mock.stop.set()
        # shutdown() waits for serve_forever, which runs on this thread.
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    if port_file:
        tmp = port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, port_file)   # readers never see a partial port
    try:
        srv.serve_forever(poll_interval=0.1)
    finally:
        srv.server_close()
    return 0
