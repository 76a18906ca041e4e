"""LLM mode: a LangChain tool-calling agent rewords the offline answer, with the skills as its tools.

The offline answer is computed first and passed to the model as the draft; the model may call the tools
for more detail, and everything it cites must come from a tool result (the guardrail enforces it). Any
provider error or timeout returns the offline answer with a note.
"""

from __future__ import annotations

import concurrent.futures
import json
from typing import Any

from assistant.agent.prompts import load_text
from assistant.knowledge import UnknownControlError
from assistant.skills.answer import Answer, Citation
from assistant.skills.base import Skill, SkillDeps
from assistant.skills.registry import SKILLS


def chat_model(spec: str) -> Any:
    """``provider:model`` (openai:…, anthropic:…, ollama:…) through LangChain's ``init_chat_model``."""
    from langchain.chat_models import init_chat_model

    provider, _, model = spec.partition(":")
    if not model:
        raise ValueError(f"LLM must be written provider:model (e.g. openai:gpt-4o-mini), got '{spec}'")
    return init_chat_model(model, model_provider=provider)


def build_tools(deps: SkillDeps, collected: list[Citation]) -> list[Any]:
    """One LangChain tool per registered skill: its request model is the schema, its summary the description;
    each call records the citations of what it returned."""
    from langchain_core.tools import StructuredTool

    tools = []
    for skill in SKILLS.values():
        def call(_skill: Skill = skill, **arguments: Any) -> str:
            try:
                draft = _skill.run(deps, _skill.request_model.model_validate(arguments))
            except (UnknownControlError, ValueError) as exc:
                return json.dumps({"error": str(exc)})
            collected.extend(draft.citations)
            return json.dumps({"answer": draft.text, "refused": draft.refused,
                               "citations": [c.model_dump(include={"id", "title", "source"}) for c in draft.citations]})

        tools.append(StructuredTool.from_function(call, name=skill.name, description=skill.summary,
                                                  args_schema=skill.request_model))
    return tools


def reword_with_llm(llm: Any, deps: SkillDeps, question: str, offline: Answer, timeout_s: float) -> Answer:
    """The LLM's wording of the offline answer, or the offline answer with a note if the provider fails."""
    collected: list[Citation] = []
    try:
        text, tool_names = _run_agent(llm, deps, question, offline, collected, timeout_s)
    except Exception as exc:  # provider errors, timeouts, malformed tool calls: never fatal
        note = f"LLM unavailable ({type(exc).__name__}); this is the offline answer."
        return offline.model_copy(update={"notes": [*offline.notes, note]})
    citations = list({c.id: c for c in [*offline.citations, *collected]}.values())
    return offline.model_copy(update={"text": text, "citations": citations, "mode": "llm",
                                      "tools_used": [*offline.tools_used, *tool_names]})


def _run_agent(llm: Any, deps: SkillDeps, question: str, offline: Answer, collected: list[Citation],
               timeout_s: float) -> tuple[str, list[str]]:
    from langchain.agents import create_agent

    agent: Any = create_agent(llm, tools=build_tools(deps, collected),
                              system_prompt=load_text("system_prompt.md"))
    prompt = f"QUESTION:\n{question}\n\nDRAFT ANSWER (from the knowledge base tools):\n{offline.text}"
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(agent.invoke, {"messages": [{"role": "user", "content": prompt}]})
        result = future.result(timeout=timeout_s)
    messages = result["messages"]
    tool_names = [call["name"] for m in messages for call in (getattr(m, "tool_calls", None) or [])]
    final = messages[-1].content
    text = final if isinstance(final, str) else " ".join(str(part.get("text", part)) if isinstance(part, dict)
                                                         else str(part) for part in final)
    if not text.strip():
        raise ValueError("the model returned an empty answer")
    return text, tool_names
