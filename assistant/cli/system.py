"""``compliance-assistant system import|show|export``: the system profile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from pydantic import ValidationError
from rich.markup import escape

from assistant.cli.context import fail
from assistant.cli.render import stdout, table
from assistant.cli.workspace_state import require_profile, workspace

app = typer.Typer(help="The system profile: name, boundary, components, services, roles, dates.",
                  no_args_is_help=True)


@app.command("import")
def import_(ctx: typer.Context, file: Annotated[Path, typer.Argument(help="Profile YAML")]) -> None:
    """Validate a profile YAML and store it, replacing the previous one."""
    try:
        profile = workspace(ctx).import_profile(file)
    except (OSError, ValueError, ValidationError) as exc:
        fail(f"{file}: {exc}")
        return
    stdout.print(f"Imported system profile [bold]{escape(profile.system.name)}[/]: {len(profile.components)} "
                 f"components, {len(profile.services)} services, {len(profile.roles)} roles, "
                 f"{len(profile.policies)} policies.")


@app.command("show")
def show(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show the stored profile."""
    profile = require_profile(workspace(ctx))
    if as_json:
        from assistant.cli.render import print_json

        print_json(profile)
        return
    stdout.print(f"[bold]{escape(profile.system.name)}[/]  {escape(profile.system.description)}")
    stdout.print(table("Components", ("Name", "Category"), [(c.name, c.category) for c in profile.components]))
    stdout.print(table("Services", ("Name", "Does"), [(s.name, s.does) for s in profile.services]))
    stdout.print(table("Roles", ("Role", "Person"), [(r.role, r.person) for r in profile.roles]))


@app.command("export")
def export(ctx: typer.Context,
           out: Annotated[Path | None, typer.Option("--out", help="File to write (default: stdout)")] = None) -> None:
    """Write the stored profile as YAML (what was imported, unknown keys included)."""
    text = yaml.safe_dump(require_profile(workspace(ctx)).document(), sort_keys=False, allow_unicode=True)
    if out is None:
        print(text, end="")
    else:
        out.write_text(text, encoding="utf-8")
