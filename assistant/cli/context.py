"""State shared by CLI commands: the settings and the lazily loaded knowledge base."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

import typer

from assistant.knowledge import KnowledgeBase, KnowledgeError, get_knowledge_base
from assistant.settings import Settings


@dataclass
class CliState:
    """What a command needs from the application around it."""

    settings: Settings
    _kb: KnowledgeBase | None = field(default=None, repr=False)

    def assistant(self, llm: str | None = None) -> Any:
        """The assistant for these settings; ``llm`` overrides the configured one. An LLM that cannot be set up
        is named on stderr and the assistant answers offline."""
        from assistant.agent import LlmUnavailable, build_assistant

        try:
            return build_assistant(self.settings, self.knowledge_base(), llm_spec=llm)
        except LlmUnavailable as exc:
            from assistant.cli.render import safe, stderr

            stderr.print(f"[yellow]{safe(exc)}; answering offline.[/]", highlight=False)
            return build_assistant(self.settings, self.knowledge_base(), llm_spec="")

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


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` on stderr and end the command with a non-zero exit code."""
    from assistant.cli.render import safe, stderr

    stderr.print(f"[bold red]error:[/] {safe(' '.join(message.split()))}", highlight=False)
    raise typer.Exit(code)
