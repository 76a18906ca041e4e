"""Check one answer against its case, and aggregate the metrics the report and the gate use.

``/regex/`` patterns run on the ``regex`` engine with a timeout, so a catastrophic pattern cannot hang a run;
an invalid or runaway pattern is that case's error (``CaseResult.error``), named with the pattern."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

import regex
from pydantic import BaseModel

from assistant.evals.cases import Case
from assistant.index.documents import anchor_of
from assistant.knowledge import KnowledgeBase
from assistant.skills.answer import Answer


class CaseResult(BaseModel):
    """How one case went."""

    id: str
    kind: str
    passed: bool
    failures: list[str]
    cited_ids: list[str]
    hallucinated_ids: list[str]
    expected_ids: list[str]
    matched_ids: list[str]
    refused: bool
    expected_refuse: bool
    scope_category: str | None
    expected_scope: str | None
    answer: str
    latency_ms: float
    error: str | None = None  # the case could not be scored (it raised, or a pattern is broken): a partial run


REGEX_TIMEOUT_S = 1.0


class PatternError(ValueError):
    """A ``/regex/`` of a case that does not compile or does not finish within ``REGEX_TIMEOUT_S``."""


def normalize(kb: KnowledgeBase, typed: str) -> str | None:
    """The requirement an ID stands for (AC.L2-3.1.1 -> 3.1.1, 3.1.1[a] -> 3.1.1), None if unknown."""
    control = kb.try_resolve(typed)
    return anchor_of(kb, control) if control else None


def _matches(pattern: str, text: str) -> bool:
    """``/regex/`` (case-insensitive, dot matches newline) or a plain substring, ignoring case."""
    if len(pattern) > 2 and pattern.startswith("/") and pattern.endswith("/"):
        try:
            return regex.search(pattern[1:-1], text, regex.I | regex.S, timeout=REGEX_TIMEOUT_S) is not None
        except regex.error as exc:
            raise PatternError(f"invalid regex {pattern}: {exc}") from None
        except TimeoutError:
            raise PatternError(f"regex {pattern} did not finish within {REGEX_TIMEOUT_S:g} s") from None
    return pattern.lower() in text.lower()


def _pattern_failures(field: str, patterns: list[str], text: str, want: bool, errors: list[str]) -> list[str]:
    failures = []
    for pattern in patterns:
        try:
            found = _matches(pattern, text)
        except PatternError as exc:
            errors.append(f"{field}: {exc}")
            continue
        if found != want:
            failures.append(f"{field}: '{pattern}' not in the answer" if want
                            else f"{field}: '{pattern}' appears in the answer")
    return failures


def failed_case(case: Case, error: str) -> CaseResult:
    """The result of a case whose question could not be answered at all (the error is its failure)."""
    expected = case.expected
    return CaseResult(id=case.id, kind=case.kind, passed=False, failures=[error], cited_ids=[], hallucinated_ids=[],
                      expected_ids=sorted(expected.controls_any + expected.controls_all), matched_ids=[],
                      refused=False, expected_refuse=expected.refuse, scope_category=None,
                      expected_scope=expected.scope_category, answer="", latency_ms=0.0, error=error)


def score_case(kb: KnowledgeBase, case: Case, answer: Answer) -> CaseResult:
    """Apply every check the case states; a refusal where none was due is a failure too."""
    cited = answer.cited_ids
    hallucinated = [i for i in cited if kb.try_resolve(i) is None]
    cited_norm = {n for i in cited if (n := normalize(kb, i))}
    expected = case.expected
    want_any = {n for i in expected.controls_any if (n := normalize(kb, i))}
    want_all = {n for i in expected.controls_all if (n := normalize(kb, i))}
    failures = []
    if expected.controls_any and not (want_any & cited_norm):
        failures.append(f"controls_any: none of {expected.controls_any} cited (cited {cited})")
    missing = want_all - cited_norm
    if missing:
        failures.append(f"controls_all: not cited: {sorted(missing)}")
    errors: list[str] = []
    failures += _pattern_failures("answer_contains", expected.answer_contains, answer.text, True, errors)
    failures += _pattern_failures("answer_excludes", expected.answer_excludes, answer.text, False, errors)
    if expected.scope_category is not None and answer.scope_category != expected.scope_category:
        failures.append(f"scope_category: expected {expected.scope_category}, got {answer.scope_category}")
    if answer.refused != expected.refuse:
        failures.append(f"refuse: expected {expected.refuse}, got {answer.refused}"
                        + (f" ({answer.refusal_reason})" if answer.refused else ""))
    if hallucinated:
        failures.append(f"hallucinated IDs cited: {hallucinated}")
    failures += errors
    wanted = want_any | want_all
    return CaseResult(
        id=case.id, kind=case.kind, passed=not failures, failures=failures, cited_ids=cited,
        hallucinated_ids=hallucinated, expected_ids=sorted(wanted), matched_ids=sorted(wanted & cited_norm),
        refused=answer.refused, expected_refuse=expected.refuse, scope_category=answer.scope_category,
        expected_scope=expected.scope_category, answer=answer.text, latency_ms=answer.latency_ms,
        error="; ".join(errors) or None,
    )


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile of ``values`` (0.0 when empty)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))] if ordered else 0.0


def aggregate(results: Sequence[CaseResult]) -> dict[str, Any]:
    """accuracy, hallucinated_id_rate, citation_precision/recall, refusal_accuracy, scope_accuracy, latency."""
    n = len(results)
    cited = sum(len(r.cited_ids) for r in results)
    with_expected = [r for r in results if r.expected_ids]
    cited_in_scored = sum(len({x for x in r.cited_ids}) for r in with_expected)
    scoped = [r for r in results if r.expected_scope is not None]
    latencies = [r.latency_ms for r in results]
    return {
        "cases": n,
        "passed": sum(r.passed for r in results),
        "accuracy": _ratio(sum(r.passed for r in results), n),
        "hallucinated_id_rate": _ratio(sum(len(r.hallucinated_ids) for r in results), cited),
        "citation_precision": _ratio(sum(len(r.matched_ids) for r in with_expected), cited_in_scored),
        "citation_recall": _ratio(sum(len(r.matched_ids) for r in with_expected),
                                  sum(len(r.expected_ids) for r in with_expected)),
        "refusal_accuracy": _ratio(sum(r.refused == r.expected_refuse for r in results), n),
        "scope_accuracy": _ratio(sum(r.scope_category == r.expected_scope for r in scoped), len(scoped))
        if scoped else None,
        "latency_p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "latency_p95_ms": round(percentile(latencies, 95), 1),
    }


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0
