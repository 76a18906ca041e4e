"""First-class Slack test doubles: a recording mock of the Slack Web API (which can inject 429s with
Retry-After, 500s and ``ok: false`` per method), a local Socket Mode server, signed-request helpers, and a
Bolt app served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SIGNING_SECRET = "test-signing-secret"

# The Slack front end's own SQLite file before the shared store (its last release's schema), for migration tests.
LEGACY_SCHEMA = [
    """CREATE TABLE slack_events (event_id TEXT PRIMARY KEY, received_at REAL NOT NULL,
        status TEXT NOT NULL DEFAULT 'done', claimed_at REAL, attempts INTEGER NOT NULL DEFAULT 0, pending TEXT)""",
    "CREATE TABLE slack_commands (digest TEXT PRIMARY KEY, received_at REAL NOT NULL)",
    """CREATE TABLE slack_audit (id INTEGER PRIMARY KEY, created_at REAL NOT NULL, user_id TEXT, channel_id TEXT,
        source TEXT NOT NULL, question_hash TEXT NOT NULL, cited_ids TEXT NOT NULL, latency_ms REAL,
        outcome TEXT NOT NULL, feedback TEXT)""",
]


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Fault:
    """One injected failure: an HTTP status (429 with ``Retry-After``, 500…), or HTTP 200 with ``ok: false``.
    ``body`` overrides the JSON error body (a 500 from a proxy is often HTML)."""

    status: int = 200
    error: str = "internal_error"
    retry_after: int | None = None
    body: str | None = None


def rate_limited(retry_after: int = 1) -> Fault:
    """HTTP 429 as Slack sends it."""
    return Fault(429, "ratelimited", retry_after)


SERVER_ERROR = Fault(500, "internal_error")
HTML_SERVER_ERROR = Fault(500, body="<html><body>502 Bad Gateway</body></html>")


def not_ok(error: str) -> Fault:
    """HTTP 200 with ``{"ok": false, "error": error}`` (e.g. ``channel_not_found``, ``cant_update_message``)."""
    return Fault(200, error)


@dataclass
class MockSlackApi:
    """Records every Web API call and answers like Slack would, or with the faults queued by ``inject``."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # every attempt, failed ones too
    responses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    faults: dict[str, list[Fault | None]] = field(default_factory=dict)
    received_at: list[float] = field(default_factory=list)  # wall-clock time of each call, for benchmarks
    socket_url: str = ""
    server: ThreadingHTTPServer | None = None
    _ts: int = 1000
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        """``SLACK_API_BASE_URL`` for the app under test."""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def start(self) -> MockSlackApi:
        """Serve on a free loopback port in a daemon thread."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                params = _parse(raw, self.headers.get("Content-Type", ""))
                method = self.path.rsplit("/", 1)[-1] if self.path.startswith("/api/") else "response_url"
                fault = api.next_fault(method)
                payload = api.record(method, params, fault)
                self._reply(payload, fault)

            def _reply(self, payload: dict[str, Any], fault: Fault | None) -> None:
                text = fault.body if fault is not None and fault.body is not None else json.dumps(payload)
                body = text.encode()
                self.send_response(fault.status if fault is not None else 200)
                self.send_header("Content-Type", "text/html" if fault and fault.body else "application/json")
                if fault is not None and fault.retry_after is not None:
                    self.send_header("Retry-After", str(fault.retry_after))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def inject(self, method: str, *faults: Fault | None) -> None:
        """Answer the next calls to ``method`` with ``faults``, one per call (None: normally), then normally."""
        with self._lock:
            self.faults.setdefault(method, []).extend(faults)

    def next_fault(self, method: str) -> Fault | None:
        """The fault for this call of ``method`` (None: answer normally)."""
        with self._lock:
            queue = self.faults.get(method)
            return queue.pop(0) if queue else None

    def record(self, method: str, params: dict[str, Any], fault: Fault | None = None) -> dict[str, Any]:
        """Remember the call; answer with what Slack returns for it (or the fault's error)."""
        with self._lock:
            self._ts += 1
            ts = f"{self._ts}.000100"
            answers: dict[str, dict[str, Any]] = {
                "auth.test": {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "bot",
                              "url": "https://example.slack.com/"},
                "chat.postMessage": {"ok": True, "channel": params.get("channel"), "ts": ts},
                "apps.connections.open": {"ok": True, "url": self.socket_url},
            }
            response = {"ok": False, "error": fault.error} if fault else answers.get(method, {"ok": True})
            self.calls.append((method, params))  # calls[i] and responses[i] always belong together
            self.responses.append((method, response))
            self.received_at.append(time.time())
        return response

    def wait_for(self, predicate: Callable[[list[tuple[str, dict[str, Any]]]], bool], timeout: float = 30) -> None:
        """Block until ``predicate(calls)`` holds (lazy listeners run after the HTTP ack)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                snapshot = list(self.calls)
            if predicate(snapshot):
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out; calls were: {[m for m, _ in self.calls]}")

    def of(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call to ``method`` (failed attempts included)."""
        with self._lock:
            return [p for m, p in self.calls if m == method]

    def succeeded(self, method: str) -> list[dict[str, Any]]:
        """The parameters of the calls to ``method`` that Slack accepted (what users see)."""
        with self._lock:
            pairs = zip(self.calls, self.responses, strict=True)
            return [params for (m, params), (_, response) in pairs if m == method and response.get("ok")]

    def stop(self) -> None:
        """Shut the server down."""
        if self.server:
            self.server.shutdown()


def _parse(raw: str, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        return json.loads(raw) if raw else {}
    params = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
    for key in ("blocks", "view"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params


def signed_headers(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET,
                   content_type: str = "application/json") -> dict[str, str]:
    """Headers Slack sends: a v0 HMAC-SHA256 signature over ``v0:timestamp:body``."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}", "Content-Type": content_type}


def event_body(event: dict[str, Any], event_id: str) -> str:
    """An Events API envelope."""
    return json.dumps({"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event})


LOAD_SCRIPT = """
import json, sys, threading, time, httpx
sys.path.insert(0, sys.argv[3])
from tests.slack_doubles import event_body, signed_headers
url, count = sys.argv[1], int(sys.argv[2])
results = [None] * count
gate = threading.Barrier(count)
def send(i):
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> which ISO controls cover 3.5.3?",
             "ts": f"17000{i:05d}.000100", "channel": f"C{i}"}
    body = event_body(event, f"EvLoad{i}-{time.time_ns()}")
    headers = signed_headers(body)
    with httpx.Client(timeout=30) as client:
        gate.wait()
        sent = time.time()
        client.post(url, content=body, headers=headers)
        results[i] = {"sent": sent, "ack_ms": (time.time() - sent) * 1000}
threads = [threading.Thread(target=send, args=(i,)) for i in range(count)]
[t.start() for t in threads]
[t.join() for t in threads]
print(json.dumps(results))
"""


def form_body(payload: dict[str, Any] | None = None, **fields: str) -> str:
    """A form-encoded body (slash commands; interactivity wraps a JSON ``payload``)."""
    data = dict(fields)
    if payload is not None:
        data["payload"] = json.dumps(payload)
    return urllib.parse.urlencode(data)


class UvicornThread:
    """An ASGI app served by a real uvicorn server on 127.0.0.1 in a background thread."""

    def __init__(self, asgi: Any):
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(asgi, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        """Bolt's default path."""
        return f"http://127.0.0.1:{self.port}/slack/events"

    def __enter__(self) -> UvicornThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class SocketModeServer:
    """A local websocket server that plays Slack's Socket Mode side: hello, then one events_api envelope;
    it records what the app sends back (the acknowledgement)."""

    def __init__(self, envelope: dict[str, Any]):
        self.envelope = envelope
        self.received: list[dict[str, Any]] = []
        self.port = free_port()
        self._stop: Any = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        """What apps.connections.open returns."""
        return f"ws://127.0.0.1:{self.port}/link"

    def _run(self) -> None:
        import asyncio

        import websockets

        async def handler(connection: Any) -> None:
            await connection.send(json.dumps({"type": "hello", "num_connections": 1,
                                              "connection_info": {"app_id": "A1"}}))
            await connection.send(json.dumps(self.envelope))
            async for message in connection:
                self.received.append(json.loads(message))

        async def main() -> None:
            loop = asyncio.get_running_loop()
            self._stop = loop.create_future()
            async with websockets.serve(handler, "127.0.0.1", self.port):
                await self._stop

        asyncio.run(main())

    def __enter__(self) -> SocketModeServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while self._stop is None and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._stop.get_loop().call_soon_threadsafe(self._stop.set_result, None)
        self.thread.join(timeout=5)


class ScriptedAssistant:
    """Stands in for ``Assistant``: answers every question with a numbered, cited answer (after ``delay``
    seconds) and counts the questions, so a test sees whether an answer was computed twice."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.questions: list[str] = []
        self._lock = threading.Lock()

    def ask(self, question: str, conversation_id: str | None = None, context: Any = None,
            remember: bool = True) -> Any:
        from assistant.agent import Answer, Citation

        with self._lock:
            self.questions.append(question)
            number = len(self.questions)
        time.sleep(self.delay)
        return Answer(text=f"ANSWER {number}: {question}", intent="lookup", confidence=0.9, citations=[
            Citation(id="3.1.1", framework="nist-800-171r2", title="Authorized Access Control",
                     source="NIST SP 800-171 Rev 2")])
