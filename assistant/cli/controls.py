"""``compliance-assistant controls show|list|crosswalk``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.panel import Panel

from assistant.cli.context import fail, state
from assistant.cli.render import print_json, safe, stdout, table
from assistant.knowledge import FrameworkId, UnknownControlError
from assistant.knowledge.ids import parse_framework
from assistant.tools.crosswalk import EdgeView, crosswalk
from assistant.tools.lookup import ControlDetail, get_control, list_controls

app = typer.Typer(help="Look up controls, requirements and objectives, and their crosswalks.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
FrameworkOption = Annotated[
    str | None, typer.Option("--framework", "-f", help="171, 171a, 172, cmmc, far, iso, iso27001-2013, 53, r3")
]


def _framework(value: str | None) -> FrameworkId | None:
    if value is None:
        return None
    try:
        return parse_framework(value)
    except ValueError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


@app.command("show")
def show(
    ctx: typer.Context,
    control_id: Annotated[str, typer.Argument(help="Any spelling: 3.1.1, AC.L2-3.1.1, A.5.15…")],
    as_json: JsonOption = False,
) -> None:
    """Show one control: text, objectives, SPRS points, CMMC IDs and crosswalk counts."""
    kb = state(ctx).knowledge_base()
    try:
        detail = get_control(kb, control_id)
    except UnknownControlError as exc:
        fail(exc.message)
        return
    if as_json:
        print_json(detail)
        return
    stdout.print(_detail_panel(detail))


def _detail_panel(detail: ControlDetail) -> Panel:
    lines = [f"[bold]{escape(detail.title)}[/]", "", escape(detail.text)]
    if detail.family:
        lines.append(f"\n[dim]Family:[/] {escape(detail.family_id)} {escape(detail.family)}")
    if detail.requirement_type:
        lines.append(f"[dim]Type:[/] {detail.requirement_type}")
    if detail.point_value is not None:
        lines.append(f"[dim]SPRS value:[/] {_points(detail)}")
    if detail.equivalents:
        lines.append(f"[dim]Same requirement as:[/] {', '.join(detail.equivalents)}")
    if detail.objectives:
        lines.append("\n[bold]Assessment objectives[/] (determine if…)")
        lines.extend(f"  {escape(o.id)}  {escape(o.text.removeprefix('Determine if '))}" for o in detail.objectives)
    if detail.discussion:
        lines.append(f"\n[bold]Discussion[/]\n{escape(detail.discussion)}")
    if detail.crosswalk_counts:
        counts = ", ".join(f"{fw}: {n}" for fw, n in sorted(detail.crosswalk_counts.items()))
        lines.append(f"\n[dim]Crosswalk edges:[/] {counts}  (compliance-assistant controls crosswalk {detail.id})")
    lines.append(f"[dim]Source:[/] {escape(detail.source or detail.framework_name)}")
    title = f"{escape(detail.id)} · {escape(detail.framework_name)} {escape(detail.framework_version)}"
    return Panel("\n".join(lines), title=title, title_align="left")


def _points(detail: ControlDetail) -> str:
    value = detail.point_value
    assert value is not None
    if value.points is None:
        return f"not scored ({escape(value.comment)})"
    if value.partial_points is not None:
        return (f"{value.points} points if {value.full_condition}; {value.partial_points} if "
                f"{value.partial_condition}")
    return f"{value.points} point{'s' if value.points != 1 else ''}"


@app.command("list")
def list_(
    ctx: typer.Context,
    framework: FrameworkOption = None,
    family: Annotated[str | None, typer.Option("--family", "--theme", help="Family or theme: AC, 3.1, A.5…")] = None,
    level: Annotated[int | None, typer.Option("--level", min=1, max=3, help="CMMC level")] = None,
    objectives: Annotated[bool, typer.Option("--objectives", help="Include assessment objectives.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List controls; with no filter, every framework's."""
    kb = state(ctx).knowledge_base()
    views = list_controls(kb, _framework(framework), family, level, objectives)
    if as_json:
        print_json(views)
        return
    if not views:
        fail("no controls match those filters", code=1)
    rows = [(safe(v.id), v.framework.value, safe(v.title), safe(f"{v.family_id} {v.family}".strip())) for v in views]
    stdout.print(table(f"{len(views)} controls", ("ID", "Framework", "Title", "Family / theme"), rows))


@app.command("crosswalk")
def crosswalk_(
    ctx: typer.Context,
    control_id: Annotated[str, typer.Argument(help="Any spelling of a control ID")],
    to: Annotated[str | None, typer.Option("--to", "-t", help="Only edges into this framework")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show a control's counterparts in other frameworks, saying which edges are official."""
    kb = state(ctx).knowledge_base()
    try:
        edges = crosswalk(kb, control_id, _framework(to))
    except UnknownControlError as exc:
        fail(exc.message)
        return
    if as_json:
        print_json(edges)
        return
    if not edges:
        stdout.print(f"No crosswalk edges for {safe(control_id)}" + (f" into {safe(to)}." if to else "."))
        return
    stdout.print(table(f"Crosswalk of {escape(edges[0].source)}", ("Target", "Framework", "Title", "Relationship",
                                                        "Provenance", "Via"), [_edge_row(e) for e in edges]))
    if any(e.provenance != "official" for e in edges):
        stdout.print("[dim]derived: official mapping carried to newer IDs · transitive: two hops through NIST "
                     "SP 800-53 Rev 5, not a direct mapping · community: third-party mapping[/]")


def _edge_row(edge: EdgeView) -> tuple[str, ...]:
    return (safe(edge.target), edge.target_framework.value, safe(edge.target_title), edge.relationship.value,
            edge.provenance.value, escape(", ".join(edge.via)))
