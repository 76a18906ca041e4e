"""``compliance-assistant soa export``: the ISO/IEC 27001:2022 Statement of Applicability."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.context import fail
from assistant.cli.render import stdout
from assistant.cli.workspace_state import parse_date, workspace

app = typer.Typer(help="ISO/IEC 27001:2022 Statement of Applicability.", no_args_is_help=True)


@app.command("export")
def export(ctx: typer.Context, out: Annotated[Path, typer.Option("--out", help="FILE.csv or FILE.xlsx")],
           as_of: Annotated[str | None, typer.Option("--as-of")] = None) -> None:
    """93 Annex A rows: applicable, justification, implemented, evidence (direct and via the crosswalk)."""
    from assistant.exports import soa

    space = workspace(ctx)
    rows = soa.soa_rows(space.kb, space.profile(), space.evidence(), space.rules(), parse_date(as_of))
    try:
        soa.write(rows, out)
    except ValueError as exc:
        fail(str(exc))
    stdout.print(f"Wrote {out} ({len(rows)} Annex A controls)")
