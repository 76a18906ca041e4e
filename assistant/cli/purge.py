"""``compliance-assistant purge``: delete stored conversation turns (all, older than N days, or one conversation)
and, unless one conversation is named, the Slack front end's records (audit log, event claims, command digests)
of the same age."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from assistant.cli.context import fail, state
from assistant.cli.render import stdout


def purge(
    ctx: typer.Context,
    older_than_days: Annotated[int | None, typer.Option("--older-than", min=0, help="only turns older than N days")]
    = None,
    conversation: Annotated[str | None, typer.Option("--conversation", help="only this conversation")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="purge everything without asking (no other filter)")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Delete conversation turns (questions and answers of `ask`, `chat` and Slack) and Slack's records."""
    from assistant.storage.db import Database, StoreError
    from assistant.storage.slack import open_slack_store

    if older_than_days is None and conversation is None and not yes:
        fail("purge everything? add --yes, or limit it with --older-than DAYS or --conversation ID")
    settings = state(ctx).settings
    older_than_s = None if older_than_days is None else older_than_days * 86_400
    try:
        deleted = Database(settings.database_url).purge(older_than_s, conversation)
        slack = 0 if conversation else open_slack_store(settings.database_url, settings.data_dir).purge(older_than_s)
    except StoreError as exc:
        fail(f"the conversation store could not be purged: {exc}")
        return
    if as_json:
        stdout.print_json(json.dumps({"deleted": deleted, "slack_records": slack}))
    else:
        stdout.print(f"Deleted {deleted} conversation turn(s) and {slack} Slack record(s).")
