"""Cut the DoD guide texts into citable passages ("CMMC Scoping Guide L2 v2.13, Specialized Assets").

The texts are PDF extractions: running page headers, table-of-contents lines and broken spacing are
removed first; then each configured heading starts a passage, and in the Assessment Guides each
requirement's "Further Discussion", "Example" and "Potential Assessment Considerations" become
passages tied to that requirement. Long sections are split at line boundaries into parts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.knowledge.build import sources as src
from assistant.knowledge.models import Passage
from assistant.knowledge.text import pack

SOURCE_TEXTS = "source-texts"
MAX_CHARS = 1400  # about 300 tokens: small enough for MiniLM's 256-token window to see most of it

_PAGE_HEADER = re.compile(
    r"\n[^\n]*\n\s*CMMC (?:Assessment Guide|Assessment Scope|Scoping Guide) – Level \d \| V ?ersion 2\.13\s*\n"
    r"\s*(?:\d+|[ivx]+)\s*\n"
)
_DOD_HEADER = re.compile(
    r"\s*\n\s*\d*\s*\n+NIST SP 800-171 DoD Assessment Methodology, Version 1\.2\.1, June 24, 2020\s*\n"
    r"Additions/edits to Version 1\.1 are shown in blue\s*\n"
)
_REQ_HEADING = re.compile(r"^(?P<id>[A-Z]{2}\.L[123]-[\w.]+)\s+–\s+(?P<title>[^a-z.]+?)\s*$")
_PARTS = {
    "FURTHER DISCUSSION": "Further Discussion",
    "Potential Assessment Considerations": "Potential Assessment Considerations",
}
_EXAMPLE = re.compile(r"^Example(?: \d+)?$")
_END_OF_REQUIREMENT = "KEY REFERENCES"
PracticeResolver = Callable[[str], tuple[str, str] | None]


@dataclass(frozen=True)
class GuideConfig:
    """How one guide is cut (knowledge/authored/guide_sections.yaml)."""

    key: str
    file: str
    document: str
    level: int
    sections: list[str]
    stop: str = ""
    requirements: bool = False


def load_configs(authored: Path) -> list[GuideConfig]:
    """The guide configurations, validated for the keys they must have."""
    configs = []
    for entry in src.read_yaml(authored, "guide_sections.yaml"):
        try:
            configs.append(GuideConfig(**entry))
        except TypeError as exc:
            raise src.SourceError(f"guide_sections.yaml: entry {entry.get('key', '?')}: {exc}") from exc
    return configs


def guide_passages(sources: Path, config: GuideConfig, resolve_practice: PracticeResolver) -> list[Passage]:
    """All passages of one guide; ``resolve_practice`` turns a heading's ID into (canonical ID, title)."""
    path = sources / SOURCE_TEXTS / config.file
    if not path.is_file():
        raise src.SourceError(f"missing source file: {path}")
    lines = _strip_layout(path.read_text(encoding="utf-8")).splitlines()
    passages = list(_section_passages(lines, config))
    if config.requirements:
        passages.extend(_requirement_passages(lines, config, resolve_practice))
    if not passages:
        raise src.SourceError(f"{config.file}: no configured section heading was found")
    return passages


def _spread(heading: str) -> re.Pattern[str]:
    """Match a heading even where the PDF extraction broke it across lines ("FURTHER D\nISCUSSION")."""
    return re.compile(r"^\s*" + r"\s*".join(re.escape(ch) for ch in heading.replace(" ", "")) + r"\s*$", re.M)


_BROKEN_PARTS = [(_spread(heading), heading) for heading in _PARTS]


def _strip_layout(text: str) -> str:
    notice_end = text.find("Distribution is unlimited.")
    if notice_end >= 0:  # DoD guides open with a cover page and notices: not guidance
        text = text[notice_end + len("Distribution is unlimited."):]
    text = _PAGE_HEADER.sub("\n", "\n" + text)
    for pattern, heading in _BROKEN_PARTS:
        text = pattern.sub(heading, text)
    text = _DOD_HEADER.sub("\n", text)
    return "\n".join(line for line in text.splitlines() if "....." not in line)


def _norm(line: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"-\s+", "-", line)).strip()


def _section_passages(lines: list[str], config: GuideConfig) -> Iterator[Passage]:
    titles = {_norm(t): t for t in config.sections}
    current: str | None = None
    body: list[str] = []
    seen: dict[str, int] = {}
    produced = False  # a table of contents lists the headings (and the stop line) with no text under them
    for line in lines:
        norm = _norm(line)
        if config.stop and produced and norm == _norm(config.stop):
            break
        if norm in titles:
            emitted = list(_emit(config, current, body, seen))
            produced = produced or bool(emitted)
            yield from emitted
            current, body = titles[norm], []
        elif current is not None:
            body.append(line)
    yield from _emit(config, current, body, seen)


def _emit(config: GuideConfig, section: str | None, body: list[str], seen: dict[str, int]) -> Iterator[Passage]:
    text = _join(body)
    if section is None or len(text) < 40:
        return
    seen[section] = seen.get(section, 0) + 1
    slug = _slug(section) + (f"-{seen[section]}" if seen[section] > 1 else "")
    yield from _split(config, f"{config.key}#{slug}", section, text, requirement="")


def _requirement_passages(lines: list[str], config: GuideConfig,
                          resolve_practice: PracticeResolver) -> Iterator[Passage]:
    practice, title, part = "", "", ""
    body: list[str] = []
    for line in lines:
        norm = _norm(line)
        heading = _REQ_HEADING.match(norm)
        resolved = resolve_practice(heading["id"]) if heading else None
        if resolved:
            yield from _emit_part(config, practice, title, part, body)
            (practice, title), part, body = resolved, "", []
        elif not practice:
            continue
        elif norm in _PARTS or _EXAMPLE.match(norm) or norm == _END_OF_REQUIREMENT:
            yield from _emit_part(config, practice, title, part, body)
            part = "" if norm == _END_OF_REQUIREMENT else _PARTS.get(norm, norm)
            body = []
        elif part:
            body.append(line)
    yield from _emit_part(config, practice, title, part, body)


def _emit_part(config: GuideConfig, practice: str, title: str, part: str, body: list[str]) -> Iterator[Passage]:
    text = _join(body)
    if not practice or not part or len(text) < 40:
        return
    section = f"{practice} {title}, {part}"
    yield from _split(config, f"{config.key}#{practice}/{_slug(part)}", section, text, requirement=practice)


def _split(config: GuideConfig, pid: str, section: str, text: str, requirement: str) -> Iterator[Passage]:
    chunks = _chunks(text)
    for index, chunk in enumerate(chunks, start=1):
        suffix = f" (part {index} of {len(chunks)})" if len(chunks) > 1 else ""
        yield Passage(
            id=pid + (f"~{index}" if len(chunks) > 1 else ""), document=config.document, guide=config.key,
            section=section + suffix, text=chunk, level=config.level, requirement=requirement,
        )


def _chunks(text: str) -> list[str]:
    if len(text) <= MAX_CHARS:
        return [text]
    return pack(re.split(r"(?<=[.;:])\s+(?=[A-Z(•o])", text), MAX_CHARS)


def _join(body: list[str]) -> str:
    text = " ".join(line.strip() for line in body)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\b([A-Za-z]) (ersion|ata|hreat)\b", r"\1\2", text)  # "V ersion", "D ata", "Th reat"
    return src.clean(text)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
