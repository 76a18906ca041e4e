"""State shared by CLI commands: the settings and the lazily loaded knowledge base."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer

from assistant.knowledge import KnowledgeBase, KnowledgeError, get_knowledge_base
from assistant.settings import Settings


@dataclass
class CliState:
    """What a command needs from the application around it."""

    settings: Settings
    _kb: KnowledgeBase | None = field(default=None, repr=False)

    def knowledge_base(self) -> KnowledgeBase:
        """The knowledge base named by the settings; a broken one ends the command with its error."""
        if self._kb is None:
            try:
                self._kb = get_knowledge_base(self.settings.knowledge_dir)
            except KnowledgeError as exc:
                fail(f"cannot load the knowledge base: {exc}")
        assert self._kb is not None
        return self._kb


def state(ctx: typer.Context) -> CliState:
    """The ``CliState`` of the running command."""
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj


def fail(message: str, code: int = 2) -> None:
    """Print ``message`` on stderr and end the command with a non-zero exit code."""
    from assistant.cli.render import stderr

    stderr.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)
