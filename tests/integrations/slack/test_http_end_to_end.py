"""The Slack app in HTTP mode under uvicorn, driven by signed requests over real HTTP, talking to a
recording mock of the Slack Web API on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from assistant.storage.slack import SlackStore
from tests.database import stored_text
from tests.slack_doubles import MockSlackApi, UvicornThread, event_body, form_body, signed_headers

MENTION = {"type": "app_mention", "user": "U1", "text": "<@UBOT> which ISO 27001 controls cover 3.5.3?",
           "ts": "1700000000.000100", "channel": "C1"}


def _post(server: UvicornThread, body: str, headers: dict[str, str] | None = None, **extra: str) -> httpx.Response:
    return httpx.post(server.url, content=body, headers={**(headers or signed_headers(body)), **extra}, timeout=10)


def _answered(api: MockSlackApi) -> Callable[[list[tuple[str, dict[str, Any]]]], bool]:
    return lambda calls: any(m == "chat.update" for m, _ in calls)


def _store(settings: Settings) -> SlackStore:
    return SlackStore(settings.database_url)


@pytest.mark.slow
def test_mention_is_acknowledged_then_answered_in_thread(slack_api: MockSlackApi, slack_settings: Settings,
                                                         make_slack_server: Callable[..., UvicornThread]) -> None:
    with make_slack_server(slack_settings) as server:
        response = _post(server, event_body(MENTION, "Ev1"))  # acknowledgement time: `make bench`, not here
        assert response.status_code == 200
        slack_api.wait_for(_answered(slack_api))
    working = slack_api.of("chat.postMessage")[0]
    assert (working["thread_ts"], working["text"]) == ("1700000000.000100", "Working on it…")
    update = slack_api.of("chat.update")[0]
    working_ts = next(r["ts"] for m, r in slack_api.responses if m == "chat.postMessage")
    assert (update["ts"], update["channel"]) == (working_ts, "C1")  # the "Working on it…" message is replaced
    blocks = update["blocks"]
    contexts = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    assert any("*A.5.16*" in c for c in contexts) and any("*3.5.3*" in c for c in contexts)
    actions = next(b for b in blocks if b["type"] == "actions")["elements"]
    assert {a["action_id"] for a in actions} >= {"show_control", "crosswalk", "feedback_helpful", "feedback_wrong"}
    rows = _store(slack_settings).rows()
    assert len(rows) == 1 and rows[0]["user_id"] == "U1" and "A.5.16" in str(rows[0]["cited_ids"])
    assert rows[0]["question_hash"] and "3.5.3" not in str(rows[0]["question_hash"])


@pytest.mark.slow
def test_retries_never_answer_twice_even_across_a_restart(slack_api: MockSlackApi, slack_settings: Settings,
                                                          make_slack_server: Callable[..., UvicornThread]) -> None:
    body = event_body(MENTION, "EvRetry")
    with make_slack_server(slack_settings) as server:
        assert _post(server, body).status_code == 200
        slack_api.wait_for(_answered(slack_api))
    with make_slack_server(slack_settings) as restarted:  # a new process, same database
        retry = _post(restarted, body, signed_headers(body), **{"X-Slack-Retry-Num": "1",
                                                                "X-Slack-Retry-Reason": "http_timeout"})
        assert retry.status_code == 200
        time.sleep(1.5)
    assert len(slack_api.of("chat.update")) == 1 and len(slack_api.of("chat.postMessage")) == 1


@pytest.mark.slow
def test_bad_signature_and_stale_timestamp_are_rejected(slack_api: MockSlackApi, slack_settings: Settings,
                                                        make_slack_server: Callable[..., UvicornThread]) -> None:
    body = event_body(MENTION, "EvBad")
    with make_slack_server(slack_settings) as server:
        forged = _post(server, body, signed_headers(body, secret="wrong-secret"))
        stale = _post(server, body, signed_headers(body, timestamp=int(time.time()) - 6 * 60))
        time.sleep(1.0)
    assert forged.status_code == 401 and stale.status_code == 401
    assert slack_api.of("chat.postMessage") == []


@pytest.mark.slow
def test_dm_is_answered(slack_api: MockSlackApi, slack_settings: Settings,
                        make_slack_server: Callable[..., UvicornThread]) -> None:
    event = {"type": "message", "channel_type": "im", "user": "U2", "text": "what does 3.1.8 require?",
             "ts": "1700000001.000200", "channel": "D1"}
    with make_slack_server(slack_settings) as server:
        assert _post(server, event_body(event, "EvDm")).status_code == 200
        slack_api.wait_for(_answered(slack_api))
    assert "Unsuccessful Logon Attempts" in slack_api.of("chat.update")[0]["text"]


@pytest.mark.slow
def test_cui_marked_message_is_not_echoed_or_stored(slack_api: MockSlackApi, slack_settings: Settings,
                                                    make_slack_server: Callable[..., UvicornThread]) -> None:
    secret = "CUI//SP-CTI drawing 4471-B tolerances 0.002in"
    event = {**MENTION, "text": f"<@UBOT> can you check this?\n{secret}"}
    with make_slack_server(slack_settings) as server:
        assert _post(server, event_body(event, "EvCui")).status_code == 200
        slack_api.wait_for(lambda calls: any(m == "chat.postMessage" for m, _ in calls))
        time.sleep(0.5)
    posted = slack_api.of("chat.postMessage")
    assert len(posted) == 1 and "CUI Asset" in posted[0]["text"] and "4471-B" not in json.dumps(slack_api.calls)
    row = _store(slack_settings).rows()[0]
    assert row["outcome"] == "cui-blocked"
    assert "4471-B" not in stored_text(slack_settings.database_url)  # no table of the shared store holds it
    every_file = [p for p in slack_settings.data_dir.rglob("*") if p.is_file()]  # -wal / -shm journals too
    assert every_file or not slack_settings.database_url.startswith("sqlite")  # on SQLite the store is a file here
    assert all(b"4471-B" not in p.read_bytes() for p in every_file)


@pytest.mark.slow
def test_user_not_on_allowlist_gets_a_polite_refusal(slack_api: MockSlackApi, slack_settings: Settings,
                                                     make_slack_server: Callable[..., UvicornThread]) -> None:
    settings = slack_settings.model_copy(update={"slack_allowed_users": "UALLOWED"})
    with make_slack_server(settings) as server:
        assert _post(server, event_body(MENTION, "EvDenied")).status_code == 200
        slack_api.wait_for(lambda calls: any(m == "chat.postMessage" for m, _ in calls))
        time.sleep(0.3)
    posted = slack_api.of("chat.postMessage")
    assert len(posted) == 1 and "not enabled" in posted[0]["text"] and slack_api.of("chat.update") == []


@pytest.mark.slow
def test_slash_command_answers_through_response_url(slack_api: MockSlackApi, slack_settings: Settings,
                                                    make_slack_server: Callable[..., UvicornThread]) -> None:
    respond_url = slack_api.base_url.replace("/api/", "/respond/cmd1")
    body = form_body(command="/compliance", text="control AC.L2-3.1.1", user_id="U1", channel_id="C1",
                     response_url=respond_url, trigger_id="t1", team_id="T1")
    with make_slack_server(slack_settings) as server:
        ack = _post(server, body, signed_headers(body, content_type="application/x-www-form-urlencoded"))
        assert ack.status_code == 200 and "Working on it" in ack.text
        slack_api.wait_for(lambda calls: any(m == "response_url" for m, _ in calls))
        help_body = form_body(command="/compliance", text="help", user_id="U1", channel_id="C1",
                              response_url=respond_url, trigger_id="t2", team_id="T1")
        help_ack = _post(server, help_body, signed_headers(help_body,
                                                           content_type="application/x-www-form-urlencoded"))
    response = slack_api.of("response_url")[0]
    assert "Authorized Access Control" in response["text"] and response["blocks"]
    assert "/compliance ask" in help_ack.text


@pytest.mark.slow
def test_shortcut_and_block_actions(slack_api: MockSlackApi, slack_settings: Settings,
                                    make_slack_server: Callable[..., UvicornThread]) -> None:
    shortcut = {"type": "message_action", "callback_id": "ask_about_message", "trigger_id": "t",
                "user": {"id": "U1"}, "channel": {"id": "C1"}, "team": {"id": "T1"},
                "message": {"ts": "1700000002.000300", "text": "what's our SPRS score if we lack FIPS crypto?"},
                "response_url": slack_api.base_url}
    headers = {"content_type": "application/x-www-form-urlencoded"}
    with make_slack_server(slack_settings) as server:
        body = form_body(shortcut)
        assert _post(server, body, signed_headers(body, **headers)).status_code == 200
        slack_api.wait_for(_answered(slack_api))
        assert "SPRS score: 107" in slack_api.of("chat.update")[0]["text"]
        audit_id = _store(slack_settings).rows()[0]["id"]
        for action_id, value in (("feedback_wrong", str(audit_id)), ("show_control", "3.13.11")):
            action = {"type": "block_actions", "trigger_id": "t", "user": {"id": "U1"}, "channel": {"id": "C1"},
                      "team": {"id": "T1"}, "container": {"thread_ts": "1700000002.000300"},
                      "message": {"ts": "1700000009.000100"}, "response_url": slack_api.base_url,
                      "actions": [{"action_id": action_id, "value": value, "block_id": "b", "type": "button"}]}
            body = form_body(action)
            assert _post(server, body, signed_headers(body, **headers)).status_code == 200
        slack_api.wait_for(lambda calls: sum(m == "chat.postMessage" for m, _ in calls) >= 2
                           and any(m == "chat.postEphemeral" for m, _ in calls))
    assert _store(slack_settings).rows()[0]["feedback"] == "wrong"
    detail = slack_api.of("chat.postMessage")[-1]
    assert detail["thread_ts"] == "1700000002.000300" and "FIPS-validated" in detail["text"]


@pytest.mark.slow
def test_internal_error_becomes_a_short_apology(slack_api: MockSlackApi, slack_settings: Settings,
                                                make_slack_server: Callable[..., UvicornThread]) -> None:
    class Broken:
        def ask(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("database exploded")

    with make_slack_server(slack_settings, assistant=Broken()) as server:
        assert _post(server, event_body(MENTION, "EvBroken")).status_code == 200
        slack_api.wait_for(_answered(slack_api))
    text = slack_api.of("chat.update")[0]["text"]
    assert text.startswith("Sorry, something went wrong") and "database exploded" not in text
    assert "Traceback" not in text


@pytest.mark.slow
def test_thread_follow_up_keeps_the_conversation_and_home_tab_is_published(
        slack_api: MockSlackApi, slack_settings: Settings, make_slack_server: Callable[..., UvicornThread]) -> None:
    first = {**MENTION, "text": "<@UBOT> what does 3.5.3 require?", "ts": "1700000500.000100"}
    follow = {**MENTION, "text": "<@UBOT> and for ISO?", "ts": "1700000501.000100", "thread_ts": "1700000500.000100"}
    home = {"type": "app_home_opened", "user": "U9", "channel": "D9", "tab": "home"}
    with make_slack_server(slack_settings) as server:
        assert _post(server, event_body(first, "EvT1")).status_code == 200
        slack_api.wait_for(lambda calls: sum(m == "chat.update" for m, _ in calls) >= 1)
        assert _post(server, event_body(follow, "EvT2")).status_code == 200
        slack_api.wait_for(lambda calls: sum(m == "chat.update" for m, _ in calls) >= 2)
        assert _post(server, event_body(home, "EvHome")).status_code == 200
        slack_api.wait_for(lambda calls: any(m == "views.publish" for m, _ in calls))
    second = slack_api.of("chat.update")[1]
    assert "A.5.16" in json.dumps(second["blocks"])
    assert all(p["thread_ts"] == "1700000500.000100" for p in slack_api.of("chat.postMessage"))
    view = slack_api.of("views.publish")[0]
    assert view["user_id"] == "U9" and view["view"]["type"] == "home"


@pytest.mark.slow
def test_an_older_release_slack_file_is_carried_forward_on_first_start(
        slack_api: MockSlackApi, slack_settings: Settings, make_slack_server: Callable[..., UvicornThread]) -> None:
    import sqlite3

    from tests.slack_doubles import LEGACY_SCHEMA, ScriptedAssistant

    legacy = slack_settings.data_dir / "slack.sqlite3"
    legacy.parent.mkdir(parents=True)
    with sqlite3.connect(legacy) as conn:
        for statement in LEGACY_SCHEMA:
            conn.execute(statement)
        conn.execute("INSERT INTO slack_events VALUES ('EvAnsweredBefore', 1.0, 'done', 1.0, 1, NULL)")
        conn.execute("INSERT INTO slack_audit VALUES (41, 1.0, 'U1', 'C1', 'mention', 'h', '3.1.1', 5.0, 'answered',"
                     " NULL)")
    assistant = ScriptedAssistant()
    with make_slack_server(slack_settings, assistant=assistant) as server:
        assert not legacy.exists() and legacy.with_name("slack.sqlite3.migrated").exists()
        retry = {"X-Slack-Retry-Num": "3", "X-Slack-Retry-Reason": "http_timeout"}
        assert _post(server, event_body(MENTION, "EvAnsweredBefore"), **retry).status_code == 200
        action = {"type": "block_actions", "trigger_id": "t", "user": {"id": "U1"}, "channel": {"id": "C1"},
                  "team": {"id": "T1"}, "message": {"ts": "1700000009.000100"}, "response_url": slack_api.base_url,
                  "actions": [{"action_id": "feedback_helpful", "value": "41", "block_id": "b", "type": "button"}]}
        body = form_body(action)
        headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
        assert _post(server, body, headers).status_code == 200
        slack_api.wait_for(lambda calls: any(m == "chat.postEphemeral" for m, _ in calls))
    assert assistant.questions == []  # answered by the older release: not again
    assert slack_api.of("chat.postEphemeral")[0]["text"].startswith("Thanks")  # its button still works
    assert _store(slack_settings).rows()[0]["feedback"] == "helpful"
