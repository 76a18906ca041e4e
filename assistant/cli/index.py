"""``compliance-assistant index build|status|repair|add-docs`` and ``compliance-assistant search``.

Exit codes beyond 0 and 1: 2 for a damaged index that needs ``index repair`` (and bad arguments),
3 when another build holds the lock (after ``--no-wait``, or after waiting 10 minutes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.cli.context import CliState, fail, state
from assistant.cli.render import print_json, safe, stderr, stdout, table

app = typer.Typer(help="Build, check and repair the search index; add your own documents.", no_args_is_help=True)
BUSY = 3
T = TypeVar("T")
NoWait = Annotated[bool, typer.Option("--no-wait", help="Exit at once if another index build is running")]


def _manager(cli: CliState) -> Any:
    from assistant.index.embedding import EmbeddingModelMissing
    from assistant.index.service import index_manager

    try:
        return index_manager(cli.settings, cli.knowledge_base())
    except EmbeddingModelMissing as exc:
        fail(str(exc))


class _Bar:
    """A rich progress bar fed by the builder's (stage, done, total) callbacks."""

    def __init__(self, transient: bool = False) -> None:
        self.progress = Progress(TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=stderr, transient=transient)
        self._task = self.progress.add_task("index", total=None)

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.progress.update(self._task, description=stage, completed=done, total=total)


def _notice(message: str) -> None:
    stderr.print(f"[yellow]{escape(message)}[/]", highlight=False)


def _wait(no_wait: bool) -> float | None:
    return 0.0 if no_wait else None


def _locked(work: Callable[[_Bar], T], transient: bool) -> T:
    """Run an index build or repair under a progress bar; another build holding the lock exits with ``BUSY``."""
    from assistant.index.lock import IndexBusy

    bar = _Bar(transient=transient)
    try:
        with bar.progress:
            return work(bar)
    except IndexBusy as exc:
        fail(escape(str(exc)), code=BUSY)


@app.command("build")
def build(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False,
          no_wait: NoWait = False) -> None:
    """Build or update the index (only changed documents are embedded); damaged parts are rebuilt."""
    manager = _manager(state(ctx))
    cli = state(ctx)

    def work(bar: _Bar) -> Any:
        report = manager.build(bar, wait=_wait(no_wait), notice=_notice)
        _retriever(manager, cli, manager.open()).prepare()  # train the reranker now, not on a first search
        return report

    report = _locked(work, transient=False)
    if as_json:
        from pydantic import TypeAdapter

        print(TypeAdapter(type(report)).dump_json(report, indent=2).decode())
        return
    for action in report.repaired:
        stdout.print(f"[yellow]repaired:[/] {escape(action)}", highlight=False)
    stdout.print(f"Index ready: {report.documents} documents ({report.added} added, {report.changed} changed, "
                 f"{report.removed} removed; {report.embedded} embedded, {report.reused} reused) in "
                 f"{report.seconds:.1f} s.")


@app.command("repair")
def repair(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False,
           no_wait: NoWait = False) -> None:
    """Check every part of the index (SQLite, pointer, HNSW, BM25, ONNX model, vector cache) and rebuild
    what is broken."""
    from assistant.index.builder import CACHE, DATABASE, KEYWORDS, MODEL, POINTER, VECTORS
    manager = _manager(state(ctx))
    result = _locked(lambda bar: manager.repair(bar, wait=_wait(no_wait), notice=_notice), transient=True)
    healthy = not result.remaining
    if as_json:
        import json
        from dataclasses import asdict

        print(json.dumps({"healthy": healthy, "found": [asdict(p) for p in result.found], "actions": result.actions,
                          "remaining": [asdict(p) for p in result.remaining], "unchecked": sorted(result.unchecked),
                          "build": asdict(result.build) if result.build else None}, indent=2))
    else:
        def state_of(problems: list[Any], part: str, unchecked: set[str]) -> str:
            found = [escape(p.detail) for p in problems if p.part == part]
            if found:
                return "[red]" + "; ".join(found) + "[/]"
            return "[dim]not checked[/]" if part in unchecked else "[green]ok[/]"

        rows = [(part, state_of(result.found, part, result.unchecked), state_of(result.remaining, part, set()))
                for part in (DATABASE, POINTER, VECTORS, KEYWORDS, MODEL, CACHE)]
        stdout.print(table("Index check", ("Part", "Found", "After repair"), rows))
        actions = result.actions or ["nothing to repair"]
        stdout.print(table("Repairs", ("#", "Done"), [(str(i), escape(a)) for i, a in enumerate(actions, 1)]))
        stdout.print("[green]The index is healthy.[/]" if healthy else
                     "[red]Some parts are still damaged; see above.[/]")
    if not healthy:
        raise typer.Exit(1)


