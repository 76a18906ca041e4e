"""``compliance-assistant ssp draft|export``: SSP narratives from the company's facts, and the SSP documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.context import fail
from assistant.cli.render import stdout
from assistant.cli.workspace_state import parse_date, workspace
from assistant.knowledge import UnknownControlError
from assistant.workspace.guard import unsupported_names
from assistant.workspace.ssp import SspDraft

app = typer.Typer(help="Draft SSP narratives from the system profile and evidence; export the SSP.",
                  no_args_is_help=True)


@app.command("draft")
def draft(
    ctx: typer.Context,
    requirement: Annotated[str | None, typer.Argument(help="Any spelling: 3.5.3, IA.L2-3.5.3")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Draft every requirement")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One statement per 800-171A objective, from the profile's facts and the evidence that match it."""
    if not requirement and not all_:
        fail("name a requirement (ssp draft 3.5.3) or use --all")
    space = workspace(ctx)
    drafter = space.drafter(parse_date(as_of))
    try:
        drafts = drafter.draft_all() if all_ else [drafter.draft(requirement or "")]
    except UnknownControlError as exc:
        fail(exc.message)
        return
    except ValueError as exc:
        fail(str(exc))
        return
    for d in drafts:
        names = unsupported_names(space.kb, d, drafter.facts)
        if names:
            fail(f"{d.requirement}: the draft names {', '.join(names)}, absent from the profile and evidence")
    if as_json:
        data = [d.model_dump(mode="json") for d in drafts]
        print(json.dumps(data if all_ else data[0], indent=2, ensure_ascii=False))
        return
    for d in drafts:
        stdout.print(_render(d))


def _render(d: SspDraft) -> str:
    lines = [f"[bold]{d.requirement} {escape(d.title)}[/] ({d.cmmc}) · status: {d.status} · responsible: "
             f"{escape(d.role)}"]
    if d.justification:
        lines.append(f"Justification: {escape(d.justification)}")
    for o in d.objectives:
        mark = "" if o.covered else "[yellow]"
        lines.append(f"  {escape(o.id)} {escape(o.objective)}\n    {mark}{escape(o.statement)}{'[/]' if mark else ''}")
    if d.evidence:
        lines.append(f"  Evidence: {', '.join(d.evidence)}")
    return "\n".join(lines) + "\n"


@app.command("export")
def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="docx or oscal")],
    out: Annotated[Path, typer.Option("--out", help="File to write")],
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
) -> None:
    """Write the SSP as a Word document or as OSCAL SSP JSON (validated)."""
    from assistant.cli.workspace_state import require_profile
    from assistant.exports import docx_ssp, oscal_ssp

    space = workspace(ctx)
    profile = require_profile(space)
    if fmt not in ("docx", "oscal"):
        fail("--format is docx or oscal")
    day = parse_date(as_of)
    drafts = space.drafter(day).draft_all()
    if fmt == "docx":
        from assistant.workspace.calendar import program_events
        from assistant.workspace.rules import calendar_rules

        events = program_events(profile, calendar_rules(space.kb.data.root), [], space.rules(), day)
        docx_ssp.write(space.kb, profile, drafts, out, events)
        stdout.print(f"Wrote {out}")
        return
    try:
        catalog = oscal_ssp.write(space.kb, profile, drafts, out)
    except ValueError as exc:
        fail(str(exc))
        return
    stdout.print(f"Wrote {out} (OSCAL {len(drafts)} requirements, validated, round-trips) and its catalog {catalog}")
