"""``compliance-assistant eval``: run suites, score every answer, write reports, gate on a baseline."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.cli.context import fail, state
from assistant.cli.render import safe, stderr, stdout, table
from assistant.knowledge.paths import data_dir


def eval_command(
    ctx: typer.Context,
    suite: Annotated[Path | None, typer.Option("--suite", help="YAML file or folder (default: shipped)")] = None,
    mode: Annotated[str, typer.Option("--mode", help="offline or llm")] = "offline",
    llm: Annotated[str | None, typer.Option("--llm", help="provider:model for --mode llm")] = None,
    report: Annotated[Path, typer.Option("--report", help="folder for the three report files")] = Path("eval-report"),
    baseline: Annotated[Path | None, typer.Option("--baseline", help="a previous results.json")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="run only this kind")] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, max=16)] = 1,
    update_baseline: Annotated[bool, typer.Option("--update-baseline", help="write this run as the baseline")] = False,
    judge: Annotated[bool, typer.Option("--judge", help="grade narrative quality with the configured LLM")] = False,
) -> None:
    """Run eval suites and report accuracy, citations, refusals, scoping and latency."""
    from assistant.agent import build_assistant
    from assistant.evals.cases import load_suite
    from assistant.evals.report import metrics_table, write_reports
    from assistant.evals.runner import compare, gate, load_results, run_suite

    cli = state(ctx)
    _check_options(report, baseline, kind, update_baseline)
    previous = _previous(baseline, update_baseline, load_results)
    loaded = load_suite(suite or data_dir("evals") / "suites")
    for file, reason in loaded.rejected.items():
        stderr.print(f"[red]rejected[/] {safe(file)}: {safe(reason)}", highlight=False)
    cases = [c for c in loaded.cases if kind is None or c.kind == kind]
    if not cases:
        fail("no cases to run")
    model = _model(cli.settings.llm, llm, mode, judge)
    assistant = build_assistant(cli.settings, cli.knowledge_base(), llm=model if mode == "llm" else None,
                                llm_spec="")
    results = _run(assistant, cases, jobs, run_suite)
    if judge and model is not None:
        from assistant.evals.judge import judge_answers

        results["overall"]["judge_mean"] = judge_answers(model, results["cases"], {c.id: c.question for c in cases})
    comparison = compare(results, previous) if previous else None
    try:
        write_reports(results, report, comparison)
    except OSError as exc:
        fail(f"cannot write the report to {report}: {exc.strerror or exc}")
    stdout.print(table("Eval results", ["kind", "cases", "accuracy", "halluc.", "cit. P", "cit. R", "refusal",
                                        "scope", "p50 ms", "p95 ms"], metrics_table(results)))
    stdout.print(f"Reports written to {report}/ (results.json, report.md, report.html)")
    _after(results, previous, comparison, baseline, update_baseline, report, _broken(loaded.rejected, results), gate)


def _check_options(report: Path, baseline: Path | None, kind: str | None, update: bool) -> None:
    """Options that would fail only after the whole run are refused before it."""
    if update and kind is not None:
        fail("--update-baseline needs the whole suite; drop --kind")
    if report.exists() and not report.is_dir():
        fail(f"--report {report} is a file; name a folder for the three report files")
    if baseline is not None and baseline.exists() and not baseline.is_file():
        fail(f"--baseline {baseline} is not a file")


def _previous(baseline: Path | None, update: bool, load_results: Any) -> dict[str, Any] | None:
    """The baseline to compare with; a broken one is an error, unless it is about to be replaced."""
    if baseline is None or not baseline.is_file():
        return None
    try:
        data: dict[str, Any] = load_results(baseline)
    except ValueError as exc:
        if not update:
            fail(str(exc))
        stderr.print(f"[yellow]ignoring the current baseline:[/] {safe(exc)}", highlight=False)
        return None
    return data


def _model(setting: str | None, llm: str | None, mode: str, judge: bool) -> Any:
    if mode not in ("offline", "llm"):
        fail(f"unknown mode '{mode}'; use offline or llm")
    spec = llm or setting
    if mode == "offline" and not judge:
        return None
    if not spec:
        fail("--mode llm and --judge need --llm provider:model (or the COMPLIANCE_ASSISTANT_LLM setting)")
    from assistant.agent.llm import chat_model

    try:
        return chat_model(str(spec))
    except Exception as exc:
        fail(f"cannot start LLM '{spec}': {exc}")


def _run(assistant: Any, cases: list[Any], jobs: int, run_suite: Any) -> dict[str, Any]:
    progress = Progress(TextColumn("eval"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=stderr)
    with progress:
        task = progress.add_task("eval", total=len(cases))
        results: dict[str, Any] = run_suite(assistant, cases, jobs, lambda _: progress.advance(task))
    return results


def _broken(rejected: dict[str, str], results: dict[str, Any]) -> list[str]:
    """Why this run is partial: suite files rejected, cases that could not be scored (empty when whole)."""
    reasons = [f"{len(rejected)} suite file(s) rejected"] if rejected else []
    errored = [c["id"] for c in results["cases"] if c.get("error")]
    if errored:
        reasons.append(f"{len(errored)} case(s) could not be scored ({', '.join(errored[:5])}"
                       f"{', …' if len(errored) > 5 else ''})")
    return reasons


def _after(results: dict[str, Any], previous: dict[str, Any] | None, comparison: dict[str, Any] | None,
           baseline: Path | None, update: bool, report: Path, broken: list[str], gate: Any) -> None:
    if comparison:
        stdout.print(f"Newly failing: {', '.join(comparison['newly_failing']) or 'none'} · newly passing: "
                     f"{', '.join(comparison['newly_passing']) or 'none'} · accuracy delta "
                     f"{comparison['deltas'].get('accuracy', 0):+.3f}")
    for case in [c for c in results["cases"] if c.get("error")][:20]:
        stderr.print(f"[red]case error[/] {safe(case['id'])}: {safe(case['error'])}", highlight=False)
    if update and broken:
        fail("refusing to update the baseline from a partial run: " + "; ".join(broken) + ". The report was "
             "written; fix the suite and run again.", code=3)
    if update:
        target = baseline or data_dir("evals") / "baseline.json"
        shutil.copyfile(report / "results.json", target)
        stdout.print(f"Baseline updated: {target}")
        return
    reasons = gate(results, previous) if previous else []
    for reason in reasons:
        stderr.print(f"[bold red]regression:[/] {reason}", highlight=False)
    if reasons:
        raise typer.Exit(1)
    if broken:
        fail("partial run: " + "; ".join(broken), code=3)
    if not previous and results["overall"]["hallucinated_id_rate"] > 0:
        stderr.print("[bold red]hallucinated IDs were cited[/]")
        raise typer.Exit(1)
