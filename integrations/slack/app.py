"""Build the Bolt app and run it: Socket Mode (default) or HTTP under uvicorn at ``/slack/events``."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from assistant.agent import Assistant
from assistant.settings import Settings
from integrations.slack.handlers import SlackFrontEnd
from integrations.slack.store import SlackStore


class SlackConfigError(ValueError):
    """A required Slack setting is missing; the message names it."""


def build_app(settings: Settings, assistant: Assistant, store: SlackStore | None = None,
              socket_mode: bool = False) -> App:
    """The Bolt app with every listener, its Web API client pointed at ``SLACK_API_BASE_URL``."""
    if not settings.slack_bot_token:
        raise SlackConfigError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…).")
    if not socket_mode and not settings.slack_signing_secret:
        raise SlackConfigError("SLACK_SIGNING_SECRET is not set; HTTP mode needs it to verify Slack's requests.")
    client = WebClient(token=settings.slack_bot_token, base_url=_base_url(settings.slack_api_base_url))
    app = App(client=client, signing_secret=settings.slack_signing_secret or "socket-mode-does-not-sign",
              request_verification_enabled=not socket_mode, process_before_response=False)
    SlackFrontEnd(settings, assistant, store or SlackStore(settings.data_dir / "slack.sqlite3")).register(app)
    return app


def asgi_app(app: App) -> Any:
    """The ASGI application serving ``/slack/events`` (run it under uvicorn).

    Bolt's ASGI adapter runs a sync app's ``dispatch`` on the event loop, so concurrent deliveries would
    queue behind each other; dispatching in a worker thread keeps every acknowledgement immediate."""
    import asyncio

    from slack_bolt.adapter.asgi import SlackRequestHandler
    from slack_bolt.request import BoltRequest

    class ThreadedSlackRequestHandler(SlackRequestHandler):
        async def dispatch(self, request: Any) -> Any:
            bolt_request = BoltRequest(body=await request.get_raw_body(), query=request.query_string,
                                       headers=request.get_headers())
            return await asyncio.to_thread(self.app.dispatch, bolt_request)

    return ThreadedSlackRequestHandler(app)


def run_http(app: App, host: str, port: int) -> None:
    """Serve HTTP mode until interrupted."""
    import uvicorn

    uvicorn.run(asgi_app(app), host=host, port=port, log_level="info")


def socket_mode_handler(app: App, settings: Settings) -> Any:
    """The Socket Mode handler (connects out to Slack; no public URL needed)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    if not settings.slack_app_token:
        raise SlackConfigError("SLACK_APP_TOKEN is not set (the app-level token, xapp-…, for Socket Mode).")
    web_client = WebClient(token=settings.slack_app_token, base_url=_base_url(settings.slack_api_base_url))
    return SocketModeHandler(app, settings.slack_app_token, web_client=web_client)


def _base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"
