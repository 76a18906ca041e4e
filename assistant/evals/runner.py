"""Run a suite through ``Assistant.ask`` and produce ``results.json`` content, plus the baseline gate."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from assistant.agent import Assistant
from assistant.evals.cases import Case
from assistant.evals.scorers import CaseResult, aggregate, failed_case, score_case

GATE_TOLERANCE = 0.01  # one accuracy point


def run_case(assistant: Assistant, case: Case) -> CaseResult:
    """Ask the case's question (after its ``history`` questions, in one conversation) and score it."""
    conversation = uuid.uuid4().hex
    context = dict(case.context)
    history = context.pop("history", []) or []
    try:
        for earlier in history:
            assistant.ask(str(earlier), conversation, context)
        answer = assistant.ask(case.question, conversation, context, remember=bool(history))
    except Exception as exc:  # a case that raises is a failed case, and the run goes on
        return failed_case(case, f"raised {type(exc).__name__}: {exc}")
    return score_case(assistant.kb, case, answer)


def run_suite(assistant: Assistant, cases: list[Case], jobs: int = 1,
              progress: Callable[[CaseResult], None] | None = None) -> dict[str, Any]:
    """Every case's result, and the metrics overall and per kind."""
    def one(case: Case) -> CaseResult:
        result = run_case(assistant, case)
        if progress:
            progress(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(one, cases))
    kinds = sorted({r.kind for r in results})
    return {
        "overall": aggregate(results),
        "per_kind": {kind: aggregate([r for r in results if r.kind == kind]) for kind in kinds},
        "cases": [r.model_dump() for r in results],
    }


def compare(results: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Cases that newly fail or newly pass, and the change of every overall metric."""
    before = {c["id"]: c["passed"] for c in baseline.get("cases", [])}
    now = {c["id"]: c["passed"] for c in results["cases"]}
    deltas = {key: round(value - baseline["overall"][key], 4)
              for key, value in results["overall"].items()
              if isinstance(value, (int, float)) and isinstance(baseline["overall"].get(key), (int, float))}
    return {
        "newly_failing": sorted(i for i, ok in now.items() if not ok and before.get(i) is True),
        "newly_passing": sorted(i for i, ok in now.items() if ok and before.get(i) is False),
        "new_cases": sorted(set(now) - set(before)),
        "deltas": deltas,
    }


def gate(results: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    """Reasons the regression gate fails (empty when it passes)."""
    reasons = []
    accuracy, floor = results["overall"]["accuracy"], baseline["overall"]["accuracy"] - GATE_TOLERANCE
    if accuracy < floor:
        reasons.append(f"overall accuracy {accuracy:.3f} is more than one point below the baseline "
                       f"{baseline['overall']['accuracy']:.3f}")
    hallucinated = [c["id"] for c in results["cases"] if c["hallucinated_ids"]]
    if hallucinated:
        reasons.append(f"hallucinated IDs in {len(hallucinated)} case(s): {', '.join(hallucinated[:10])}")
    return reasons


def load_results(path: Path) -> dict[str, Any]:
    """A ``results.json`` (or baseline) written by an earlier run; ``ValueError`` when the file is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} cannot be read as JSON: {exc}") from None
    if not (isinstance(data, dict) and isinstance(data.get("overall"), dict) and isinstance(data.get("cases"), list)
            and all(isinstance(c, dict) and "id" in c and "passed" in c for c in data["cases"])):
        raise ValueError(f"{path} is not a results.json of an eval run (no 'overall' figures or 'cases')")
    return data
