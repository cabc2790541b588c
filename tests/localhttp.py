"""A JSON server on 127.0.0.1 for tests that replay a web service (never the network)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextlib.contextmanager
def json_server(answer: Callable[[str], object | None]):
    """Serve ``answer(path)`` as JSON, or as is if bytes (404 when it returns None); yield (base URL, requested paths)."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            requests.append(self.path)
            payload = answer(self.path)
            if payload is None:
                self.send_response(404)
                self.end_headers()
                return
            raw = isinstance(payload, bytes)  # a file, served as is
            body = payload if raw else json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/csv" if raw else "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", requests
    finally:
        server.shutdown()
        server.server_close()
