"""Decline: a short, plain refusal that says what the assistant can do instead.

Unknown control IDs are explained (with the Rev 3 counterpart where there is one); private or personal
facts, legal advice and guarantees, predictions, requests to reproduce copyrighted standard text (ISO/IEC) and
other topics are declined without a guess, each with what the assistant can do instead.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from assistant.knowledge import FrameworkId
from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_control, finish

REASONS = {
    "unknown_id": "unknown control ID",
    "decline_private": "private or personal information",
    "decline_legal": "legal or certainty question",
    "decline_unknowable": "unknowable",
    "decline_offtopic": "out of domain",
    "decline_copyright": "copyrighted text",
}
_TEMPLATE = {"decline_private": "private", "decline_legal": "legal", "decline_unknowable": "unknowable",
             "decline_offtopic": "out_of_domain", "decline_copyright": "copyright"}


class DeclineRequest(BaseModel):
    """Why the question is declined, and the messages about IDs that do not exist."""

    reason: str = Field(description="one of: " + ", ".join(REASONS))
    unknown_ids: list[str] = Field(default_factory=list)


def read(inp: SkillInput) -> DeclineRequest:
    """The reason is the ask's label; unknown IDs come from the frame."""
    reason = inp.ask.intent if inp.ask.intent in REASONS else "decline_offtopic"
    return DeclineRequest(reason=reason, unknown_ids=list(inp.frame.unknown_ids.values()))


def run(deps: SkillDeps, request: DeclineRequest) -> Draft:
    """The refusal text; for unknown IDs, the explanation with ranges, suggestions and Rev 3 counterparts."""
    reason = REASONS.get(request.reason, REASONS["decline_offtopic"])
    if request.reason == "unknown_id":
        text = "\n\n".join(deps.t("refusal", "unknown_id", message=m) for m in request.unknown_ids)
        citations = [cite_control(deps.kb, found) for message in request.unknown_ids
                     for rev3 in re.findall(r"\b03\.\d{2}\.\d{2}\b", message)
                     if (found := deps.kb.get(FrameworkId.NIST_800_171R3, rev3))]
        return finish(deps, [text], citations, refused=True, refusal_reason=reason, confidence=0.95,
                      tools=["get_control"])
    return Draft(text=deps.t("refusal", _TEMPLATE.get(request.reason, "out_of_domain")), refused=True,
                 refusal_reason=reason, confidence=0.9)


SKILL = Skill(
    name="decline",
    summary="Decline plainly: unknown control IDs, private or personal facts, legal advice or guarantees, "
            "predictions, verbatim copies of copyrighted ISO text, and topics outside ISO 27001 and CMMC.",
    request_model=DeclineRequest, read=read, run=run,
)
