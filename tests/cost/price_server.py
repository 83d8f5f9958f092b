"""A tiny HTTP server on 127.0.0.1 that serves a price-file copy (:mod:`tests.cost.price_files`) as AWS's endpoint
serves its files, and misbehaves on the paths a test names: an HTTP status, a body that is not JSON, gzip, or no
answer at all. It records each path asked for, so that a test can count the reads."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Server:
    url: str
    faults: dict[str, object] = field(default_factory=dict)  # path -> 500 | "garbage" | "gzip" | "hang"
    asked: list[str] = field(default_factory=list)
    agents: set[str] = field(default_factory=set)
    hanging: threading.Event = field(default_factory=threading.Event)  # set once a request hangs
    released: threading.Event = field(default_factory=threading.Event)


@contextmanager
def serving(root: Path) -> Iterator[Server]:
    """Serve ``root`` (a copy laid out as AWS serves it) until the block ends; yields the :class:`Server`."""
    server: Server

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's name
            server.asked.append(self.path)
            server.agents.add(self.headers.get("User-Agent", ""))
            fault = server.faults.get(self.path)
            if fault == "hang":
                server.hanging.set()
                server.released.wait(30)
                return
            if isinstance(fault, int):
                return self.send_error(fault)
            file = root / self.path.lstrip("/")
            if not file.is_file():
                return self.send_error(404)
            body = b"<html>not JSON</html>" if fault == "garbage" else file.read_bytes()
            self.send_response(200)
            if fault == "gzip" and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body)
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server = Server(f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.released.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
