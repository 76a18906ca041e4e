"""Block Kit rendering of an ``Answer``: the text, citations as context blocks, and the buttons.

Citations are data: the guardrail has already marked unknown IDs and quoted instruction-like text in
company documents; here every string is escaped for mrkdwn, stripped of control characters, and a source
that is still an absolute server path is cut to its file name."""

from __future__ import annotations

import re
from typing import Any

from assistant.agent import Answer
from assistant.knowledge.text import strip_controls

SECTION_LIMIT = 2900  # Slack allows 3,000 characters per section text
MAX_CITATIONS = 10
_ABSOLUTE = re.compile(r"^(?:/|\\|[A-Za-z]:[\\/]|~[\\/])")


def escape(text: str) -> str:
    """Slack mrkdwn escaping (&, < and > must be entities or Slack reads them as markup, links or
    mentions), with control characters and terminal escape sequences (CSI and OSC alike) removed."""
    return strip_controls(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shown_source(source: str) -> str:
    """A citation's source as users may see it: never an absolute path on the server."""
    return re.split(r"[\\/]", source.rstrip("\\/"))[-1] if _ABSOLUTE.match(source) else source


def _sections(text: str) -> list[dict[str, Any]]:
    chunks, current = [], ""
    for paragraph in escape(text).split("\n\n"):
        if current and len(current) + len(paragraph) + 2 > SECTION_LIMIT:
            chunks.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph[:SECTION_LIMIT]
    if current:
        chunks.append(current)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks]


def _citation_blocks(answer: Answer) -> list[dict[str, Any]]:
    blocks = []
    for citation in answer.citations[:MAX_CITATIONS]:
        label = f"*{escape(citation.id)}* {escape(citation.title)} · {escape(citation.framework)} · " \
                f"{escape(shown_source(citation.source))}"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": label[:2900]}]})
    return blocks


def answer_blocks(answer: Answer, audit_id: int, owner_known: bool) -> list[dict[str, Any]]:
    """The full message: answer, citations, and actions (detail, crosswalk, feedback, ask a human)."""
    blocks = _sections(answer.text) + _citation_blocks(answer)
    buttons: list[dict[str, Any]] = []
    first = answer.cited_ids[0] if answer.cited_ids else None
    if first:
        buttons += [_button("Show control text", "show_control", first), _button("Crosswalk", "crosswalk", first)]
    buttons += [_button("Helpful", "feedback_helpful", str(audit_id)), _button("Wrong", "feedback_wrong",
                                                                              str(audit_id))]
    if owner_known and (answer.refused or answer.confidence < 0.5 or answer.needs_input):
        buttons.append(_button("Ask a human", "ask_human", str(audit_id)))
    blocks.append({"type": "actions", "block_id": f"answer_actions_{audit_id}", "elements": buttons})
    return blocks


def _button(text: str, action_id: str, value: str) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id,
            "value": strip_controls(value)}


def text_blocks(text: str) -> list[dict[str, Any]]:
    """A plain message as sections (used for warnings, details and errors)."""
    return _sections(text)


HOME_EXAMPLES = [
    "Engineers sometimes paste CUI into Jira tickets. Is Jira in scope?",
    "which ISO 27001 controls cover 3.5.3?",
    "what's our SPRS score if we lack FIPS crypto?",
    "can AC.L2-3.1.20 go on a POA&M?",
]


def home_view() -> dict[str, Any]:
    """The App Home tab: what the assistant does and questions to try."""
    examples = "\n".join(f"• {escape(q)}" for q in HOME_EXAMPLES)
    return {"type": "home", "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "Compliance assistant"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": (
            "Grounded answers for *ISO/IEC 27001:2022* and *CMMC 2.0* (NIST SP 800-171 Rev 2): controls and "
            "objectives, crosswalks, asset scoping (32 CFR 170.19), SPRS scores, POA&M rules, SSP drafts. "
            "Every answer cites its sources.")}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*Try:*\n{examples}"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": (
            "Mention me in a channel, DM me, or use `/compliance ask …`, `control ID`, `crosswalk ID`, "
            "`scope …`, `score ID …`, `help`. Never paste CUI into Slack.")}]},
    ]}
