"""``compliance-assistant``: the typer application and its shared options."""

from __future__ import annotations

import typer

from assistant.cli import ask, controls, evals, evidence, index, program_calendar, slack, soa, ssp, system
from assistant.cli.context import CliState
from assistant.settings import Settings

app = typer.Typer(
    name="compliance-assistant",
    help="Grounded answers for ISO/IEC 27001:2022 and CMMC 2.0 (NIST SP 800-171 Rev 2).",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(controls.app, name="controls")
app.add_typer(index.app, name="index")
app.command("search")(index.search)
app.command("ask")(ask.ask)
app.command("chat")(ask.chat)
app.command("eval")(evals.eval_command)
app.command("slack")(slack.slack)
app.add_typer(system.app, name="system")
app.add_typer(evidence.app, name="evidence")
app.add_typer(ssp.app, name="ssp")
app.add_typer(soa.app, name="soa")
app.command("calendar")(program_calendar.calendar)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Load settings once and hand them to every command."""
    ctx.obj = CliState(settings=Settings())


def main() -> None:
    """Console-script entry point."""
    app()
