"""The workspace of the running command: the knowledge base and the database the settings name."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import typer

from assistant.cli.context import fail, state
from assistant.workspace.profile import SystemProfile

if TYPE_CHECKING:  # SQLAlchemy is imported only by the commands that use the database
    from assistant.workspace.repository import Workspace


def workspace(ctx: typer.Context) -> Workspace:
    """The workspace of the settings' ``database_url`` (by default a file in the data directory)."""
    from assistant.workspace.repository import Workspace

    cli = state(ctx)
    return Workspace(cli.knowledge_base(), cli.settings.database_url)


def require_profile(space: Workspace) -> SystemProfile:
    """The stored profile, or end the command saying how to import one."""
    profile = space.profile()
    if profile is None:
        fail("no system profile yet: run `compliance-assistant system import FILE.yaml` first")
    assert profile is not None
    return profile


def parse_date(value: str | None) -> date:
    """``--as-of`` as a date (today when unset)."""
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"not a date (YYYY-MM-DD): {value}")
        raise
