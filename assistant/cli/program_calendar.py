"""``compliance-assistant calendar``: the program's deadlines, as a table, JSON or an .ics file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.render import print_json, stdout, table
from assistant.cli.workspace_state import parse_date, require_profile, workspace
from assistant.workspace.calendar import program_events
from assistant.workspace.rules import calendar_rules


def calendar(
    ctx: typer.Context,
    ics: Annotated[Path | None, typer.Option("--ics", help="Also write an iCalendar file")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
) -> None:
    """ISO surveillance and recertification, CMMC reassessment and affirmations, POA&M closeout, evidence
    reviews and expiries: from the profile's dates and the cited rules in knowledge/."""
    space = workspace(ctx)
    profile = require_profile(space)
    events = program_events(profile, calendar_rules(space.kb.data.root), space.evidence(), space.rules(),
                            parse_date(as_of))
    if ics is not None:
        from assistant.exports import ics as ics_export

        ics_export.write(events, profile.system.name, ics)
    if as_json:
        print_json(events)
        return
    stdout.print(table(f"{len(events)} deadlines", ("Date", "What", "Source"),
                       [(e.date.isoformat(), escape(e.title), escape(e.citation)) for e in events]))
    if ics is not None:
        stdout.print(f"Wrote {ics}")
