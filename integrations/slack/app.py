"""Build the Bolt app and run it: Socket Mode (default) or HTTP under uvicorn at ``/slack/events``.

While it runs, a sweeper thread delivers answers whose post failed, slash-command replies included (see
``delivery``): once at start-up and then every ``SWEEP_EVERY_S`` seconds."""

from __future__ import annotations

import json
import logging
import threading
import time
import weakref
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_sdk import WebClient

from assistant.agent import Assistant
from assistant.settings import Settings
from assistant.storage.slack import SlackStore, open_slack_store
from integrations.slack.delivery import retry_handlers
from integrations.slack.handlers import SlackFrontEnd

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 60.0
RETENTION_EVERY_S = 3600.0  # while the app runs, Slack records past `retention_days` are purged this often
MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are far smaller
_FRONT_ENDS: weakref.WeakKeyDictionary[App, SlackFrontEnd] = weakref.WeakKeyDictionary()


class SlackConfigError(ValueError):
    """A required Slack setting is missing; the message names it."""


def build_app(settings: Settings, assistant: Assistant, store: SlackStore | None = None,
              socket_mode: bool = False) -> App:
    """The Bolt app with every listener, its Web API client pointed at ``SLACK_API_BASE_URL``. Its records
    (dedupe, claims, audit) live in the shared database of ``settings.database_url`` unless ``store`` is given;
    a former ``data_dir/slack.sqlite3`` is carried forward into it on first start."""
    if not settings.slack_bot_token:
        raise SlackConfigError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…).")
    if not socket_mode and not settings.slack_signing_secret:
        raise SlackConfigError("SLACK_SIGNING_SECRET is not set; HTTP mode needs it to verify Slack's requests.")
    client = WebClient(token=settings.slack_bot_token, base_url=_base_url(settings.slack_api_base_url),
                       retry_handlers=retry_handlers())
    app = App(client=client, signing_secret=settings.slack_signing_secret or "socket-mode-does-not-sign",
              request_verification_enabled=not socket_mode, process_before_response=False)
    store = store or open_slack_store(settings.database_url, settings.data_dir, settings.retention_days)
    front_end = SlackFrontEnd(settings, assistant, store)
    front_end.register(app)
    _FRONT_ENDS[app] = front_end
    return app


class Sweeper:
    """A daemon thread that delivers open events nobody holds: at once, then every ``every`` seconds; and,
    when ``retention_days`` is set, purges older Slack records every ``RETENTION_EVERY_S`` seconds."""

    def __init__(self, app: App, every: float = SWEEP_EVERY_S, older_than: float | None = None):
        self.front_end, self.client, self.every = _FRONT_ENDS[app], app.client, every
        self.older_than = older_than if older_than is not None else self.front_end.store.lease_seconds
        self._purged_at = time.monotonic()  # the store was purged when it was opened
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="slack-sweeper", daemon=True)

    def start(self) -> Sweeper:
        """Start sweeping in the background."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop after the current sweep."""
        self._stop.set()
        self.thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                delivered = self.front_end.sweep(self.client, self.older_than)
                if delivered:
                    log.info("delivered %d answer(s) left open by failed posts", delivered)
                self._retain()
            except Exception:
                log.exception("the sweep of open Slack events failed; trying again later")
            self._stop.wait(self.every)

    def _retain(self) -> None:
        days = self.front_end.settings.retention_days
        if days is not None and time.monotonic() - self._purged_at >= RETENTION_EVERY_S:
            self._purged_at = time.monotonic()
            self.front_end.store.purge(days * 86_400)


def start_sweeper(app: App, every: float = SWEEP_EVERY_S) -> Sweeper:
    """Sweep ``app``'s open events in the background (the run functions below do this)."""
    return Sweeper(app, every).start()


