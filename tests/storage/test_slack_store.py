"""The Slack store on the shared storage layer, on SQLite and on PostgreSQL: claims with a lease (one winner
across engines), done only when delivered, open events for the sweep, replayed commands, feedback bound to the
asker, retention, and the former ``slack.sqlite3`` carried forward without loss (killed midway too)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from assistant.storage.engine import create
from assistant.storage.schema import slack_audit, slack_events
from assistant.storage.slack import MAX_ATTEMPTS, SlackStore, open_slack_store
from tests.slack_doubles import LEGACY_SCHEMA

REPO = Path(__file__).resolve().parents[2]

# the first release kept only event IDs
FIRST_RELEASE_SCHEMA = ["CREATE TABLE slack_events (event_id TEXT PRIMARY KEY, received_at REAL NOT NULL)"]


def _store(url: str, lease: float = 600.0) -> SlackStore:
    return SlackStore(url, lease_seconds=lease)


def test_a_claimed_event_is_not_claimed_again_until_released_or_done(database_url: str) -> None:
    store = _store(database_url)
    assert store.claim_event("Ev1")
    assert not store.claim_event("Ev1")  # another worker is on it
    other_engine = create(database_url)
    assert not SlackStore(database_url, engine=other_engine).claim_event("Ev1")  # another instance, own pool
    store.release("Ev1")  # the post failed
    assert store.claim_event("Ev1")
    store.mark_done("Ev1")
    store.release("Ev1")  # a late release cannot reopen a done event
    assert not store.claim_event("Ev1")
    other_engine.dispose()


def test_an_expired_lease_can_be_taken_over_and_the_old_holder_loses_it(database_url: str) -> None:
    slow, fast = _store(database_url, lease=0.2), _store(database_url, lease=0.2)
    assert slow.claim_event("Ev1")
    assert not fast.claim_event("Ev1")
    time.sleep(0.3)  # the worker holding it died (or hangs)
    assert fast.claim_event("Ev1")
    slow.save_pending("Ev1", {"channel": "C1", "text": "stale"})  # the old holder's writes no longer land
    slow.release("Ev1")
    assert fast.pending("Ev1") is None and not slow.claim_event("Ev1")  # still held by the new holder
    fast.save_pending("Ev1", {"channel": "C1", "text": "fresh"})
    assert fast.pending("Ev1") == {"channel": "C1", "text": "fresh"}


def test_concurrent_claims_and_commands_on_separate_engines_have_one_winner(database_url: str) -> None:
    _store(database_url)
    engines = [create(database_url) for _ in range(8)]
    stores = [SlackStore(database_url, engine=e) for e in engines]

    def claim(store: SlackStore, key: str, gate: threading.Barrier, wins: list[bool]) -> None:
        gate.wait()
        wins.append(store.first_command(key) if key.startswith("digest") else store.claim_event(key))

    for round_ in range(3):
        for key in (f"EvRace{round_}", f"digest-race-{round_}"):  # events, and slash-command replays
            wins: list[bool] = []
            gate = threading.Barrier(len(stores) * 2)
            threads = [threading.Thread(target=claim, args=(s, key, gate, wins)) for s in stores * 2]
            [t.start() for t in threads]
            [t.join() for t in threads]
            assert wins.count(True) == 1, key
    for engine in engines:
        engine.dispose()


def test_pending_is_kept_until_done_and_open_events_list_what_nobody_holds(database_url: str) -> None:
    store = _store(database_url)
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
    if database_url.startswith("sqlite"):
        store.engine.dispose()  # the last connection checkpoints the WAL into the file
        assert b"answer one" not in Path(database_url.removeprefix("sqlite:///")).read_bytes()


def test_an_event_is_given_up_after_max_attempts(database_url: str) -> None:
    store = _store(database_url)
    for _ in range(MAX_ATTEMPTS):
        assert store.claim_event("EvDead")
        store.save_pending("EvDead", {"channel": "C1"})
        store.release("EvDead")
    assert not store.claim_event("EvDead")
    assert store.open_events(older_than=0) == []


def test_a_replayed_command_is_refused_within_the_window(database_url: str) -> None:
    store, other = _store(database_url), _store(database_url)
    assert store.first_command("digest-a")
    assert not other.first_command("digest-a")
    assert store.first_command("digest-b")
    time.sleep(0.15)
    assert store.first_command("digest-a", window=0.1)  # outside the window the row was purged


def test_feedback_is_bound_to_the_asker_and_the_audited_answer(database_url: str) -> None:
    store = _store(database_url)
    answered = store.audit(user="U1", channel="C1", source="mention", question="q", cited=["3.1.1"],
                           latency_ms=5.0, outcome="answered")
    blocked = store.audit(user="U1", channel="C1", source="mention", question="[withheld]", cited=[],
                          latency_ms=None, outcome="cui-blocked")
    assert not store.record_feedback(answered, "U2", "wrong")  # not the asker
    assert not store.record_feedback(9999, "U1", "wrong")  # no such answer
    assert not store.record_feedback(blocked, "U1", "wrong")  # not an answer
    assert store.record_feedback(answered, "U1", "helpful")
    assert [r["feedback"] for r in store.rows()] == ["helpful", None]


def test_purge_keeps_recent_rows_and_events_someone_holds(database_url: str) -> None:
    store = _store(database_url)
    store.audit(user="U1", channel="C1", source="dm", question="q", cited=[], latency_ms=1.0, outcome="answered")
    assert store.first_command("d1") and store.claim_event("EvDone") and store.claim_event("EvHeld")
    store.mark_done("EvDone")
    assert store.purge(older_than_s=3600) == 0  # nothing is an hour old
    assert store.purge() == 3  # the audit row, the command, the done event; the held event stays
    assert store.rows() == [] and store.first_command("d1") and not store.claim_event("EvHeld")


# ---- the former slack.sqlite3 ---------------------------------------------------------------------------


def _legacy_file(path: Path, audit_rows: int = 3, events: int = 3) -> None:
    conn = sqlite3.connect(path)
    for statement in LEGACY_SCHEMA:
        conn.execute(statement)
    conn.executemany("INSERT INTO slack_events VALUES (?, ?, 'done', ?, 1, NULL)",
                     [(f"EvOld{n}", 1000.0 + n, 1000.0 + n) for n in range(events)])
    conn.execute("""INSERT INTO slack_events VALUES ('EvOpen', 1500.0, 'open', 1500.0, 1,
                 '{"channel": "C9", "thread_ts": null, "user": "U9", "source": "dm", "text": "ANSWER kept"}')""")
    conn.execute("INSERT INTO slack_commands VALUES ('digest-old', ?)", (time.time(),))
    conn.executemany("INSERT INTO slack_audit VALUES (?, ?, 'U1', 'C1', 'mention', ?, '3.1.1', 5.0, 'answered', ?)",
                     [(10 + n, 1000.0 + n, f"hash{n}", "helpful" if n == 0 else None) for n in range(audit_rows)])
    conn.commit()
    conn.close()


def test_the_former_file_is_carried_forward_without_loss_and_only_once(database_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    _legacy_file(data_dir / "slack.sqlite3")
    store = open_slack_store(database_url, data_dir)
    assert not (data_dir / "slack.sqlite3").exists() and (data_dir / "slack.sqlite3.migrated").exists()
    rows = store.rows()
    assert [r["id"] for r in rows] == [10, 11, 12] and rows[0]["feedback"] == "helpful"  # IDs kept for buttons
    assert store.record_feedback(11, "U1", "wrong")  # a button posted before the move still works
    assert not any(store.claim_event(f"EvOld{n}") for n in range(3))  # delivered before: stays done
    assert not store.first_command("digest-old")  # its replay window survives the move
    assert store.open_events(older_than=60) == [("EvOpen", {"channel": "C9", "thread_ts": None, "user": "U9",
                                                            "source": "dm", "text": "ANSWER kept"})]
    new_id = store.audit(user="U2", channel="C2", source="dm", question="q", cited=[], latency_ms=None,
                         outcome="answered")
    assert new_id > 12  # the ID sequence continues after the carried rows (Postgres: sequence moved on)
    # a second start with the same file back (say, restored from a backup) adds nothing twice
    (data_dir / "slack.sqlite3.migrated").rename(data_dir / "slack.sqlite3")
    result = open_slack_store(database_url, data_dir).adopt_legacy_file(data_dir / "slack.sqlite3")
    assert result is None  # open_slack_store already adopted it again, idempotently
    assert len(store.rows()) == 4
    with store.engine.begin() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(slack_events)).scalar_one() == 4


def test_a_file_of_the_first_release_is_carried_forward(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "slack.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(FIRST_RELEASE_SCHEMA[0])
        conn.execute("INSERT INTO slack_events VALUES ('EvOld', 1.0)")
    store = _store(database_url)
    result = store.adopt_legacy_file(path)
    assert result is not None and (result.events, result.read) == (1, 1)
    assert not store.claim_event("EvOld")  # delivered by the old release: stays done
    assert store.claim_event("EvNew")


def test_an_audit_id_taken_in_the_shared_store_gets_a_new_id_not_lost(database_url: str, tmp_path: Path) -> None:
    store = _store(database_url)
    for _ in range(12):  # another host's rows already use IDs 1..12
        store.audit(user="U7", channel="C7", source="dm", question="other", cited=[], latency_ms=None,
                    outcome="answered")
    _legacy_file(tmp_path / "slack.sqlite3")
    store.adopt_legacy_file(tmp_path / "slack.sqlite3")
    hashes = [r["question_hash"] for r in store.rows() if r["user_id"] == "U1"]
    assert sorted(hashes) == ["hash0", "hash1", "hash2"] and len(store.rows()) == 15


def test_a_killed_carry_forward_loses_nothing(database_url: str, tmp_path: Path) -> None:
    data_dir, marker = tmp_path / "data", tmp_path / "started"
    data_dir.mkdir()
    _legacy_file(data_dir / "slack.sqlite3", audit_rows=300, events=300)
    _store(database_url)  # migrated before the child starts, so the kill hits the copy, not the schema
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from pathlib import Path
        from assistant.storage import slack
        copy = slack.copy_audit_row
        def slow(conn, row):
            Path({str(marker)!r}).touch()
            time.sleep(0.02)
            return copy(conn, row)
        slack.copy_audit_row = slow
        slack.open_slack_store({database_url!r}, Path({str(data_dir)!r}))
    """)], cwd=REPO, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert (data_dir / "slack.sqlite3").exists()  # not renamed: the copy did not finish
    store = _store(database_url)
    with store.engine.begin() as conn:  # the killed transaction left nothing half-copied
        assert conn.execute(sa.select(sa.func.count()).select_from(slack_audit)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(slack_events)).scalar_one() == 0
    store = open_slack_store(database_url, data_dir)  # the next start carries everything forward
    assert len(store.rows()) == 300 and store.pending("EvOpen") is not None
    assert (data_dir / "slack.sqlite3.migrated").exists()
