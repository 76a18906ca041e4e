"""What every skill shares: its inputs, the ``Draft`` it returns, citation builders and the ``Skill`` record.

A skill is one capability: a typed request read from the question frame and the context, the tool calls
with their citations, and the offline rendering (templates in ``prompts/answer_templates.yaml``). The same
request model is the schema of its LangChain tool, so the offline path and the LLM agent share one code path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from assistant.knowledge import Control, FrameworkId, KnowledgeBase
from assistant.knowledge.models import Passage, ProgramFact
from assistant.retrieval import Hit
from assistant.skills.answer import Citation
from assistant.understanding.context import Context
from assistant.understanding.frame import Ask, QuestionFrame

Search = Callable[[str, int, str | None], list[Hit]]
Templates = dict[str, dict[str, str]]


@dataclass
class Draft:
    """A skill's answer before the guardrail and timing are applied."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    confidence: float = 0.9
    refused: bool = False
    refusal_reason: str | None = None
    scope_category: str | None = None
    needs_input: bool = False
    body: str = ""  # the text without its sources line (answers of several asks share one)


@dataclass
class SkillDeps:
    """What skills may call: the knowledge base, search, the templates and the user's context."""

    kb: KnowledgeBase
    templates: Templates
    search: Search
    context: Context = field(default_factory=Context)
    # the stored system profile and evidence register (profile, items), when a workspace is configured
    workspace: Callable[[], tuple[Any, list[Any]]] | None = None

    def t(self, section: str, key: str, **values: Any) -> str:
        """A filled template phrase."""
        return self.templates[section][key].format(**values)


@dataclass
class SkillInput:
    """One ask of one question, with everything the skill may read its request from."""

    deps: SkillDeps
    frame: QuestionFrame
    ask: Ask

    @property
    def question(self) -> str:
        """The text this ask was read from (the whole question when it asks one thing)."""
        return self.ask.text or self.frame.question


@dataclass(frozen=True)
class Skill:
    """One capability, registered once: it feeds the router, the dispatch, the LLM tools and the eval kinds."""

    name: str
    summary: str  # the LLM tool's description
    request_model: type[BaseModel]
    read: Callable[[SkillInput], BaseModel]
    run: Callable[[SkillDeps, Any], Draft]
    uses_controls: bool = False  # answers about the controls the question names


# ---- citations ---------------------------------------------------------------------------------

def cite_control(kb: KnowledgeBase, control: Control) -> Citation:
    """A citation of a control with its framework's exact version."""
    framework = kb.framework(control.framework)
    return Citation(id=control.id, framework=control.framework.value, title=control.title,
                    source=framework.label, snippet=control.text[:240], kind="control")


def cite_passage(passage: Passage) -> Citation:
    """A citation of a DoD guide section."""
    return Citation(id=passage.id, framework="guide", title=passage.section, source=passage.document,
                    snippet=passage.text[:240], kind="guide")


def cite_fact(fact: ProgramFact) -> Citation:
    """A citation of a program rule with its legal source."""
    source = f"{fact.citation.document} {fact.citation.section}".strip()
    return Citation(id=f"fact:{fact.id}", framework="program", title=fact.title, source=source,
                    snippet=fact.text[:240], kind="rule")


def sources_line(citations: list[Citation]) -> str:
    """The distinct sources of ``citations``, at most eight."""
    seen = dict.fromkeys(f"{c.source}" + (f" {c.id}" if c.kind == "control" else f", {c.title}")
                         for c in citations)
    return " · ".join(list(seen)[:8])


def finish(deps: SkillDeps, parts: list[str], citations: list[Citation], **kwargs: Any) -> Draft:
    """Join the parts of an answer (empty ones dropped); the sources come last."""
    body = "\n\n".join(p for p in parts if p)
    text = body + ("\n\n" + deps.t("common", "sources", sources=sources_line(citations)) if citations else "")
    return Draft(text=text, citations=citations, body=body, **kwargs)


# ---- small text helpers ------------------------------------------------------------------------

def sentence(text: str, limit: int) -> str:
    """``text`` cut at the last full sentence within ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: cut.rfind(". ") + 1] if ". " in cut else cut.rstrip() + "…"


def letter(objective_id: str) -> str:
    """``[a]`` of ``3.1.1[a]``."""
    return "[" + objective_id.split("[", 1)[1]


def objectives_line(kb: KnowledgeBase, requirement_id: str) -> str:
    """The 800-171A objectives of a requirement on one line."""
    return " · ".join(f"{o.id} {o.text.removeprefix('Determine if ')}" for o in kb.objectives(requirement_id))


def requirement_of(kb: KnowledgeBase, control: Control) -> Control:
    """The 800-171 Rev 2 requirement a control stands for (practice and objective folded), else itself."""
    canonical = kb.canonical_requirement(control)
    if canonical.framework is FrameworkId.NIST_800_171A:
        return kb.resolve(canonical.parent)
    return canonical


def level_of(frame: QuestionFrame, default: int) -> int:
    """The CMMC level the question names, or Level 1 when it speaks of FCI only, else ``default``."""
    if frame.level:
        return frame.level
    if re.search(r"\bfci\b", frame.question, re.I) and not re.search(r"\bcui\b", frame.question, re.I):
        return 1
    return default
