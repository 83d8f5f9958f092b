"""A fault-injecting HTTP proxy on 127.0.0.1, in front of the emulator: lost answers, errors, slow answers.

Test support, not product. It shows how a client copes with what a real network and a real AWS do
now and then, which the emulator alone never does::

    with faulty(emulator_endpoint) as proxy:           # proxy.endpoint: "http://127.0.0.1:PORT"
        proxy.lose_answer("CreateChangeSet")           # the emulator acts, the answer never arrives
        proxy.answer_error("DescribeStacks", 400, "Throttling", "Rate exceeded", times=2)
        proxy.answer_error("SetStackPolicy", 403, "AccessDenied", "...", skip=1)  # the second one
        proxy.answer_status("DescribeStacks", 503)     # a bare 503, as from a load balancer
        proxy.delay("ExecuteChangeSet", 0.3)           # the emulator acts, the answer comes late
        proxy.answer_status("DescribeStacks", 200, body=b"<html>...</html>")  # a captive portal's page
        proxy.die_after("ExecuteChangeSet")            # the emulator acts, then the endpoint is gone for good
        ...
        proxy.calls                                    # ["DescribeStacks", "CreateChangeSet", ...]

In a test, :func:`proxied` also points ``AWS_ENDPOINT_URL`` at the proxy (use it after the ``aws``
fixture, which points it at the emulator)::

    def test_x(aws, monkeypatch):
        with proxied(aws, monkeypatch) as proxy:
            proxy.lose_answer("ExecuteChangeSet")
            ...

A request's *action* is the ``Action`` of a query-protocol request (CloudFormation, STS, EC2: in the
form body or the query string), the operation of ``X-Amz-Target`` for JSON protocols (Kinesis,
Logs: ``ListStreams``), or ``METHOD /path`` for REST (S3: ``PUT /bucket/key``). Faults name actions
exactly or as a shell pattern (``"PUT /iotstack-templates/*"``, ``"*"``); each applies ``times``
times, first registered first. Delays add to another fault; at most one of the others answers.

A lost answer: the request is forwarded, the emulator acts, its answer is read and thrown away,
and the client's connection is closed without a byte: botocore raises ``ConnectionClosedError``
("Connection was closed before we received a valid response") and retries it like any dropped
connection. An error answer never reaches the emulator; it is formatted for the request's
protocol (XML for query and REST, JSON for JSON), so botocore parses its code and message.

Requests and answers pass through unchanged, headers included but for the hop-by-hop ones
(``Host`` stays the one the client signed, so the signature still matches what arrives); bodies
sent chunked or with a length are forwarded with a length, ``Expect: 100-continue`` is answered;
keep-alive connections are served request after request. Only loopback on both sides.
"""

from __future__ import annotations

import fnmatch
import http.client
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

_LOOPBACK = {"127.0.0.1", "localhost"}
# Headers that belong to one connection, never forwarded (RFC 9110 7.6.1), and the ones the proxy
# recomputes (the body's length, and Expect: the proxy has answered the 100-continue itself).
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
               "trailer", "transfer-encoding", "upgrade", "expect", "content-length"}  # fmt: skip
# How long the proxy waits for the emulator (a change set of a whole stack runs synchronously).
_UPSTREAM_TIMEOUT = 120


@dataclass
class Fault:
    """One fault: what it does, to which actions, how many more times."""

    kind: str  # "lose", "error", "status", "delay", "die" (then "cut" for every request after)
    pattern: str
    times: int
    status: int = 0
    code: str = ""
    message: str = ""
    seconds: float = 0.0
    body: bytes = b""
    skip: int = 0  # matching requests let through before the fault applies

    def __str__(self) -> str:
        what = {"lose": "lose the answer", "error": f"answer {self.status} {self.code}",
                "status": f"answer {self.status}", "delay": f"delay {self.seconds:g}s",
                "die": "act, then die", "cut": "cut"}[self.kind]  # fmt: skip
        return f"{what} to {self.pattern} ({self.times} more)"


