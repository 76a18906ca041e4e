"""Hostile or careless requests over real HTTP: a replayed slash command, feedback from someone else or on
an unknown answer, malformed bodies (400, never 500, no traceback), and a tool's own clear message."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from assistant.storage.slack import SlackStore
from integrations.slack.handlers import NOT_YOURS, THANKS
from tests.slack_doubles import (
    SIGNING_SECRET,
    MockSlackApi,
    ScriptedAssistant,
    UvicornThread,
    event_body,
    form_body,
    signed_headers,
)

FORM = "application/x-www-form-urlencoded"


def _post(server: UvicornThread, body: str | bytes, content_type: str = "application/json",
          signed: bool = True) -> httpx.Response:
    headers = {"Content-Type": content_type}
    if signed and isinstance(body, str):
        headers = signed_headers(body, content_type=content_type)
    elif signed:  # a valid signature over bytes that are not UTF-8
        ts = str(int(time.time()))
        digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
        headers.update({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"})
    return httpx.post(server.url, content=body, headers=headers, timeout=10)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def server_logs() -> Iterator[_Records]:
    """Every log record of the app and of uvicorn (which does not propagate to the root logger)."""
    handler = _Records()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn.error"), logging.getLogger("uvicorn")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


def _command(text: str, trigger: str, url: str, user: str = "U1") -> str:
    return form_body(command="/compliance", text=text, user_id=user, channel_id="C1", response_url=url,
                     trigger_id=trigger, team_id="T1")


@pytest.mark.slow
def test_a_replayed_slash_command_is_not_answered_again(slack_api: MockSlackApi, slack_settings: Settings,
                                                        make_slack_server: Callable[..., UvicornThread]) -> None:
    url = slack_api.base_url.replace("/api/", "/respond/replay")
    body = _command("ask what does 3.1.1 require?", "trig-1", url)
    headers = signed_headers(body, content_type=FORM)
    assistant = ScriptedAssistant()
    with make_slack_server(slack_settings, assistant=assistant) as server:
        first = httpx.post(server.url, content=body, headers=headers, timeout=10)
        slack_api.wait_for(lambda calls: any(m == "response_url" for m, _ in calls))
        replay = httpx.post(server.url, content=body, headers=headers, timeout=10)  # same bytes, same signature
        with make_slack_server(slack_settings, assistant=assistant) as other_instance:
            replay_elsewhere = httpx.post(other_instance.url, content=body, headers=headers, timeout=10)
            time.sleep(1.0)
        fresh = _command("ask what does 3.1.1 require?", "trig-2", url)  # the user runs it again: answered
        assert _post(server, fresh, FORM).status_code == 200
        slack_api.wait_for(lambda calls: sum(m == "response_url" for m, _ in calls) == 2)
    assert first.status_code == 200 and "Working on it" in first.text
    assert replay.status_code == 200 and "Working on it" not in replay.text
    assert replay_elsewhere.status_code == 200 and "Working on it" not in replay_elsewhere.text
    assert len(assistant.questions) == 2 and len(slack_api.of("response_url")) == 2


@pytest.mark.slow
def test_score_with_an_unknown_id_replies_with_the_tools_message(
        slack_api: MockSlackApi, slack_settings: Settings, make_slack_server: Callable[..., UvicornThread]) -> None:
    url = slack_api.base_url.replace("/api/", "/respond/score")
    with make_slack_server(slack_settings) as server:
        assert _post(server, _command("score 3.99.1", "trig-score", url), FORM).status_code == 200
        slack_api.wait_for(lambda calls: any(m == "response_url" for m, _ in calls))
    text = slack_api.of("response_url")[0]["text"]
    assert "3.99.1 is not a NIST SP 800-171 Rev 2 requirement" in text and "something went wrong" not in text


@pytest.mark.slow
def test_feedback_is_bound_to_the_asker_and_a_known_answer(slack_api: MockSlackApi, slack_settings: Settings,
                                                           make_slack_server: Callable[..., UvicornThread]) -> None:
    mention = {"type": "app_mention", "user": "U1", "text": "<@UBOT> what does 3.1.1 require?",
               "ts": "1700000800.000100", "channel": "C1"}

    def click(server: UvicornThread, user: str, value: str, action: str = "feedback_wrong") -> None:
        payload = {"type": "block_actions", "trigger_id": "t", "user": {"id": user}, "channel": {"id": "C1"},
                   "team": {"id": "T1"}, "message": {"ts": "1700000801.000100"}, "response_url": slack_api.base_url,
                   "actions": [{"action_id": action, "value": value, "block_id": "b", "type": "button"}]}
        assert _post(server, form_body(payload), FORM).status_code == 200

    with make_slack_server(slack_settings, assistant=ScriptedAssistant()) as server:
        assert _post(server, event_body(mention, "EvFeedback")).status_code == 200
        slack_api.wait_for(lambda calls: any(m == "chat.update" for m, _ in calls))
        audit_id = str(SlackStore(slack_settings.database_url).rows()[0]["id"])
        buttons = next(b for b in slack_api.of("chat.update")[0]["blocks"] if b["type"] == "actions")["elements"]
        assert {b["value"] for b in buttons if b["action_id"].startswith("feedback")} == {audit_id}
        for n, (user, value) in enumerate([("U2", audit_id), ("U1", "9999"), ("U1", "not-a-number"),
                                           ("U1", audit_id)], start=1):
            click(server, user, value, "feedback_helpful" if user == "U1" and value == audit_id else "feedback_wrong")
            slack_api.wait_for(lambda calls, n=n: sum(m == "chat.postEphemeral" for m, _ in calls) == n)
    replies = [(p["user"], p["text"]) for p in slack_api.of("chat.postEphemeral")]
    assert replies == [("U2", NOT_YOURS), ("U1", NOT_YOURS), ("U1", NOT_YOURS), ("U1", THANKS)]
    assert SlackStore(slack_settings.database_url).rows()[0]["feedback"] == "helpful"


MALFORMED: list[tuple[str, str | bytes, str]] = [
    ("truncated JSON", '{"type": "event_callback", "event": {', "application/json"),
    ("JSON list", "[1, 2, 3]", "application/json"),
    ("JSON string", '"event_callback"', "application/json"),
    ("JSON number", "42", "application/json"),
    ("deeply nested JSON", "{" + '"a":[' * 50_000 + "]" * 50_000 + "}", "application/json"),
    ("not UTF-8", b'{"type": "event_callback", "x": "\xff\xfe"}', "application/json"),
    ("form with a broken payload", "payload=%7B%22type%22%3A", FORM),
    ("form with a list payload", "payload=%5B1%2C2%5D", FORM),
    ("event that is not an object", '{"type": "event_callback", "event_id": "EvX", "event": "mention"}',
     "application/json"),
]


@pytest.mark.slow
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_malformed_bodies_get_400_without_a_traceback(slack_api: MockSlackApi, slack_settings: Settings,
                                                      make_slack_server: Callable[..., UvicornThread],
                                                      server_logs: _Records, signed: bool) -> None:
    with make_slack_server(slack_settings, assistant=ScriptedAssistant()) as server:
        statuses = {name: _post(server, body, content_type, signed).status_code for name, body, content_type
                    in MALFORMED}
        time.sleep(0.3)
    assert statuses == {name: 400 for name, _, _ in MALFORMED}
    assert [m for m, _ in slack_api.calls if m != "auth.test"] == []
    tracebacks = [r.getMessage() for r in server_logs.records if r.exc_info or "Traceback" in r.getMessage()]
    assert tracebacks == []


@pytest.mark.slow
def test_weird_but_well_formed_shapes_are_not_server_errors(slack_api: MockSlackApi, slack_settings: Settings,
                                                            make_slack_server: Callable[..., UvicornThread]) -> None:
    bodies: list[dict[str, Any]] = [
        {"type": "event_callback", "event_id": "EvW1", "event": {"type": 5}},
        {"type": "event_callback", "event_id": "EvW2", "event": {"type": "app_mention", "text": ["x"]}},
        {"type": "block_actions", "actions": "x"},
        {"type": "block_actions", "actions": [{"value": "1"}]},
        {"type": "url_verification", "challenge": {"a": 1}},
    ]
    with make_slack_server(slack_settings, assistant=ScriptedAssistant()) as server:
        statuses = [_post(server, json.dumps(b)).status_code for b in bodies]
    assert all(s < 500 for s in statuses), statuses