@app.command("status")
def status(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Counts, model, location and age of the current index."""
    cli = state(ctx)
    manager = _manager(cli)
    health = manager.check()
    try:
        info = manager.info() if health.built else None
    except Exception:  # a damaged collection: its problems are listed below
        info = None
    facts = {
        "location": manager.location.describe(), "model": manager.model_id,
        "knowledge_version": cli.knowledge_base().version, "built": health.built,
        "documents": info.get("count") if info else 0,
        "index_knowledge_version": info.get("kb_version") if info else None,
        "age_seconds": round(time.time() - float(info["built_at"])) if info and info.get("built_at") else None,
        "stale": health.stale,
        "problems": [f"{p.part}: {p.detail}" for p in health.problems],
    }
    if as_json:
        import json

        print(json.dumps(facts, indent=2))
        return
    stdout.print(table("Index", ("Property", "Value"), [(k, escape(str(v))) for k, v in facts.items()]))
    if health.problems:
        stdout.print("Run [bold]compliance-assistant index repair[/] to rebuild the damaged parts.")
    elif facts["stale"]:
        stdout.print("Run [bold]compliance-assistant index build[/] (searches also rebuild a stale index).")


@app.command("add-docs")
def add_docs(ctx: typer.Context, paths: Annotated[list[Path], typer.Argument(help="Files or folders")],
             as_json: Annotated[bool, typer.Option("--json")] = False, no_wait: NoWait = False) -> None:
    """Index your policies, procedures and evidence (Markdown, text, PDF, DOCX)."""
    from assistant.index.lock import IndexBusy
    from assistant.index.userdocs import ingest

    manager = _manager(state(ctx))
    result = ingest(paths)
    for path, reason in result.skipped.items():
        stdout.print(f"[yellow]skipped[/] {safe(path)}: {safe(reason)}", highlight=False)
    if not result.documents:
        fail("no readable documents to add; nothing was changed", code=1)
    bar = _Bar()
    try:
        with bar.progress:
            report = manager.build(bar, user_docs=result.documents, replace_sources=frozenset(
                str(Path(p).resolve()) for p in result.files), wait=_wait(no_wait), notice=_notice)
    except IndexBusy as exc:
        fail(escape(str(exc)), code=BUSY)
        return
    if as_json:
        import json

        print(json.dumps({"added_files": result.files, "chunks": len(result.documents), "skipped": result.skipped,
                          "documents": report.documents}, indent=2))
        return
    stdout.print(f"Added {len(result.files)} file(s) as {len(result.documents)} passages; "
                 f"index now holds {report.documents} documents.")


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Plain words or control IDs")],
    framework: Annotated[str | None, typer.Option("--framework", "-f", help="171, cmmc, iso, guide, company…")] = None,
    level: Annotated[int | None, typer.Option("--level", min=1, max=3)] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="requirement, objective, practice, guide-passage…")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many hits")] = 10,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, dense or bm25")] = "hybrid",
    by: Annotated[str, typer.Option("--by", help="control: one per requirement (fused); document")] = "control",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Search controls, objectives, guide passages and your documents (one result per requirement by default)."""
    from assistant.retrieval import SearchFilters
    from assistant.retrieval.hybrid import parse_mode

    cli = state(ctx)
    try:  # every option is checked before the index is opened
        search_mode = parse_mode(mode)
    except ValueError as exc:
        fail(str(exc))
        return
    if by not in ("control", "document"):
        fail(f"unknown --by '{by}'; use control or document")
    filters = SearchFilters(framework=_framework_value(framework), level=level, kind=kind)
    manager = _manager(cli)
    hits = _search(manager, cli, query, k, filters, search_mode, collapse=by == "control")
    if as_json:
        print_json(hits)
        return
    if not hits:
        stdout.print("No matches.")
        return
    rows = [(str(i), safe(h.id), h.framework, safe(h.title[:70]), f"{h.score:.4f}", _why(h))
            for i, h in enumerate(hits, 1)]
    stdout.print(table(f"Search: {safe(query)}", ("#", "ID", "Framework", "Title", "Score", "Why"), rows))


def _search(manager: Any, cli: CliState, query: str, k: int, filters: Any, mode: Any,
            collapse: bool = False) -> list[Any]:
    """Open the index (building, waiting for or mending it as needed) and search; a damaged index or
    a busy build ends the command with a message instead of a traceback."""
    from assistant.index.builder import REPAIR_HINT, IndexDamaged
    from assistant.index.lock import IndexBusy

    try:
        retriever = _retriever(manager, cli, manager.open(notice=_notice))
        return list(retriever.search(query, k, filters, mode, collapse=collapse))
    except IndexDamaged as exc:
        fail(escape(str(exc)))
    except IndexBusy as exc:
        fail(escape(str(exc)), code=BUSY)
    except Exception as exc:
        if not type(exc).__module__.startswith(("chromadb", "onnxruntime", "bm25s")):
            raise
        detail = (str(exc).strip().splitlines() or [""])[0][:200]
        fail(escape(f"the search index could not be read ({type(exc).__name__}: {detail}); {REPAIR_HINT}"))
    return []


def _retriever(manager: Any, cli: CliState, reader: Any) -> Any:
    """The hybrid retriever over ``reader`` with the learned reranker saved beside the index."""
    from assistant.retrieval import HybridRetriever
    from assistant.retrieval.rerank import RerankerStore

    store = RerankerStore.beside(cli.settings.index_dir, cli.knowledge_base(), manager.model_id)
    return HybridRetriever(cli.knowledge_base(), reader, manager.embedder, store)


def _framework_value(value: str | None) -> str | None:
    if value is None or value in ("guide", "program", "company"):
        return value
    from assistant.knowledge.ids import parse_framework

    try:
        return parse_framework(value).value
    except ValueError as exc:
        fail(str(exc))
        raise


def _why(hit: Any) -> str:
    b = hit.breakdown
    if b.pinned:
        return "ID in query"
    parts = []
    if b.dense_rank:
        parts.append(f"dense #{b.dense_rank}")
    if b.bm25_rank:
        parts.append(f"bm25 #{b.bm25_rank}")
    return ", ".join(parts)
