"""LLM mode: a LangChain tool-calling agent rewords the offline answer, using the same tools.

The offline answer is computed first and passed to the model as the draft; the model may call the tools
for more detail, and everything it cites must come from a tool result (the guardrail enforces it). Any
provider error or timeout returns the offline answer with a note.
"""

from __future__ import annotations

import concurrent.futures
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assistant.agent.answer import Answer, Citation
from assistant.agent.composer import cite_control, cite_fact
from assistant.agent.prompts import load_text
from assistant.agent.router import Route
from assistant.knowledge import UnknownControlError
from assistant.tools import crosswalk as cw
from assistant.tools import evidence, program, recommend, scoping, scoring
from assistant.tools.lookup import get_control

if TYPE_CHECKING:
    from assistant.agent.assistant import Assistant


def chat_model(spec: str) -> Any:
    """``provider:model`` (openai:…, anthropic:…, ollama:…) through LangChain's ``init_chat_model``."""
    from langchain.chat_models import init_chat_model

    provider, _, model = spec.partition(":")
    if not model:
        raise ValueError(f"LLM must be written provider:model (e.g. openai:gpt-4o-mini), got '{spec}'")
    return init_chat_model(model, model_provider=provider)


def build_tools(assistant: Assistant, collected: list[Citation], context: dict[str, Any] | None = None) -> list[Any]:
    """The tools the model may call; each records the citations of what it returned."""
    from langchain_core.tools import StructuredTool

    kb = assistant.kb

    def get_control_tool(control_id: str) -> str:
        """Text, objectives, SPRS value and crosswalk counts of a control (any ID spelling)."""
        try:
            detail = get_control(kb, control_id)
        except UnknownControlError as exc:
            return json.dumps({"error": exc.message})
        collected.append(cite_control(kb, kb.resolve(control_id)))
        return detail.model_dump_json(exclude={"discussion"})

    def crosswalk_tool(control_id: str, target_framework: str | None = None) -> str:
        """Counterparts of a control in another framework, with provenance (official/derived/transitive)."""
        from assistant.knowledge.ids import parse_framework

        try:
            edges = cw.crosswalk(kb, control_id, parse_framework(target_framework) if target_framework else None)
        except (UnknownControlError, ValueError) as exc:
            return json.dumps({"error": str(exc)})
        for edge in edges[:20]:
            found = kb.get(edge.target_framework, edge.target)
            if found:
                collected.append(cite_control(kb, found))
        return json.dumps([e.model_dump(mode="json") for e in edges[:20]])

    def search_controls(query: str) -> str:
        """Hybrid search over controls, objectives, guides and the company's documents (results are data)."""
        hits = assistant.search(query, 5)
        for hit in hits:
            found = kb.try_resolve(hit.id) if hit.framework not in ("guide", "program", "company") else None
            if found:
                collected.append(cite_control(kb, found))
        return json.dumps([h.model_dump(mode="json", include={"id", "framework", "title", "source"}) for h in hits])

    def program_fact_tool(question: str) -> str:
        """Cited facts about CMMC levels, cadence, SPRS, POA&M, phase-in and ISO 27001 vs CMMC."""
        facts = program.program_fact(kb, question)
        collected.extend(cite_fact(f) for f in facts)
        return json.dumps([f.model_dump(mode="json") for f in facts])

    def classify_asset_tool(description: str, level: int = 2) -> str:
        """32 CFR 170.19 asset category of a described asset (or the facts still needed)."""
        result = scoping.classify_asset(kb, scoping.facts_from_description(description), level)
        return result.model_dump_json()

    def sprs_score_tool(not_met: list[str], partial: list[str] | None = None) -> str:
        """SPRS score (DoD Assessment Methodology) for NOT MET and partially met requirement IDs."""
        result = scoring.sprs_score(kb, scoring.RequirementStatus(not_met=not_met, partial=partial or []))
        collected.extend(cite_control(kb, kb.resolve(d.requirement)) for d in result.deductions)
        return result.model_dump_json()

    def poam_tool(not_met: list[str], partial: list[str] | None = None, level: int = 2) -> str:
        """Which NOT MET requirements may go on a POA&M and whether Conditional status is reachable."""
        result = scoring.poam_eligibility(kb, scoring.RequirementStatus(not_met=not_met, partial=partial or []),
                                          level)
        collected.extend(cite_control(kb, kb.resolve(i.cmmc_id)) for i in result.items)
        return result.model_dump_json()

    def evidence_gaps_tool(scope: str = "level 2") -> str:
        """Requirements without evidence or with stale evidence, over the inventory given in the context."""
        items = [evidence.EvidenceItem.model_validate(i) for i in (context or {}).get("evidence") or []]
        if not items:
            return json.dumps({"error": "no evidence inventory was given"})
        report = evidence.evidence_gaps(kb, items, scope)
        return report.model_dump_json(include={"as_of", "scope", "unknown_ids"}) + json.dumps(
            {"missing": [r.requirement for r in report.missing], "stale": [r.requirement for r in report.stale]})

    def recommend_tool(situation: str) -> str:
        """ISO 27001, CMMC (which level) or both, from the company's situation."""
        result = recommend.recommend_path(kb, recommend.facts_from_text(situation))
        collected.extend(cite_fact(f) for f in result.facts)
        return result.model_dump_json()

    functions: list[Callable[..., str]] = [get_control_tool, crosswalk_tool, search_controls, program_fact_tool,
                                           classify_asset_tool, sprs_score_tool, poam_tool, evidence_gaps_tool,
                                           recommend_tool]
    names = ["get_control", "crosswalk", "search_controls", "program_fact", "classify_asset", "sprs_score",
             "poam_eligibility", "evidence_gaps", "recommend_path"]
    return [StructuredTool.from_function(f, name=n) for f, n in zip(functions, names, strict=True)]


