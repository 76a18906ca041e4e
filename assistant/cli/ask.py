"""``compliance-assistant ask`` and ``compliance-assistant chat``: questions in, rendered answers out."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markdown import Markdown
from rich.panel import Panel

from assistant.cli.context import fail, state
from assistant.cli.render import clean, plain, print_json, safe, stdout
from assistant.knowledge import UnknownControlError
from assistant.knowledge.safe_yaml import load_yaml_file
from assistant.understanding.context import Context, ContextError, parse_context

EXAMPLES = [
    "Engineers sometimes paste CUI into Jira tickets. Is Jira in scope for CMMC?",
    "we're ISO certified. which annex A controls line up with 3.1.1?",
    "what's our SPRS score if we lack FIPS-validated crypto?",
    "what does 3.4.12 require? it's on our gap list from the consultant",
]


def _context(path: Path | None) -> Context:
    if path is None:
        return Context()
    try:
        data = load_yaml_file(path)
        return parse_context(data or {})
    except (OSError, ValueError) as exc:
        fail(f"context file {path}: {exc}")
    raise AssertionError("unreachable")


def _ask(assistant: Any, question: str, conversation: str | None, context: Context) -> Any:
    """``assistant.ask``; an unknown ID or a bad context ends the command with the tool's own message."""
    try:
        return assistant.ask(plain(question), plain(conversation) if conversation else None, context)
    except UnknownControlError as exc:
        fail(exc.message)
    except ContextError as exc:
        fail(str(exc))
    raise AssertionError("unreachable")


def render(answer: Any) -> None:
    """An answer as a panel: text, then the citations and notes. Everything printed is data: terminal
    escape sequences and control characters are stripped and rich markup is escaped."""
    footer = f"intent {answer.intent} · {answer.mode} · {answer.latency_ms:.0f} ms"
    if answer.scope_category:
        footer += f" · scope: {answer.scope_category}"
    text = clean(answer.text)  # Markdown does not read rich markup: nothing to escape, only controls to strip
    stdout.print(Panel(Markdown(text.replace("*", "**")), subtitle=safe(footer), subtitle_align="right"))
    for citation in answer.citations[:10]:
        stdout.print(f"  [dim]•[/] [bold]{safe(citation.id)}[/] {safe(citation.title)} "
                     f"[dim]· {safe(citation.source)}[/]", highlight=False)
    for note in answer.notes:
        stdout.print(f"[dim]{safe(note)}[/]", highlight=False)


def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="Your question, in plain words or IDs")],
    context_file: Annotated[
        Path | None, typer.Option("--context", help="YAML: evidence, not_met, partial, as_of, scope, asset")
    ] = None,
    llm: Annotated[str | None, typer.Option("--llm", help="provider:model, e.g. openai:gpt-4o-mini")] = None,
    conversation: Annotated[str | None, typer.Option("--conversation", help="continue a conversation")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ask one question and get a grounded, cited answer."""
    context = _context(context_file)  # a bad file fails before the model is loaded
    answer = _ask(state(ctx).assistant(llm), question, conversation, context)
    if as_json:
        print_json(answer)
    else:
        render(answer)


def chat(
    ctx: typer.Context,
    llm: Annotated[str | None, typer.Option("--llm", help="provider:model")] = None,
    context_file: Annotated[Path | None, typer.Option("--context")] = None,
) -> None:
    """A conversation in the terminal; follow-ups resolve against earlier turns. Empty line or Ctrl-D ends."""
    context = _context(context_file)
    assistant = state(ctx).assistant(llm)
    conversation = uuid.uuid4().hex
    if not sys.stdin.isatty():
        stdout.print("[dim]stdin is not a terminal: answering a few example questions.[/]")
        for question in EXAMPLES:
            stdout.print(f"[bold]> {question}[/]")
            render(_ask(assistant, question, conversation, context))
        return
    stdout.print("Ask about ISO/IEC 27001:2022 or CMMC 2.0 (NIST SP 800-171 Rev 2). Empty line to quit.")
    while True:
        try:
            question = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        except UnicodeDecodeError:
            stdout.print("[yellow]That line was not UTF-8 text; please type it again.[/]")
            continue
        if not question:
            break
        try:
            render(assistant.ask(plain(question), conversation, context))
        except UnknownControlError as exc:
            stdout.print(f"[yellow]{safe(exc.message)}[/]", highlight=False)
