"""Slack never loses an answer and never gives it twice: the mock Web API injects 429 (with Retry-After),
500 and ``ok: false`` on chat.postMessage and chat.update; retries, the sweep, a retry during processing
and a second instance all end with the answer visible exactly once and computed exactly once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from assistant.storage.slack import SlackStore
from integrations.slack.app import Sweeper, asgi_app, build_app
from tests.slack_doubles import (
    HTML_SERVER_ERROR,
    SERVER_ERROR,
    MockSlackApi,
    ScriptedAssistant,
    UvicornThread,
    event_body,
    form_body,
    not_ok,
    rate_limited,
    signed_headers,
)

MENTION = {"type": "app_mention", "user": "U1", "text": "<@UBOT> what does 3.1.1 require?",
           "ts": "1700000700.000100", "channel": "C1"}


@pytest.fixture
def serve(slack_settings: Settings) -> Iterator[Callable[[ScriptedAssistant], UvicornThread]]:
    """Serve a Bolt app over the scripted assistant (each call: a new instance on the same database)."""
    servers: list[UvicornThread] = []

    def make(assistant: ScriptedAssistant) -> UvicornThread:
        app = build_app(slack_settings, assistant, SlackStore(slack_settings.database_url))  # type: ignore[arg-type]
        server = UvicornThread(asgi_app(app))
        servers.append(server)
        return server.__enter__()

    yield make
    for server in servers:
        server.__exit__(None, None, None)


def _post(server: UvicornThread, body: str, **extra: str) -> httpx.Response:
    return httpx.post(server.url, content=body, headers={**signed_headers(body), **extra}, timeout=10)


def _visible(api: MockSlackApi) -> list[dict[str, Any]]:
    """Answers users can see: accepted posts and accepted updates that carry an answer."""
    return [p for p in api.succeeded("chat.postMessage") + api.succeeded("chat.update")
            if str(p.get("text", "")).startswith("ANSWER")]


def _wait_visible(api: MockSlackApi, settle: float = 1.0) -> None:
    api.wait_for(lambda _: bool(_visible(api)), timeout=40)
    time.sleep(settle)  # anything that would deliver twice has had its chance


def _done(settings: Settings, event_id: str) -> bool:
    store = SlackStore(settings.database_url)
    return store.pending(event_id) is None and not store.claim_event(event_id)


@pytest.mark.slow
def test_rate_limits_and_server_errors_are_retried(slack_api: MockSlackApi, slack_settings: Settings,
                                                   serve: Callable[[ScriptedAssistant], UvicornThread]) -> None:
    slack_api.inject("chat.postMessage", rate_limited(1), SERVER_ERROR)  # the placeholder: 429, then 500
    slack_api.inject("chat.update", SERVER_ERROR, rate_limited(0))
    assistant = ScriptedAssistant()
    server = serve(assistant)
    assert _post(server, event_body(MENTION, "EvRetry429")).status_code == 200
    _wait_visible(slack_api)
    assert len(_visible(slack_api)) == 1 and len(assistant.questions) == 1
    assert len(slack_api.of("chat.postMessage")) == 3 and len(slack_api.of("chat.update")) == 3
    placeholder_ts = next(r["ts"] for m, r in slack_api.responses if m == "chat.postMessage" and r["ok"])
    assert slack_api.succeeded("chat.update")[0]["ts"] == placeholder_ts  # "Working on it…" was replaced
    assert _done(slack_settings, "EvRetry429")


@pytest.mark.slow
def test_placeholder_that_cannot_be_posted_still_gets_the_answer(
        slack_api: MockSlackApi, slack_settings: Settings, serve: Callable[[ScriptedAssistant], UvicornThread]) -> None:
    slack_api.inject("chat.postMessage", HTML_SERVER_ERROR, HTML_SERVER_ERROR, HTML_SERVER_ERROR)  # 1 + 2 retries
    assistant = ScriptedAssistant()
    server = serve(assistant)
    assert _post(server, event_body(MENTION, "EvNoPlaceholder")).status_code == 200
    _wait_visible(slack_api)
    posted = slack_api.succeeded("chat.postMessage")
    assert len(_visible(slack_api)) == 1 and len(posted) == 1 and posted[0]["thread_ts"] == MENTION["ts"]
    assert slack_api.of("chat.update") == [] and _done(slack_settings, "EvNoPlaceholder")


@pytest.mark.slow
def test_placeholder_that_cannot_be_updated_is_replaced_by_a_new_message(
        slack_api: MockSlackApi, slack_settings: Settings, serve: Callable[[ScriptedAssistant], UvicornThread]) -> None:
    slack_api.inject("chat.update", not_ok("cant_update_message"))
    server = serve(ScriptedAssistant())
    assert _post(server, event_body(MENTION, "EvNoUpdate")).status_code == 200
    _wait_visible(slack_api)
    placeholder, answer = slack_api.succeeded("chat.postMessage")
    assert placeholder["text"] == "Working on it…" and answer["text"].startswith("ANSWER")
    assert answer["thread_ts"] == MENTION["ts"] and answer["blocks"]
    assert len(_visible(slack_api)) == 1 and len(slack_api.of("chat.delete")) == 1
    assert _done(slack_settings, "EvNoUpdate")


@pytest.mark.slow
def test_a_failed_post_stays_open_and_slacks_retry_delivers_it_once(
        slack_api: MockSlackApi, slack_settings: Settings, serve: Callable[[ScriptedAssistant], UvicornThread]) -> None:
    slack_api.inject("chat.update", not_ok("message_not_found"))
    slack_api.inject("chat.postMessage", None, not_ok("not_in_channel"))  # placeholder fine, answer refused
    assistant = ScriptedAssistant()
    server = serve(assistant)
    body = event_body(MENTION, "EvOpen")
    assert _post(server, body).status_code == 200
    slack_api.wait_for(lambda calls: sum(m == "chat.postMessage" for m, _ in calls) == 2)
    time.sleep(0.5)
    assert _visible(slack_api) == []
    store = SlackStore(slack_settings.database_url)
    assert (store.pending("EvOpen") or {}).get("text", "").startswith("ANSWER")  # kept for the redelivery
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert _post(server, body, **retry).status_code == 200
    _wait_visible(slack_api)
    assert _post(server, body, **{**retry, "X-Slack-Retry-Num": "2"}).status_code == 200
    time.sleep(1.0)
    assert len(_visible(slack_api)) == 1 and len(assistant.questions) == 1  # delivered once, computed once
    assert len(store.rows()) == 1 and _done(slack_settings, "EvOpen")


@pytest.mark.slow
def test_the_sweep_delivers_what_a_failed_post_left_open(
        slack_api: MockSlackApi, slack_settings: Settings, serve: Callable[[ScriptedAssistant], UvicornThread]) -> None:
    slack_api.inject("chat.update", SERVER_ERROR, SERVER_ERROR, SERVER_ERROR)
    slack_api.inject("chat.postMessage", None, SERVER_ERROR, SERVER_ERROR, SERVER_ERROR)
    assistant = ScriptedAssistant()
    server = serve(assistant)
    assert _post(server, event_body(MENTION, "EvSweep")).status_code == 200
    slack_api.wait_for(lambda calls: sum(m == "chat.postMessage" for m, _ in calls) == 4)
    time.sleep(0.5)
    assert _visible(slack_api) == []
    restarted = build_app(slack_settings, assistant, SlackStore(slack_settings.database_url))  # type: ignore[arg-type]
    sweepers = [Sweeper(restarted, every=0.2).start() for _ in range(3)]  # three sweeping threads at once
    try:
        _wait_visible(slack_api)
    finally:
        [s.stop() for s in sweepers]
    assert len(_visible(slack_api)) == 1 and len(assistant.questions) == 1
    assert _done(slack_settings, "EvSweep")


@pytest.mark.slow
def test_a_retry_while_the_first_delivery_is_working_is_not_answered(
        slack_api: MockSlackApi, slack_settings: Settings, serve: Callable[[ScriptedAssistant], UvicornThread]) -> None:
    first, second = ScriptedAssistant(delay=2.0), ScriptedAssistant()
    server, other_instance = serve(first), serve(second)
    body = event_body(MENTION, "EvBusy")
    assert _post(server, body).status_code == 200
    time.sleep(0.5)  # the first worker holds the claim and is computing
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert _post(server, body, **retry).status_code == 200
    assert _post(other_instance, body, **retry).status_code == 200
    _wait_visible(slack_api, settle=1.5)
    assert len(_visible(slack_api)) == 1 and len(first.questions) + len(second.questions) == 1
    assert len(slack_api.of("chat.postMessage")) == 1  # one placeholder


def test_a_long_retry_after_is_left_to_the_sweep() -> None:
    from slack_sdk.http_retry.request import HttpRequest
    from slack_sdk.http_retry.response import HttpResponse
    from slack_sdk.http_retry.state import RetryState

    from integrations.slack.delivery import BoundedRateLimitRetryHandler

    handler = BoundedRateLimitRetryHandler(max_wait=30)
    request = HttpRequest(method="POST", url="https://slack.test/api/chat.postMessage", headers={})

    def can(retry_after: str) -> bool:
        response = HttpResponse(status_code=429, headers={"Retry-After": [retry_after]})
        return handler.can_retry(state=RetryState(), request=request, response=response)

    assert can("3") and not can("3600")


@pytest.mark.slow
def test_a_slash_reply_whose_post_failed_is_swept_once(
        slack_api: MockSlackApi, slack_settings: Settings, serve: Callable[[ScriptedAssistant], UvicornThread]) -> None:
    slack_api.inject("response_url", SERVER_ERROR, SERVER_ERROR, SERVER_ERROR)  # the first try and both retries
    assistant = ScriptedAssistant()
    server = serve(assistant)
    respond_url = slack_api.base_url.replace("/api/", "/respond/swept")
    body = form_body(command="/compliance", text="control 3.1.1", user_id="U1", channel_id="C1",
                     response_url=respond_url, trigger_id="t-swept", team_id="T1")
    headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
    assert httpx.post(server.url, content=body, headers=headers, timeout=10).status_code == 200
    slack_api.wait_for(lambda calls: sum(m == "response_url" for m, _ in calls) == 3)
    time.sleep(0.5)
    store = SlackStore(slack_settings.database_url)
    [(key, payload)] = store.open_events(older_than=60)  # released: open, nobody holds it
    assert key.startswith("command:") and payload["response_url"] == respond_url
    assert payload["text"].startswith("ANSWER") and payload["question"] is None  # the answer, not the question
    restarted = build_app(slack_settings, assistant, SlackStore(slack_settings.database_url))  # type: ignore[arg-type]
    sweepers = [Sweeper(restarted, every=0.2).start() for _ in range(2)]
    try:
        slack_api.wait_for(lambda _: bool(slack_api.succeeded("response_url")))
        time.sleep(1.0)
    finally:
        [s.stop() for s in sweepers]
    delivered = slack_api.succeeded("response_url")
    assert len(delivered) == 1 and delivered[0]["text"].startswith("ANSWER") and delivered[0]["blocks"]
    assert delivered[0]["response_type"] == "in_channel" and len(assistant.questions) == 1
    assert store.open_events(older_than=0) == [] and store.pending(key) is None