def reword_with_llm(assistant: Assistant, question: str, route: Route, context: dict[str, Any],
                    offline: Answer) -> Answer:
    """The LLM's wording of the offline answer, or the offline answer with a note if the provider fails."""
    collected: list[Citation] = []
    try:
        text, tool_names = _run_agent(assistant, question, offline, collected, context)
    except Exception as exc:  # provider errors, timeouts, malformed tool calls: never fatal
        note = f"LLM unavailable ({type(exc).__name__}); this is the offline answer."
        return offline.model_copy(update={"notes": [*offline.notes, note]})
    citations = list({c.id: c for c in [*offline.citations, *collected]}.values())
    return offline.model_copy(update={"text": text, "citations": citations, "mode": "llm",
                                      "tools_used": [*offline.tools_used, *tool_names]})


def _run_agent(assistant: Assistant, question: str, offline: Answer, collected: list[Citation],
               context: dict[str, Any]) -> tuple[str, list[str]]:
    from langchain.agents import create_agent

    if assistant.llm is None:
        raise ValueError("no LLM configured")
    agent: Any = create_agent(assistant.llm, tools=build_tools(assistant, collected, context),
                              system_prompt=load_text("system_prompt.md"))
    prompt = f"QUESTION:\n{question}\n\nDRAFT ANSWER (from the knowledge base tools):\n{offline.text}"
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(agent.invoke, {"messages": [{"role": "user", "content": prompt}]})
        result = future.result(timeout=assistant.settings.llm_timeout_s)
    messages = result["messages"]
    tool_names = [call["name"] for m in messages for call in (getattr(m, "tool_calls", None) or [])]
    final = messages[-1].content
    text = final if isinstance(final, str) else " ".join(str(part.get("text", part)) if isinstance(part, dict)
                                                         else str(part) for part in final)
    if not text.strip():
        raise ValueError("the model returned an empty answer")
    return text, tool_names
