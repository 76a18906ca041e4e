"""Two Slack app instances (two Bolt apps, each with its own database engine, as two processes would have),
served over real HTTP against the mock Slack Web API and sharing ONE database, a SQLite file or a Postgres
database: an event, and Slack's retries of it, delivered to both is answered exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from assistant.storage.engine import create
from assistant.storage.slack import SlackStore
from integrations.slack.app import asgi_app, build_app
from tests.slack_doubles import MockSlackApi, ScriptedAssistant, UvicornThread, event_body, not_ok, signed_headers

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


class Instance:
    """One app instance: its assistant, its store (own engine and pool), its uvicorn server."""

    def __init__(self, settings: Settings, delay: float):
        self.engine = create(settings.database_url)
        self.store = SlackStore(settings.database_url, engine=self.engine)
        self.assistant = ScriptedAssistant(delay=delay)
        app = build_app(settings, self.assistant, self.store)  # type: ignore[arg-type]
        self.server = UvicornThread(asgi_app(app)).__enter__()

    def close(self) -> None:
        self.server.__exit__(None, None, None)
        self.engine.dispose()


@pytest.fixture
def two_instances(slack_settings: Settings, database_url: str) -> Iterator[tuple[Instance, Instance]]:
    settings = slack_settings.model_copy(update={"database_url": database_url})
    pair = (Instance(settings, delay=0.5), Instance(settings, delay=0.5))
    yield pair
    for instance in pair:
        instance.close()


def _mention(n: int) -> dict[str, Any]:
    return {"type": "app_mention", "user": "U1", "text": f"<@UBOT> question {n} about 3.1.1",
            "ts": f"17000009{n:02d}.000100", "channel": "C1"}


def _post_to_both(instances: tuple[Instance, Instance], body: str, **extra: str) -> None:
    """Deliver ``body`` to both instances at the same moment."""
    gate = threading.Barrier(len(instances))
    codes: list[int] = []

    def send(instance: Instance) -> None:
        headers = {**signed_headers(body), **extra}
        gate.wait()
        codes.append(httpx.post(instance.server.url, content=body, headers=headers, timeout=10).status_code)

    threads = [threading.Thread(target=send, args=(i,)) for i in instances]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert codes == [200, 200]


def _answers(api: MockSlackApi) -> list[str]:
    """The answers users see (accepted posts and updates), by their text."""
    return [str(p["text"]) for p in api.succeeded("chat.postMessage") + api.succeeded("chat.update")
            if str(p.get("text", "")).startswith("ANSWER")]


@pytest.mark.slow
def test_an_event_and_its_retries_delivered_to_both_instances_are_answered_once(
        slack_api: MockSlackApi, two_instances: tuple[Instance, Instance]) -> None:
    events = 4
    for n in range(events):
        body = event_body(_mention(n), f"EvTwin{n}")
        _post_to_both(two_instances, body)  # the first delivery reaches both instances
        _post_to_both(two_instances, body, **RETRY)  # and so does Slack's retry, while the work is running
    slack_api.wait_for(lambda _: len(_answers(slack_api)) >= events, timeout=60)
    time.sleep(1.5)  # anything that would answer twice has had its chance
    answers = _answers(slack_api)
    assert len(answers) == events and len({a.split(":", 1)[1] for a in answers}) == events
    assert sum(len(i.assistant.questions) for i in two_instances) == events  # each computed once
    assert len(slack_api.of("chat.postMessage")) == events  # one placeholder each
    for n in range(events):
        assert two_instances[0].store.pending(f"EvTwin{n}") is None
        assert not two_instances[1].store.claim_event(f"EvTwin{n}")  # done for every instance


@pytest.mark.slow
def test_a_failed_post_is_delivered_once_by_whichever_instance_gets_the_retry(
        slack_api: MockSlackApi, two_instances: tuple[Instance, Instance]) -> None:
    first, _ = two_instances
    slack_api.inject("chat.update", not_ok("message_not_found"))
    slack_api.inject("chat.postMessage", None, not_ok("not_in_channel"))  # placeholder fine, answer refused
    body = event_body(_mention(0), "EvTwinFailed")
    headers = signed_headers(body)
    assert httpx.post(first.server.url, content=body, headers=headers, timeout=10).status_code == 200
    slack_api.wait_for(lambda calls: sum(m == "chat.postMessage" for m, _ in calls) == 2)
    time.sleep(0.5)
    assert _answers(slack_api) == [] and (first.store.pending("EvTwinFailed") or {}).get("text")
    _post_to_both(two_instances, body, **RETRY)
    slack_api.wait_for(lambda _: bool(_answers(slack_api)), timeout=30)
    _post_to_both(two_instances, body, **{**RETRY, "X-Slack-Retry-Num": "2"})
    time.sleep(1.5)
    assert len(_answers(slack_api)) == 1
    assert sum(len(i.assistant.questions) for i in two_instances) == 1  # the retry delivered the saved answer
