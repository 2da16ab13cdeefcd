"""A server that breaks the contract, for scripts/client-check to prove that Prism's proxy
catches what it is there to catch: GET /api/v1/health/live answers {"status": "not ok"}
(the contract says "ok"). Serves on 127.0.0.1:PORT until killed.

    python tests/clients/broken_upstream.py PORT
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class BrokenHealth(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"status": "not ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(sys.argv[1])), BrokenHealth).serve_forever()
