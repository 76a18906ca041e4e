"""Write ``results.json``, ``report.md`` and a self-contained ``report.html`` with inline SVG charts."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

METRICS = ("accuracy", "hallucinated_id_rate", "citation_precision", "citation_recall", "refusal_accuracy",
           "scope_accuracy", "latency_p50_ms", "latency_p95_ms")


def write_reports(results: dict[str, Any], folder: Path, comparison: dict[str, Any] | None = None) -> list[Path]:
    """The three report files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    payload = {**results, **({"comparison": comparison} if comparison else {})}
    paths = [folder / "results.json", folder / "report.md", folder / "report.html"]
    paths[0].write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    paths[1].write_text(markdown(results, comparison), encoding="utf-8")
    paths[2].write_text(html_report(results, comparison), encoding="utf-8")
    return paths


def _cell(value: Any, metric: str) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if metric.endswith("_ms") else f"{value:.3f}"


def metrics_table(results: dict[str, Any]) -> list[list[str]]:
    """Rows: overall then each kind, with the metrics in ``METRICS`` order."""
    rows = [["overall", str(results["overall"]["cases"]), *(_cell(results["overall"][m], m) for m in METRICS)]]
    for kind, figures in results["per_kind"].items():
        rows.append([kind, str(figures["cases"]), *(_cell(figures[m], m) for m in METRICS)])
    return rows


def markdown(results: dict[str, Any], comparison: dict[str, Any] | None) -> str:
    """The summary as Markdown: metrics per kind, failures, and the baseline comparison."""
    header = ["kind", "cases", *METRICS]
    lines = ["# Eval report", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in metrics_table(results)]
    failed = [c for c in results["cases"] if not c["passed"]]
    lines += ["", f"## Failed cases ({len(failed)})", ""]
    lines += [f"- **{c['id']}** ({c['kind']}): " + "; ".join(c["failures"]) for c in failed] or ["None."]
    if comparison:
        lines += ["", "## Against the baseline", "",
                  f"- newly failing: {', '.join(comparison['newly_failing']) or 'none'}",
                  f"- newly passing: {', '.join(comparison['newly_passing']) or 'none'}",
                  "- deltas: " + ", ".join(f"{k} {v:+g}" for k, v in comparison["deltas"].items())]
    return "\n".join(lines) + "\n"


def _bar_chart(values: dict[str, float], title: str, width: int = 560) -> str:
    bar_h, gap, left = 22, 8, 110
    height = 30 + len(values) * (bar_h + gap)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="{html.escape(title)}"><text x="0" y="16" font-weight="bold">{html.escape(title)}</text>']
    for index, (label, value) in enumerate(values.items()):
        y = 28 + index * (bar_h + gap)
        length = max(1, int((width - left - 60) * value))
        color = "#2e7d32" if value >= 0.9 else "#f9a825" if value >= 0.7 else "#c62828"
        parts.append(f'<text x="0" y="{y + 15}">{html.escape(label)}</text>'
                     f'<rect x="{left}" y="{y}" width="{length}" height="{bar_h}" fill="{color}"/>'
                     f'<text x="{left + length + 6}" y="{y + 15}">{value:.0%}</text>')
    return "".join(parts) + "</svg>"


def _histogram(latencies: list[float], title: str, width: int = 560, bins: int = 12) -> str:
    if not latencies:
        return ""
    top = max(latencies) or 1.0
    counts = [0] * bins
    for value in latencies:
        counts[min(bins - 1, int(value / top * bins))] += 1
    peak, height = max(counts), 180
    step = (width - 40) / bins
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" role="img" '
             f'aria-label="{html.escape(title)}"><text x="0" y="16" font-weight="bold">{html.escape(title)}</text>']
    for index, count in enumerate(counts):
        bar = int((height - 30) * count / peak) if peak else 0
        x = 20 + index * step
        low, high = index * top / bins, (index + 1) * top / bins
        parts.append(f'<rect x="{x:.0f}" y="{height - bar}" width="{step - 3:.0f}" height="{bar}" fill="#1565c0">'
                     f"<title>{count} answers, {low:.0f}–{high:.0f} ms</title></rect>")
    parts.append(f'<text x="20" y="{height + 18}">0 ms</text>'
                 f'<text x="{width - 90}" y="{height + 18}">{top:.0f} ms</text>')
    return "".join(parts) + "</svg>"


def html_report(results: dict[str, Any], comparison: dict[str, Any] | None) -> str:
    """A single HTML file: charts of accuracy per kind and latency, the metrics table, the failures."""
    accuracy = {kind: figures["accuracy"] for kind, figures in results["per_kind"].items()}
    latencies = [c["latency_ms"] for c in results["cases"]]
    header = "".join(f"<th>{html.escape(h)}</th>" for h in ["kind", "cases", *METRICS])
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in metrics_table(results))
    failed = "".join(f"<li><b>{html.escape(c['id'])}</b> ({html.escape(c['kind'])}): "
                     f"{html.escape('; '.join(c['failures']))}</li>" for c in results["cases"] if not c["passed"])
    compared = ""
    if comparison:
        failing = html.escape(", ".join(comparison["newly_failing"]) or "none")
        passing = html.escape(", ".join(comparison["newly_passing"]) or "none")
        compared = f"<h2>Against the baseline</h2><p>Newly failing: {failing}<br>Newly passing: {passing}</p>"
    overall = results["overall"]
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Eval report</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}td:first-child{{text-align:left}}
.charts{{display:flex;gap:2em;flex-wrap:wrap}}</style></head><body>
<h1>Eval report</h1>
<p><b>{overall['passed']}/{overall['cases']}</b> cases passed ({overall['accuracy']:.1%});
hallucinated ID rate {overall['hallucinated_id_rate']:.2%}; p95 latency {overall['latency_p95_ms']} ms.</p>
<div class="charts">{_bar_chart(accuracy, "Accuracy per kind")}{_histogram(latencies, "Answer latency")}</div>
<h2>Metrics</h2><table><tr>{header}</tr>{rows}</table>{compared}
<h2>Failed cases</h2><ul>{failed or "<li>None.</li>"}</ul></body></html>
"""