class FaultyProxy:
    """The proxy's controls and record; use it through :func:`faulty`."""

    def __init__(self, upstream: str):
        parts = urlsplit(upstream)
        if parts.scheme != "http" or parts.hostname not in _LOOPBACK or not parts.port:
            raise ValueError(f"the proxy forwards only to http://127.0.0.1:PORT, not {upstream}")
        self.upstream = (parts.hostname, parts.port)
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._calls: list[str] = []
        self._dead = False
        self._connections = 0
        self._server = _Server(self)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def calls(self) -> list[str]:
        """Every request's action, in the order they arrived (faulted ones too)."""
        with self._lock:
            return list(self._calls)

    @property
    def connections(self) -> int:
        """How many client connections the proxy has accepted."""
        with self._lock:
            return self._connections

    def lose_answer(self, action: str, times: int = 1) -> None:
        """Forward the request, let the emulator act, then close the connection without answering."""
        self._add(Fault("lose", action, times))

    def answer_error(self, action: str, status: int = 400, code: str = "Throttling", message: str = "Rate exceeded",
                     times: int = 1, skip: int = 0) -> None:  # fmt: skip
        """Answer with an AWS error (the request never reaches the emulator); the first ``skip`` such
        requests pass."""
        self._add(Fault("error", action, times, status=status, code=code, message=message, skip=skip))

    def answer_status(self, action: str, status: int, times: int = 1, body: bytes = b"") -> None:
        """Answer with a bare HTTP status and ``body`` (text/html when it is a page; else none): what a
        load balancer, a captive portal or a web server at a wrong address answers. The request never
        reaches the emulator."""
        self._add(Fault("status", action, times, status=status, body=body))

    def die_after(self, action: str) -> None:
        """Forward ``action`` (the emulator acts), lose its answer, and cut every request after it: the
        endpoint is gone for good, as when a network drops after AWS did the work."""
        self._add(Fault("die", action, 1))

    def delay(self, action: str, seconds: float, times: int = 1) -> None:
        """Let the emulator act, then hold its answer back for ``seconds``."""
        self._add(Fault("delay", action, times, seconds=seconds))

    def unused(self) -> list[str]:
        """The faults not used up yet, described (a test can assert that its faults were met)."""
        with self._lock:
            return [str(f) for f in self._faults if f.times > 0]

    def reset(self) -> None:
        """Forget every fault and every call."""
        with self._lock:
            self._faults.clear()
            self._calls.clear()

    def _add(self, fault: Fault) -> None:
        if fault.times < 1:
            raise ValueError(f"times must be at least 1: {fault}")
        with self._lock:
            self._faults.append(fault)

    def _take(self, action: str) -> tuple[float, Fault | None]:
        """Record the call; return the delay for it and the fault that answers it, if any."""
        with self._lock:
            self._calls.append(action)
            if self._dead:
                return 0.0, Fault("cut", "*", 1)
            delay, answer = 0.0, None
            for fault in self._faults:
                if fault.times < 1 or not fnmatch.fnmatchcase(action, fault.pattern):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                if fault.kind == "delay":
                    delay += fault.seconds
                elif answer is None:
                    answer = fault
                    self._dead = fault.kind == "die"
                else:
                    continue
                fault.times -= 1
            return delay, answer

    def _connected(self) -> None:
        with self._lock:
            self._connections += 1


