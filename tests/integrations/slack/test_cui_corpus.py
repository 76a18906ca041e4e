"""The CUI marking detector over the labelled corpus (cui_corpus.yaml): no marked message may pass, at most
1% of benign messages may be withheld, and each withheld message names its marking family.

Run ``PYTHONPATH=$PWD python -m tests.integrations.slack.test_cui_corpus`` for the counts and rates."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from integrations.slack.cui import FAMILIES, Verdict, scan_payload, scan_text

CORPUS = Path(__file__).with_name("cui_corpus.yaml")


@dataclass(frozen=True)
class Case:
    """One labelled message: its family (None for benign), a group name, and text or a Slack payload."""

    family: str | None
    group: str
    text: str | None = None
    payload: dict[str, Any] | None = None

    def verdict(self) -> Verdict:
        return scan_payload(self.payload) if self.payload is not None else scan_text(self.text or "")

    @property
    def label(self) -> str:
        body = repr(self.text) if self.text is not None else repr(self.payload)
        return f"{self.group}: {body[:90]}"


@lru_cache(maxsize=1)
def load_corpus() -> tuple[tuple[Case, ...], tuple[Case, ...]]:
    """(marked cases, benign cases)."""
    data = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    marked: list[Case] = []
    for family, texts in data["marked"].items():
        marked += [Case(family, family, text=t) for t in texts]
    for technique, items in data["marked_obfuscated"].items():
        marked += [Case(item["family"], f"obfuscated/{technique}", text=item["text"]) for item in items]
    marked += [Case(item["family"], "held_out", text=item["text"]) for item in data["marked_held_out"]]
    marked += [Case(item["family"], "payload", payload=item["payload"]) for item in data["marked_payloads"]]
    benign: list[Case] = []
    for kind, texts in data["benign"].items():
        benign += [Case(None, kind, text=t) for t in texts]
    benign += [Case(None, "payload", payload=p) for p in data["benign_payloads"]]
    return tuple(marked), tuple(benign)


MARKED, BENIGN = load_corpus()


def test_corpus_is_big_enough_and_covers_every_family() -> None:
    assert len(MARKED) >= 170 and len(BENIGN) >= 110
    assert set(FAMILIES) <= {c.family for c in MARKED}
    groups = Counter(c.group for c in MARKED)
    for group in ("obfuscated/confusables", "obfuscated/zero_width", "obfuscated/spaced_letters",
                  "obfuscated/slack_formatting", "obfuscated/lookalike_digits", "payload"):
        assert groups[group] >= 5, group


def test_no_marked_message_passes_and_each_names_its_family() -> None:
    misses = [c.label for c in MARKED if not c.verdict().blocked]
    assert misses == []
    wrong_family = [f"{c.label} -> {c.verdict().families}" for c in MARKED if c.family not in c.verdict().families]
    assert wrong_family == []


def test_false_alarms_at_most_one_percent() -> None:
    alarms = [c.label for c in BENIGN if c.verdict().blocked]
    assert len(alarms) <= 0.01 * len(BENIGN), alarms


def test_verdicts_never_carry_the_matched_text() -> None:
    for case in MARKED:
        verdict = case.verdict()
        assert verdict.reason.startswith("CUI marking (")
        assert all(f in FAMILIES for f in verdict.families)
        text = case.text or ""
        for secret in ("4471", "9.4 GHz", "555-01", "Ti-6Al-4V"):
            if secret in text:
                assert secret not in verdict.reason


def test_the_detector_is_fast() -> None:
    start = time.perf_counter()
    for case in MARKED + BENIGN:
        case.verdict()
    per_message_ms = (time.perf_counter() - start) * 1000 / len(MARKED + BENIGN)
    assert per_message_ms < 5, per_message_ms


def report() -> str:
    """Counts per family and group, recall and false-alarm rate."""
    by_family = Counter(c.family for c in MARKED)
    by_group = Counter(c.group for c in MARKED)
    caught = sum(c.verdict().blocked for c in MARKED)
    alarms = [c for c in BENIGN if c.verdict().blocked]
    lines = [f"marked: {len(MARKED)}  benign: {len(BENIGN)}", "marked per family:"]
    lines += [f"  {family:14} {by_family[family]}" for family in FAMILIES]
    lines.append("marked per group (family sections, obfuscation techniques, payloads):")
    lines += [f"  {group:30} {count}" for group, count in sorted(by_group.items())]
    kinds = sorted(Counter(c.group for c in BENIGN).items())
    lines.append("benign per kind: " + ", ".join(f"{kind} {count}" for kind, count in kinds))
    lines.append(f"recall: {caught}/{len(MARKED)} = {caught / len(MARKED):.1%}")
    lines.append(f"false alarms: {len(alarms)}/{len(BENIGN)} = {len(alarms) / len(BENIGN):.1%}")
    lines += [f"  false alarm: {c.label}" for c in alarms]
    lines += [f"  miss: {c.label}" for c in MARKED if not c.verdict().blocked]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())


pytestmark = pytest.mark.filterwarnings("error")
