"""Optional LLM-as-judge: a 1-5 narrative-quality grade per answer from the configured LLM (off by default)."""

from __future__ import annotations

import re
from typing import Any

from assistant.agent.prompts import load_text


def judge_answers(model: Any, cases: list[dict[str, Any]], questions: dict[str, str]) -> float | None:
    """Grade every case in place (``judge_score``); return the mean, or None if no grade could be read."""
    grades = []
    for case in cases:
        prompt = f"QUESTION:\n{questions[case['id']]}\n\nANSWER:\n{case['answer']}"
        try:
            reply = model.invoke([("system", load_text("judge.md")), ("user", prompt)])
        except Exception as exc:  # a failing judge must not fail the eval
            case["judge_error"] = type(exc).__name__
            continue
        match = re.search(r"[1-5]", str(getattr(reply, "content", reply)))
        if match:
            case["judge_score"] = int(match.group(0))
            grades.append(int(match.group(0)))
    return round(sum(grades) / len(grades), 2) if grades else None