@contextmanager
def faulty(upstream: str) -> Iterator[FaultyProxy]:
    """Run a proxy on a free port of 127.0.0.1 in front of ``upstream``; yield its controls."""
    proxy = FaultyProxy(upstream)
    thread = threading.Thread(target=proxy._server.serve_forever, args=(0.05,), name="faulty-proxy", daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy._server.shutdown()
        proxy._server.close_connections()
        proxy._server.server_close()
        thread.join(timeout=5)


@contextmanager
def proxied(endpoint: str, monkeypatch) -> Iterator[FaultyProxy]:
    """In a test: a proxy in front of ``endpoint`` (the ``aws`` fixture's), with ``AWS_ENDPOINT_URL``
    pointing at it until the block ends."""
    before = os.environ.get("AWS_ENDPOINT_URL")
    with faulty(endpoint) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
        try:
            yield proxy
        finally:
            if before is None:
                monkeypatch.delenv("AWS_ENDPOINT_URL")
            else:
                monkeypatch.setenv("AWS_ENDPOINT_URL", before)


def action_of(method: str, path: str, headers, body: bytes) -> str:
    """The request's action: see the module's docstring."""
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    parts = urlsplit(path)
    action = parse_qs(parts.query).get("Action")
    if not action and "x-www-form-urlencoded" in headers.get("Content-Type", ""):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
    return action[0] if action else f"{method} {unquote(parts.path)}"


def error_body(fault: Fault, method: str, path: str, headers) -> tuple[str, bytes]:
    """The content type and body of an AWS error in the protocol of the request."""
    request_id = str(uuid.uuid4())
    if headers.get("X-Amz-Target"):
        kind = headers.get("Content-Type", "")
        kind = kind if kind.startswith("application/x-amz-json") else "application/x-amz-json-1.1"
        return kind, json.dumps({"__type": fault.code, "message": fault.message}).encode()
    if not action_of(method, path, headers, b"").startswith(f"{method} ") or "x-www-form-urlencoded" in headers.get(
        "Content-Type", ""
    ):  # query protocol
        error = f"<Error><Type>Sender</Type><Code>{fault.code}</Code><Message>{fault.message}</Message></Error>"
        return "text/xml", f"<ErrorResponse>{error}<RequestId>{request_id}</RequestId></ErrorResponse>".encode()
    error = f"<Code>{fault.code}</Code><Message>{fault.message}</Message><RequestId>{request_id}</RequestId>"
    return "application/xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{error}</Error>'.encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, proxy: FaultyProxy):
        self.proxy = proxy
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request, client_address):
        with self._open_lock:
            self._open.add(request)
        self.proxy._connected()
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Close the keep-alive connections still open, so their threads end with the proxy."""
        with self._open_lock:
            for request in list(self._open):
                with suppress(OSError):
                    request.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    server: _Server

    def do_GET(self) -> None:  # http.server's naming
        self._relay()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

    def log_message(self, format, *args) -> None:
        pass  # the test's output is what a reader should see

    def _relay(self) -> None:
        proxy = self.server.proxy
        body = self._read_body()
        delay, fault = proxy._take(action_of(self.command, self.path, self.headers, body))
        try:
            if fault is not None and fault.kind == "cut":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)  # not a byte, and the emulator never sees it
                return
            if fault is not None and fault.kind in ("error", "status"):
                time.sleep(delay)
                if fault.kind == "error":
                    kind, payload = error_body(fault, self.command, self.path, self.headers)
                else:
                    kind, payload = ("text/html" if fault.body else "text/plain"), fault.body
                self._answer(fault.status, None, [("Content-Type", kind)], payload)
                return
            status, reason, headers, payload = self._forward(body)
            time.sleep(delay)
            if fault is not None and fault.kind in ("lose", "die"):
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)  # not a byte of the answer
                return
            self._answer(status, reason, headers, payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout): nothing to answer to

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers, up to the blank line
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after the chunk
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _forward(self, body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        host, port = self.server.proxy.upstream
        upstream = http.client.HTTPConnection(host, port, timeout=_UPSTREAM_TIMEOUT)
        try:
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():  # Host included: the one the client signed
                if name.lower() not in _HOP_BY_HOP:
                    upstream.putheader(name, value)
            if body or self.command in ("POST", "PUT", "PATCH"):
                upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body or None)
            answer = upstream.getresponse()
            payload = answer.read()
            return answer.status, answer.reason, answer.getheaders(), payload
        finally:
            upstream.close()

    def _answer(self, status: int, reason: str | None, headers: list[tuple[str, str]], payload: bytes) -> None:
        self.send_response_only(status, reason)
        length = str(len(payload))
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
            elif name.lower() == "content-length" and self.command == "HEAD":
                length = value  # the length a GET would have, as the emulator said
        self.send_header("Content-Length", length)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()