def asgi_app(app: App) -> Any:
    """The ASGI application serving ``/slack/events`` (run it under uvicorn).

    Bolt's ASGI adapter runs a sync app's ``dispatch`` on the event loop, so concurrent deliveries would
    queue behind each other; dispatching in a worker thread keeps every acknowledgement immediate. A body
    that is not UTF-8, not JSON or form data of the shape Slack sends, or too large gets HTTP 400 (or 413)
    before Bolt sees it, so no malformed request reaches a listener or ends in a 500."""
    import asyncio

    from slack_bolt.adapter.asgi import SlackRequestHandler
    from slack_bolt.adapter.asgi.http_request import AsgiHttpRequest
    from slack_bolt.adapter.asgi.http_response import AsgiHttpResponse
    from slack_bolt.request import BoltRequest
    from slack_bolt.response import BoltResponse

    class ThreadedSlackRequestHandler(SlackRequestHandler):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await super().__call__(scope, receive, send)
                return
            try:
                request = AsgiHttpRequest(scope, receive)
                request.get_headers()
            except UnicodeDecodeError:
                response = AsgiHttpResponse(status=400, headers={"content-type": ["text/plain"]}, body="bad request")
            else:
                response = await self._get_http_response(scope["method"], scope["path"], request)
            await send(response.get_response_start())
            await send(response.get_response_body())

        async def dispatch(self, request: Any) -> Any:
            raw = await _read_body(request.receive)
            if raw is None:
                return BoltResponse(status=413, body="payload too large")
            body = _decode(raw, request.get_headers())
            if body is None:
                return BoltResponse(status=400, body="malformed request body")
            try:
                bolt_request = BoltRequest(body=body, query=request.query_string, headers=request.get_headers())
            except Exception:  # a well-formed body whose shape Bolt cannot read (e.g. "event" not an object)
                log.info("rejected a request Bolt cannot read")
                return BoltResponse(status=400, body="malformed request body")
            return await asyncio.to_thread(self.app.dispatch, bolt_request)

    return ThreadedSlackRequestHandler(app)


async def _read_body(receive: Any) -> bytes | None:
    chunks = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return bytes(chunks)
        chunks.extend(message.get("body", b""))
        if len(chunks) > MAX_BODY_BYTES:
            return None
        if not message.get("more_body", False):
            return bytes(chunks)


def _decode(raw: bytes, headers: dict[str, Any]) -> str | None:
    """The body as text when it is UTF-8 and parses the way Bolt will parse it into an object; else None."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text:
        return text
    content_type = str((headers.get("content-type") or [""])[0]).split(";")[0].strip()
    try:
        if content_type == "application/json" or text.startswith("{"):
            parsed: Any = json.loads(text)
        elif "payload" in text:
            form = dict(parse_qsl(text, keep_blank_values=True))
            parsed = json.loads(form["payload"]) if "payload" in form else {}
        else:
            parsed = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=False))
    except (ValueError, RecursionError):
        return None
    return text if isinstance(parsed, dict) and _shape_ok(parsed) else None


def _shape_ok(body: dict[str, Any]) -> bool:
    """The parts Bolt's matchers index into without checking: an event is an object, actions are objects
    with an ``action_id``."""
    if "event" in body and not isinstance(body["event"], dict):
        return False
    actions = body.get("actions", [])
    return isinstance(actions, list) and all(isinstance(a, dict) and isinstance(a.get("action_id"), str)
                                             for a in actions)


def run_http(app: App, host: str, port: int) -> None:
    """Serve HTTP mode until interrupted (with the sweeper running)."""
    import uvicorn

    sweeper = start_sweeper(app)
    try:
        uvicorn.run(asgi_app(app), host=host, port=port, log_level="info")
    finally:
        sweeper.stop()


def socket_mode_handler(app: App, settings: Settings) -> Any:
    """The Socket Mode handler (connects out to Slack; no public URL needed); its ``start()`` also runs the
    sweeper."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    if not settings.slack_app_token:
        raise SlackConfigError("SLACK_APP_TOKEN is not set (the app-level token, xapp-…, for Socket Mode).")
    web_client = WebClient(token=settings.slack_app_token, base_url=_base_url(settings.slack_api_base_url),
                           retry_handlers=retry_handlers())

    class SweepingSocketModeHandler(SocketModeHandler):
        def start(self) -> None:  # the blocking run `compliance-assistant slack` uses
            sweeper = start_sweeper(app)
            try:
                super().start()  # type: ignore[no-untyped-call]
            finally:
                sweeper.stop()

    return SweepingSocketModeHandler(app, settings.slack_app_token, web_client=web_client)


def _base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"
