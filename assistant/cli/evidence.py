"""``compliance-assistant evidence import|list|show|gaps``: the evidence register."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape

from assistant.cli.context import fail
from assistant.cli.render import print_json, stderr, stdout, table
from assistant.cli.workspace_state import parse_date, workspace
from assistant.workspace.evidence import freshness
from assistant.workspace.gaps import FRAMEWORKS, Framework, gap_report

app = typer.Typer(help="The evidence register: import, list, show, gaps.", no_args_is_help=True)
AsOf = Annotated[str | None, typer.Option("--as-of", help="Date to judge freshness on (YYYY-MM-DD)")]


@app.command("import")
def import_(ctx: typer.Context, path: Annotated[Path, typer.Argument(help="FILE.csv, FILE.yaml or a folder")]) -> None:
    """Import a register: new IDs are added, known IDs updated; bad rows are named and skipped."""
    try:
        parsed, added, updated = workspace(ctx).import_evidence(path)
    except (OSError, ValueError, ValidationError) as exc:
        fail(f"{path}: {exc}")
        return
    for error in parsed.errors:
        stderr.print(f"[yellow]skipped[/] {escape(str(error))}", highlight=False)
    for item_id in sorted(set(parsed.duplicates)):
        stderr.print(f"[yellow]duplicate ID[/] {escape(item_id)}: the last row wins", highlight=False)
    stdout.print(f"Imported {len(parsed.items)} item(s): {added} added, {updated} updated, "
                 f"{len(parsed.errors)} row(s) skipped.")
    if parsed.errors:
        raise typer.Exit(1)


@app.command("list")
def list_(ctx: typer.Context, as_of: AsOf = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every item with its 800-171 requirements, ISO controls and freshness."""
    space = workspace(ctx)
    items, rules, day = space.evidence(), space.rules(), parse_date(as_of)
    if as_json:
        print_json(items)
        return
    rows = [(i.id, i.title, ", ".join(i.mapping.requirements), ", ".join(i.mapping.iso),
             str(i.effective or ""), freshness(i, rules, day)[0]) for i in items]
    stdout.print(table(f"{len(items)} evidence items", ("ID", "Title", "800-171", "ISO 27001", "Effective",
                                                         "Freshness"), rows))


@app.command("show")
def show(ctx: typer.Context, item_id: str, as_of: AsOf = None,
         as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """One item: controls as typed, and where they land in CMMC, 800-171A objectives and ISO 27001."""
    space = workspace(ctx)
    item = next((i for i in space.evidence() if i.id == item_id), None)
    if item is None:
        fail(f"no evidence item {item_id}")
        return
    if as_json:
        print_json(item)
        return
    state, due = freshness(item, space.rules(), parse_date(as_of))
    m = item.mapping
    lines = [f"[bold]{escape(item.id)}[/] {escape(item.title)}", escape(item.description),
             f"Owner: {escape(item.owner)} · type: {item.artifact_type}",
             f"Controls as given: {escape(', '.join(item.controls))}",
             f"NIST SP 800-171 Rev 2: {', '.join(m.requirements)}  (via ISO crosswalk: "
             f"{', '.join(m.requirements_via_iso) or '-'})",
             f"Objectives tagged: {escape(', '.join(m.objectives)) or '-'}", f"CMMC: {', '.join(m.cmmc) or '-'}",
             f"ISO/IEC 27001:2022: {', '.join(m.iso) or '-'}  (via crosswalk: {len(m.iso_via_nist)})",
             f"Effective {item.effective or '-'} · uploaded {item.uploaded or '-'} · review {item.review or '-'}"
             f" · expires {item.expires or '-'} → {state}" + (f" (until {due})" if due else ""),
             f"Location: {escape(item.location or '-')} · sha256: {item.sha256 or '-'}"]
    if m.unknown:
        lines.append(f"[yellow]Not recognised:[/] {escape(', '.join(m.unknown))}")
    stdout.print("\n".join(lines))


@app.command("gaps")
def gaps(
    ctx: typer.Context,
    framework: Annotated[list[str] | None, typer.Option("--framework", "-f",
                                                        help="cmmc-l2, cmmc-l1 or iso; repeat for several")] = None,
    as_of: AsOf = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write the gaps as CSV ('-' for stdout)")] = None,
) -> None:
    """Missing, stale and objective-level gaps of the register (default: CMMC Level 2 and ISO)."""
    wanted = framework or ["cmmc-l2", "iso"]
    bad = [f for f in wanted if f not in FRAMEWORKS]
    if bad:
        fail(f"unknown framework {', '.join(bad)} (use {', '.join(FRAMEWORKS)})")
    frameworks: list[Framework] = [f for f in FRAMEWORKS if f in wanted]
    space = workspace(ctx)
    report = gap_report(space.kb, space.evidence(), frameworks, space.rules(), parse_date(as_of), space.profile())
    if csv_out is not None:
        handle = sys.stdout if str(csv_out) == "-" else csv_out.open("w", newline="", encoding="utf-8")
        writer = csv.writer(handle)
        writer.writerow(["framework", "control", "title", "gap", "detail", "items", "objectives"])
        for g in report.gaps:
            writer.writerow([g.framework, g.control, g.title, g.gap, g.detail, ";".join(g.items),
                             ";".join(g.objectives)])
        if handle is not sys.stdout:
            handle.close()
        if str(csv_out) == "-":
            return
    if as_json:
        data = report.model_dump(mode="json")
        data["counts"] = report.counts()
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for name, counts in report.counts().items():
        stdout.print(f"[bold]{name}[/]: {counts['missing']} missing, {counts['stale']} stale, "
                     f"{counts['objective']} with open objectives")
    rows = [(g.framework, g.control, g.title, g.gap,
             g.detail + (f" ({', '.join(g.objectives)})" if g.objectives else "")) for g in report.gaps]
    stdout.print(table(f"{len(rows)} gaps as of {report.as_of}", ("Framework", "Control", "Title", "Gap", "Detail"),
                       [tuple(escape(c) for c in r) for r in rows]))
