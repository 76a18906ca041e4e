"""``compliance-assistant``: the typer application, its shared options, and the entry point that turns every
failure into one ``error:`` line (exit 2 for bad input, 1 for an internal error, never a traceback)."""

from __future__ import annotations

import contextlib
import sys
import tempfile
import traceback
import uuid
from pathlib import Path

import typer
from pydantic import ValidationError

from assistant.cli import ask, controls, evals, evidence, index, program_calendar, purge, slack, soa, ssp, system
from assistant.cli.context import CliState, fail
from assistant.settings import Settings

app = typer.Typer(
    name="compliance-assistant",
    help="Grounded answers for ISO/IEC 27001:2022 and CMMC 2.0 (NIST SP 800-171 Rev 2).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
app.command("purge")(purge.purge)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Load settings once and hand them to every command."""
    try:
        settings = Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        fail(f"invalid setting {where} (environment or .env): {error['msg']}")
        return
    ctx.obj = CliState(settings=settings)


def main() -> None:
    """Console-script entry point."""
    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 argument echoed back must not crash the printing
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    from assistant.cli.render import plain

    args = [plain(a) for a in sys.argv[1:]]  # bytes that are not UTF-8 become U+FFFD: a clear "unknown" later
    try:
        code = app(args=args, standalone_mode=False)
    except typer.TyperException as exc:  # usage errors: unknown command or option, bad option value…
        context = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and context is not None:
            print(context.get_help())  # no arguments: the help, as in standalone mode
            sys.exit(2)
        hint = f" (see '{context.command_path} --help')" if context is not None else ""
        _error(f"{exc.format_message()}{hint}")
        sys.exit(getattr(exc, "exit_code", 2))
    except typer.Abort:
        _error("aborted")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log = _write_traceback(reference)
        _error(f"internal error (reference {reference}); the details are in {log}. Please report it.")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def _error(message: str) -> None:
    from assistant.cli.render import safe, stderr

    stderr.print(f"[bold red]error:[/] {safe(' '.join(message.split()))}", highlight=False)


def _write_traceback(reference: str) -> Path:
    """Append the traceback to ``<data dir>/logs/cli-errors.log`` (the temp folder when that is unwritable)."""
    text = f"--- reference {reference}\n{traceback.format_exc()}\n"
    candidates = []
    with contextlib.suppress(Exception):  # settings that cannot load were reported; the temp folder remains
        candidates.append(Settings().data_dir / "logs")
    candidates.append(Path(tempfile.gettempdir()))
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "cli-errors.log"
            with path.open("a", encoding="utf-8", errors="backslashreplace") as handle:
                handle.write(text)
            return path
        except OSError:
            continue
    return Path("(nowhere: no writable folder)")
