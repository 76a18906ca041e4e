"""CUI-marked Slack messages over real HTTP: every entry point (mention, DM, shortcut, slash command) posts
the warning, never calls the assistant, and leaves no trace of the message in any file of the data folder;
a question about a marking is answered as usual."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from assistant.storage.slack import SlackStore
from tests.database import stored_text
from tests.slack_doubles import MockSlackApi, UvicornThread, event_body, form_body, signed_headers

SECRET = "4471-B"  # appears only inside the marked content
FORM = "application/x-www-form-urlencoded"


class SpyAssistant:
    """Records every question; a blocked message must never reach it."""

    def __init__(self) -> None:
        self.questions: list[str] = []

    def ask(self, question: str, *args: Any, **kwargs: Any) -> Any:
        self.questions.append(question)
        raise AssertionError("the assistant was asked about a withheld message")


def _post(server: UvicornThread, body: str, content_type: str = "application/json") -> httpx.Response:
    return httpx.post(server.url, content=body, headers=signed_headers(body, content_type=content_type), timeout=10)


def _traces(data_dir: Path, needle: str) -> list[str]:
    """Files under the data folder (SQLite files, their -wal/-shm journals, anything else) holding ``needle``."""
    return [str(p) for p in data_dir.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def _assert_withheld(api: MockSlackApi, settings: Settings, spy: SpyAssistant, source: str) -> None:
    assert spy.questions == []
    assert SECRET not in json.dumps(api.calls)
    rows = SlackStore(settings.database_url).rows()
    assert [(r["source"], r["outcome"]) for r in rows] == [(source, "cui-blocked")]
    assert _traces(settings.data_dir, SECRET) == [] and SECRET not in stored_text(settings.database_url)


@pytest.mark.slow
def test_mention_whose_file_preview_carries_a_banner(slack_api: MockSlackApi, slack_settings: Settings,
                                                     make_slack_server: Callable[..., UvicornThread]) -> None:
    spy = SpyAssistant()
    event = {"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1700000300.000100",
             "text": "<@UBOT> can you summarize the attached file?",
             "files": [{"id": "F1", "name": "notes.txt", "title": "notes",
                        "preview": f"CUI\nDrawing {SECRET} tolerances 0.002in"}]}
    with make_slack_server(slack_settings, assistant=spy) as server:
        assert _post(server, event_body(event, "EvCuiFile")).status_code == 200
        slack_api.wait_for(lambda calls: any(m == "chat.postMessage" for m, _ in calls))
        time.sleep(0.3)
    posted = slack_api.of("chat.postMessage")
    assert len(posted) == 1 and "CUI Asset" in posted[0]["text"]
    assert posted[0]["thread_ts"] == "1700000300.000100" and slack_api.of("chat.update") == []
    _assert_withheld(slack_api, slack_settings, spy, "mention")


@pytest.mark.slow
def test_dm_with_an_obfuscated_banner(slack_api: MockSlackApi, slack_settings: Settings,
                                      make_slack_server: Callable[..., UvicornThread]) -> None:
    spy = SpyAssistant()
    text = f"&gt; *\u0421\u200bU\u200bI*\n&gt; spec for part {SECRET}: bore 12.7 mm"  # Cyrillic C, zero-width
    event = {"type": "message", "channel_type": "im", "user": "U2", "text": text, "ts": "1700000301.000100",
             "channel": "D1"}
    with make_slack_server(slack_settings, assistant=spy) as server:
        assert _post(server, event_body(event, "EvCuiDm")).status_code == 200
        slack_api.wait_for(lambda calls: any(m == "chat.postMessage" for m, _ in calls))
        time.sleep(0.3)
    assert "CUI Asset" in slack_api.of("chat.postMessage")[0]["text"]
    _assert_withheld(slack_api, slack_settings, spy, "dm")


@pytest.mark.slow
def test_shortcut_on_a_portion_marked_message(slack_api: MockSlackApi, slack_settings: Settings,
                                              make_slack_server: Callable[..., UvicornThread]) -> None:
    spy = SpyAssistant()
    shortcut = {"type": "message_action", "callback_id": "ask_about_message", "trigger_id": "t",
                "user": {"id": "U1"}, "channel": {"id": "C1"}, "team": {"id": "T1"},
                "message": {"ts": "1700000302.000300", "text": f"(CUI) Part {SECRET} is anodized per MIL-A-8625."},
                "response_url": slack_api.base_url}
    with make_slack_server(slack_settings, assistant=spy) as server:
        body = form_body(shortcut)
        assert _post(server, body, FORM).status_code == 200
        slack_api.wait_for(lambda calls: any(m == "chat.postMessage" for m, _ in calls))
        time.sleep(0.3)
    posted = slack_api.of("chat.postMessage")
    assert len(posted) == 1 and "CUI Asset" in posted[0]["text"] and posted[0]["thread_ts"] == "1700000302.000300"
    _assert_withheld(slack_api, slack_settings, spy, "shortcut")


@pytest.mark.slow
def test_slash_command_with_a_category_marking(slack_api: MockSlackApi, slack_settings: Settings,
                                               make_slack_server: Callable[..., UvicornThread]) -> None:
    spy = SpyAssistant()
    respond_url = slack_api.base_url.replace("/api/", "/respond/cui1")
    body = form_body(command="/compliance", text=f"ask CUI // SP-CTI drawing {SECRET} tolerances", user_id="U1",
                     channel_id="C1", response_url=respond_url, trigger_id="t1", team_id="T1")
    with make_slack_server(slack_settings, assistant=spy) as server:
        assert _post(server, body, FORM).status_code == 200
        slack_api.wait_for(lambda calls: any(m == "response_url" for m, _ in calls))
    response = slack_api.of("response_url")[0]
    assert "CUI Asset" in response["text"] and response["response_type"] == "ephemeral"
    _assert_withheld(slack_api, slack_settings, spy, "command")


@pytest.mark.slow
def test_a_question_about_a_marking_is_answered(slack_api: MockSlackApi, slack_settings: Settings,
                                                make_slack_server: Callable[..., UvicornThread]) -> None:
    event = {"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1700000303.000100",
             "text": "<@UBOT> what does CUI//SP-CTI mean, and do we need to mark emails with a CUI banner?"}
    with make_slack_server(slack_settings) as server:
        assert _post(server, event_body(event, "EvCuiQuestion")).status_code == 200
        slack_api.wait_for(lambda calls: any(m == "chat.update" for m, _ in calls))
    assert slack_api.of("chat.postMessage")[0]["text"] == "Working on it…"
    assert all("CUI Asset that must meet" not in p["text"] for p in slack_api.of("chat.postMessage"))
    rows = SlackStore(slack_settings.database_url).rows()
    assert len(rows) == 1 and rows[0]["outcome"] in ("answered", "refused")
