"""The ``Answer`` every front end renders and every eval scores."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Citation(BaseModel):
    """A record an answer rests on: a control, a guide passage or a program rule."""

    id: str
    framework: str
    title: str
    source: str
    snippet: str = ""
    kind: str = "control"  # control | guide | rule


class Answer(BaseModel):
    """What the assistant says, what it rests on, and how it got there."""

    text: str
    citations: list[Citation] = Field(default_factory=list)
    intent: str
    tools_used: list[str] = Field(default_factory=list)
    confidence: float = 0.0
    refused: bool = False
    refusal_reason: str | None = None
    scope_category: str | None = None
    needs_input: bool = False  # the answer asks for facts instead of asserting anything
    latency_ms: float = 0.0
    conversation_id: str | None = None
    mode: str = "offline"
    notes: list[str] = Field(default_factory=list)  # guardrail and fallback notes

    @property
    def cited_ids(self) -> list[str]:
        """Control IDs of the citations (not guide passages or rules), in order, without repeats."""
        return list(dict.fromkeys(c.id for c in self.citations if c.kind == "control"))
