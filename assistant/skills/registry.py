"""The one registry of skills: it feeds question understanding (the intent labels), the dispatch, the LLM
agent's tool list and the eval ``kind`` list. A new capability is one module here, its templates and tests."""

from __future__ import annotations

from assistant.skills import (
    crosswalk,
    decline,
    evidence,
    facts,
    family,
    lookup,
    poam,
    recommend,
    scoping,
    search,
    sprs,
    ssp,
)
from assistant.skills.base import Skill

SKILLS: dict[str, Skill] = {s.name: s for s in (
    lookup.SKILL, crosswalk.SKILL, scoping.SKILL, sprs.SKILL, poam.SKILL, evidence.SKILL, ssp.SKILL,
    facts.SKILL, recommend.SKILL, search.SKILL, family.SKILL, decline.SKILL,
)}
DECLINE_LABELS = tuple(label for label in decline.REASONS if label.startswith("decline_"))
# Eval kinds: every skill, "refusal" for declines, and the kinds older suites used.
EVAL_KINDS = (*tuple(name for name in SKILLS if name != "decline"), "refusal")


def skill_for(label: str) -> Skill:
    """The skill that answers an intent label (every ``decline_*`` label goes to ``decline``)."""
    if label in DECLINE_LABELS or label == "unknown_id":
        return SKILLS["decline"]
    return SKILLS[label]


# Skills chosen from hard tokens rather than by the classifier (a family named in the question).
TOKEN_SKILLS = ("family",)


def intent_labels() -> tuple[str, ...]:
    """The labels the classifier may predict: one per answering skill, and each decline reason."""
    return tuple(name for name in SKILLS if name not in ("decline", *TOKEN_SKILLS)) + DECLINE_LABELS
