"""Suites cannot hang a run or shrink the baseline: ``/regex/`` runs with a timeout, an invalid or runaway
pattern is that case's error, and ``--update-baseline`` refuses a partial run (a rejected file, a case that
could not be scored, a ``--kind`` filter) with a non-zero exit, leaving the baseline untouched."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.evals.cases import Case, Expected
from assistant.evals.scorers import aggregate, failed_case, score_case
from assistant.knowledge import KnowledgeBase
from assistant.skills.answer import Answer, Citation
from tests.database import SuiteDatabases, cli_environment
from tests.doubles import copy_data

GOOD_CASE = ('- {id: good-1, kind: lookup, question: "what does 3.1.1 require?", '
             'expected: {controls_any: ["3.1.1"]}, source: "NIST SP 800-171 Rev 2"}\n')


def _case(**expected: object) -> Case:
    return Case(id="c1", kind="lookup", question="q", expected=Expected.model_validate(expected), source="s")


def _answer(text: str) -> Answer:
    return Answer(text=text, intent="lookup", citations=[Citation(id="3.1.1", framework="f", title="t", source="s")])


def test_an_invalid_regex_is_the_cases_error(kb: KnowledgeBase) -> None:
    result = score_case(kb, _case(answer_contains=["/(unclosed/", "limit"]), _answer("limit access"))
    assert not result.passed and result.error is not None and "invalid regex /(unclosed/" in result.error
    assert any("invalid regex" in f for f in result.failures)


def test_a_catastrophic_regex_times_out_instead_of_hanging(kb: KnowledgeBase) -> None:
    started = time.monotonic()
    result = score_case(kb, _case(answer_excludes=["/(a|aa)+$/"]), _answer("a" * 60 + "b"))
    assert time.monotonic() - started < 10
    assert not result.passed and result.error is not None and "did not finish" in result.error


def test_regex_still_matches_case_insensitively_across_lines(kb: KnowledgeBase) -> None:
    result = score_case(kb, _case(answer_contains=["/LIMIT.+users/"], answer_excludes=["/never/"]),
                        _answer("Limit system access\nto authorized users"))
    assert result.passed and result.error is None


def test_a_case_that_raised_carries_its_error() -> None:
    result = failed_case(_case(), "raised RuntimeError: boom")
    assert result.error == "raised RuntimeError: boom" and aggregate([result])["accuracy"] == 0.0


@pytest.fixture(scope="module")
def eval_env(tmp_path_factory: pytest.TempPathFactory, test_databases: SuiteDatabases,
             built_data: Path) -> dict[str, str]:
    data = copy_data(built_data, tmp_path_factory.mktemp("eval") / "data")
    return {**cli_environment(), "COMPLIANCE_ASSISTANT_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1",
            "COMPLIANCE_ASSISTANT_DATABASE_URL": test_databases.new(data),
            "PYTHONPATH": str(Path(__file__).resolve().parents[2])}


def _eval(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from assistant.cli.app import main; main()", "eval", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, check=False, timeout=900)


@pytest.mark.slow
@pytest.mark.parametrize("extra", [
    ("bad.yaml", '- {id: bad-1, kind: guess, question: "q", expected: {}, source: "s"}\n'),
    ("regex.yaml", '- {id: rx-1, kind: lookup, question: "what does 3.1.1 require?", '
                   'expected: {answer_contains: ["/(unclosed/"]}, source: "s"}\n'),
    ("bomb.yaml", "- id: bomb-1\n  kind: lookup\n  question: what is our SPRS score?\n  source: s\n  expected: {}\n"
                  "  context:\n    a: &a [x, x, x, x, x, x, x, x, x]\n    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                  "    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n    not_met: *c\n"),
], ids=["rejected-file", "invalid-regex", "alias-bomb-context"])
def test_update_baseline_refuses_a_partial_run(eval_env: dict[str, str], tmp_path: Path,
                                               extra: tuple[str, str]) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "good.yaml").write_text(GOOD_CASE, encoding="utf-8")
    (suite / extra[0]).write_text(extra[1], encoding="utf-8")
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"untouched": true}', encoding="utf-8")
    result = _eval(eval_env, tmp_path, "--suite", str(suite), "--report", str(tmp_path / "report"),
                   "--baseline", str(baseline), "--update-baseline")
    assert result.returncode == 3, result.stderr
    assert "refusing to update the baseline from a partial run" in result.stderr and "Traceback" not in result.stderr
    assert json.loads(baseline.read_text()) == {"untouched": True}
    plain = _eval(eval_env, tmp_path, "--suite", str(suite), "--report", str(tmp_path / "report2"))
    assert plain.returncode == 3 and "partial run" in plain.stderr  # without the flag: still not a clean run


@pytest.mark.slow
def test_update_baseline_writes_a_whole_run_and_refuses_a_kind_filter(eval_env: dict[str, str],
                                                                       tmp_path: Path) -> None:
    suite = tmp_path / "good.yaml"
    suite.write_text(GOOD_CASE, encoding="utf-8")
    baseline = tmp_path / "baseline.json"
    filtered = _eval(eval_env, tmp_path, "--suite", str(suite), "--kind", "lookup", "--baseline", str(baseline),
                     "--update-baseline")
    assert filtered.returncode == 2 and "drop --kind" in filtered.stderr and not baseline.exists()
    whole = _eval(eval_env, tmp_path, "--suite", str(suite), "--report", str(tmp_path / "report"),
                  "--baseline", str(baseline), "--update-baseline")
    assert whole.returncode == 0, whole.stderr
    assert json.loads(baseline.read_text())["overall"]["cases"] == 1
