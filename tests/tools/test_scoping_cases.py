"""Accuracy of scoping from plain words on the labelled descriptions (written before tuning)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.knowledge import KnowledgeBase
from assistant.tools import scoping

HERE = Path(__file__).parent
CATEGORIES = {"CUI Asset", "Security Protection Asset", "Contractor Risk Managed Asset", "Specialized Asset",
              "Out-of-Scope Asset", "FCI Asset", "conditional"}


def _cases(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))["cases"]
    return cases


def _label(result: scoping.ScopingResult) -> str:
    return result.category or ("conditional" if result.branches else "unknown")


def accuracy(kb: KnowledgeBase, cases: list[dict[str, Any]]) -> tuple[float, list[str]]:
    """Share of asset verdicts that match the gold label, and the misses."""
    hits, misses = 0, []
    for case in cases:
        result = scoping.assess(kb, case["text"], case.get("level", 2))
        golds = [(a["name"], a["gold"]) for a in case.get("assets", [])] or [("", case["gold"])]
        for name, gold in golds:
            found = next((r for r in result.assets or [result] if name in r.facts.name.lower()), None)
            label = _label(found) if found else "missing"
            hits += label == gold
            if label != gold:
                misses.append(f"{case['id']} {name}: {gold} -> {label}")
    return hits / sum(len(c.get("assets", [])) or 1 for c in cases), misses


@pytest.mark.parametrize("name", ["scoping_cases.yaml", "scoping_holdout.yaml"])
def test_cases_are_well_formed(name: str) -> None:
    cases = _cases(name)
    assert len({c["id"] for c in cases}) == len(cases)
    for case in cases:
        golds = [a["gold"] for a in case.get("assets", [])] or [case["gold"]]
        assert set(golds) <= CATEGORIES and case["basis"] and case["text"]


def test_labelled_set_is_large_enough_and_covers_every_category() -> None:
    cases = _cases("scoping_cases.yaml")
    assert len(cases) >= 80
    assert {c.get("gold") for c in cases} >= CATEGORIES
    assert {c.get("level", 2) for c in cases} == {1, 2, 3} and any(c.get("assets") for c in cases)


def test_accuracy_on_the_labelled_set(kb: KnowledgeBase) -> None:
    score, misses = accuracy(kb, _cases("scoping_cases.yaml"))
    assert score >= 0.9, misses


def test_accuracy_on_the_holdout_set(kb: KnowledgeBase) -> None:
    score, misses = accuracy(kb, _cases("scoping_holdout.yaml"))
    assert score >= 0.85, misses
