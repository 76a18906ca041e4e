"""Socket Mode end to end: apps.connections.open on the mock Web API hands out a ws:// URL served
locally; the pushed events_api envelope is acknowledged and the answer is posted."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from assistant.settings import Settings
from assistant.storage.slack import SlackStore
from integrations.slack.app import build_app, socket_mode_handler
from tests.slack_doubles import MockSlackApi, SocketModeServer


@pytest.mark.slow
def test_socket_mode_envelope_is_acknowledged_and_answered(slack_api: MockSlackApi, slack_settings: Settings,
                                                           make_assistant: Callable[..., Any]) -> None:
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> what does 3.1.1 require?",
             "ts": "1700000100.000100", "channel": "C1"}
    envelope = {"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False,
                "payload": {"type": "event_callback", "event_id": "EvSock1", "team_id": "T1", "api_app_id": "A1",
                            "event": event}}
    assistant = make_assistant(slack_settings)
    with SocketModeServer(envelope) as server:
        slack_api.socket_url = server.url
        settings = slack_settings.model_copy(update={"slack_signing_secret": None})
        app = build_app(settings, assistant, SlackStore(settings.database_url), socket_mode=True)
        handler = socket_mode_handler(app, settings)
        handler.connect()
        try:
            slack_api.wait_for(lambda calls: any(m == "chat.update" for m, _ in calls))
            deadline = time.monotonic() + 10
            while not any(r.get("envelope_id") == "env-1" for r in server.received) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            handler.close()
    assert any(r.get("envelope_id") == "env-1" for r in server.received), server.received
    assert slack_api.of("apps.connections.open")
    update = slack_api.of("chat.update")[0]
    assert "Authorized Access Control" in update["text"]
    assert slack_api.of("chat.postMessage")[0]["thread_ts"] == "1700000100.000100"
