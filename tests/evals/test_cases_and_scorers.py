"""Case schema, loader errors, scorers, aggregation, baseline comparison, gate and reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evals.cases import Case, Expected, load_suite
from assistant.evals.judge import judge_answers
from assistant.evals.report import write_reports
from assistant.evals.runner import compare, gate
from assistant.evals.scorers import aggregate, score_case
from assistant.knowledge import KnowledgeBase
from assistant.skills.answer import Answer, Citation
from tests.doubles import scripted_chat_model


def _answer(text: str, cited: list[str], refused: bool = False, scope: str | None = None) -> Answer:
    return Answer(text=text, intent="x", refused=refused, scope_category=scope, latency_ms=5.0,
                  citations=[Citation(id=i, framework="f", title="t", source="s") for i in cited])


def _case(**expected: object) -> Case:
    return Case(id="c1", kind="lookup", question="q", expected=Expected.model_validate(expected), source="s")


def test_loader_rejects_a_bad_file_naming_file_case_and_field(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(
        '- {id: a-1, kind: lookup, question: "q", expected: {controls_any: ["3.1.1"]}, source: "s"}\n')
    (tmp_path / "bad.yaml").write_text(
        '- {id: b-1, kind: lookup, question: "q", expected: {}, source: "s"}\n'
        '- {id: b-2, kind: guess, question: "q", expected: {}, source: "s"}\n')
    (tmp_path / "typo.yaml").write_text('- {id: c-1, kind: lookup, question: "q", expected: {refuse: maybe}, '
                                        'source: "s"}\n')
    (tmp_path / "nosource.yaml").write_text('- {id: d-1, kind: lookup, question: "q", expected: {}}\n')
    suite = load_suite(tmp_path)
    assert [c.id for c in suite.cases] == ["a-1"]
    assert "case b-2: field 'kind'" in suite.rejected[str(tmp_path / "bad.yaml")]
    assert "case c-1: field 'expected.refuse'" in suite.rejected[str(tmp_path / "typo.yaml")]
    assert "case d-1: field 'source'" in suite.rejected[str(tmp_path / "nosource.yaml")]


def test_duplicate_ids_across_files_are_rejected(tmp_path: Path) -> None:
    line = '- {id: same, kind: lookup, question: "q", expected: {}, source: "s"}\n'
    (tmp_path / "a.yaml").write_text(line)
    (tmp_path / "b.yaml").write_text(line)
    suite = load_suite(tmp_path)
    assert len(suite.cases) == 1 and "id already used" in suite.rejected[str(tmp_path / "b.yaml")]


def test_ids_match_after_normalizing_spellings(kb: KnowledgeBase) -> None:
    result = score_case(kb, _case(controls_any=["IA.L2-3.5.3"], controls_all=["3.1.1"]),
                        _answer("ok", ["3.5.3", "AC.L2-3.1.1"]))
    assert result.passed and result.matched_ids == ["3.1.1", "3.5.3"]


def test_each_check_reports_its_failure(kb: KnowledgeBase) -> None:
    case = _case(controls_any=["3.1.8"], answer_contains=["lockout", "/\\d+ minutes/"], answer_excludes=["never"],
                 scope_category="CUI Asset")
    result = score_case(kb, case, _answer("never mind", ["3.1.1"], scope="Out-of-Scope Asset"))
    text = " | ".join(result.failures)
    assert not result.passed
    for fragment in ("controls_any", "'lockout' not in", "'/\\d+ minutes/' not in", "'never' appears",
                     "scope_category: expected CUI Asset"):
        assert fragment in text


def test_an_unexpected_refusal_fails_and_hallucinated_ids_are_counted(kb: KnowledgeBase) -> None:
    refused = score_case(kb, _case(), _answer("no", [], refused=True))
    assert not refused.passed and "refuse: expected False, got True" in refused.failures[0]
    invented = score_case(kb, _case(), _answer("see 3.1.99", ["3.1.99", "3.1.1"]))
    assert invented.hallucinated_ids == ["3.1.99"]
    metrics = aggregate([refused, invented])
    assert metrics["hallucinated_id_rate"] == 0.5 and metrics["accuracy"] == 0.0
    assert metrics["refusal_accuracy"] == 0.5


def test_compare_and_gate() -> None:
    base = {"overall": {"accuracy": 0.9, "hallucinated_id_rate": 0.0},
            "cases": [{"id": "a", "passed": True, "hallucinated_ids": []}, {"id": "b", "passed": False,
                                                                            "hallucinated_ids": []}]}
    now = {"overall": {"accuracy": 0.885, "hallucinated_id_rate": 0.0},
           "cases": [{"id": "a", "passed": False, "hallucinated_ids": []}, {"id": "b", "passed": True,
                                                                            "hallucinated_ids": []}]}
    diff = compare(now, base)
    assert diff["newly_failing"] == ["a"] and diff["newly_passing"] == ["b"]
    assert diff["deltas"]["accuracy"] == pytest.approx(-0.015)
    assert gate(now, base) and "more than one point below" in gate(now, base)[0]
    now["overall"]["accuracy"] = 0.895
    assert gate(now, base) == []
    now["cases"][0]["hallucinated_ids"] = ["3.1.99"]
    assert "hallucinated IDs in 1 case(s): a" in gate(now, base)[0]


def test_reports_are_written_and_self_contained(kb: KnowledgeBase, tmp_path: Path) -> None:
    results_list = [score_case(kb, _case(controls_any=["3.1.1"]), _answer("ok", ["3.1.1"]))]
    results = {"overall": aggregate(results_list), "per_kind": {"lookup": aggregate(results_list)},
               "cases": [r.model_dump() for r in results_list]}
    paths = write_reports(results, tmp_path)
    data = json.loads(paths[0].read_text())
    assert set(data["overall"]) >= {"accuracy", "hallucinated_id_rate", "citation_precision", "citation_recall",
                                    "refusal_accuracy", "scope_accuracy", "latency_p50_ms", "latency_p95_ms"}
    assert {"id", "kind", "passed", "failures", "cited_ids", "answer", "latency_ms"} <= set(data["cases"][0])
    html = paths[2].read_text()
    assert html.count("<svg") == 2 and "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "| lookup | 1 |" in paths[1].read_text()


def test_llm_judge_grades_with_a_fake_model() -> None:
    from langchain_core.messages import AIMessage

    model = scripted_chat_model([AIMessage(content="4"), AIMessage(content="Score: 2")])
    cases = [{"id": "a", "answer": "x"}, {"id": "b", "answer": "y"}]
    assert judge_answers(model, cases, {"a": "q1", "b": "q2"}) == 3.0
    assert [c["judge_score"] for c in cases] == [4, 2]
