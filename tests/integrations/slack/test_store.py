"""The Slack store's contract: claims with a lease, done only when delivered, open events for the sweep,
replayed commands, feedback bound to the asker, and a database written by the first release still opens."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from integrations.slack.store import MAX_ATTEMPTS, SlackStore


def _store(tmp_path: Path, lease: float = 600.0) -> SlackStore:
    return SlackStore(tmp_path / "slack.sqlite3", lease_seconds=lease)


def test_a_claimed_event_is_not_claimed_again_until_released_or_done(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert store.claim_event("Ev1")
    assert not store.claim_event("Ev1")  # another worker is on it
    assert not SlackStore(tmp_path / "slack.sqlite3").claim_event("Ev1")  # another instance, same database
    store.release("Ev1")  # the post failed
    assert store.claim_event("Ev1")
    store.mark_done("Ev1")
    store.release("Ev1")  # a late release cannot reopen a done event
    assert not store.claim_event("Ev1")


def test_an_expired_lease_can_be_taken_over(tmp_path: Path) -> None:
    store = _store(tmp_path, lease=0.2)
    assert store.claim_event("Ev1")
    assert not store.claim_event("Ev1")
    time.sleep(0.3)  # the worker holding it died
    assert store.claim_event("Ev1")


def test_concurrent_claims_have_one_winner(tmp_path: Path) -> None:
    _store(tmp_path)
    wins: list[bool] = []
    gate = threading.Barrier(16)

    def claim() -> None:
        store = SlackStore(tmp_path / "slack.sqlite3")
        gate.wait()
        wins.append(store.claim_event("EvRace"))

    threads = [threading.Thread(target=claim) for _ in range(16)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert wins.count(True) == 1


def test_pending_is_kept_until_done_and_open_events_list_what_nobody_holds(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert store.claim_event("Ev1") and store.claim_event("Ev2") and store.claim_event("Ev3")
    store.save_pending("Ev1", {"channel": "C1", "text": "answer one"})
    store.save_pending("Ev2", {"channel": "C2", "text": "answer two"})
    assert store.pending("Ev1") == {"channel": "C1", "text": "answer one"}
    assert store.open_events(older_than=60) == []  # all held
    store.release("Ev1")
    assert store.open_events(older_than=60) == [("Ev1", {"channel": "C1", "text": "answer one"})]
    assert [e for e, _ in store.open_events(older_than=0)] == ["Ev1", "Ev2"]  # Ev3 has nothing to deliver
    store.mark_done("Ev1")
    assert store.pending("Ev1") is None and [e for e, _ in store.open_events(older_than=0)] == ["Ev2"]
    assert b"answer one" not in (tmp_path / "slack.sqlite3").read_bytes()


def test_an_event_is_given_up_after_max_attempts(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for _ in range(MAX_ATTEMPTS):
        assert store.claim_event("EvDead")
        store.save_pending("EvDead", {"channel": "C1"})
        store.release("EvDead")
    assert not store.claim_event("EvDead")
    assert store.open_events(older_than=0) == []


def test_a_replayed_command_is_refused_within_the_window(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert store.first_command("digest-a")
    assert not store.first_command("digest-a")
    assert store.first_command("digest-b")
    time.sleep(0.15)
    assert store.first_command("digest-a", window=0.1)  # outside the window the row was purged


def test_feedback_is_bound_to_the_asker_and_the_audited_answer(tmp_path: Path) -> None:
    store = _store(tmp_path)
    answered = store.audit(user="U1", channel="C1", source="mention", question="q", cited=["3.1.1"],
                           latency_ms=5.0, outcome="answered")
    blocked = store.audit(user="U1", channel="C1", source="mention", question="[withheld]", cited=[],
                          latency_ms=None, outcome="cui-blocked")
    assert not store.record_feedback(answered, "U2", "wrong")  # not the asker
    assert not store.record_feedback(9999, "U1", "wrong")  # no such answer
    assert not store.record_feedback(blocked, "U1", "wrong")  # not an answer
    assert store.record_feedback(answered, "U1", "helpful")
    assert [r["feedback"] for r in store.rows()] == ["helpful", None]


def test_a_database_from_the_first_release_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "slack.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE slack_events (event_id TEXT PRIMARY KEY, received_at REAL NOT NULL)")
        conn.execute("INSERT INTO slack_events VALUES ('EvOld', 1.0)")
    store = SlackStore(path)
    assert not store.claim_event("EvOld")  # delivered by the old release: stays done
    assert store.claim_event("EvNew")
