"""The company's own documents (policies, procedures, evidence): read, chunk, and describe them so
answers can cite "Access Control Policy §4.2". Markdown, text, PDF and DOCX are read; a file that
cannot be read, or holds no text, is reported by name and skipped."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from assistant.index.documents import IndexDocument
from assistant.knowledge.text import pack

SUPPORTED = {".md", ".markdown", ".txt", ".pdf", ".docx"}
CHUNK_CHARS = 1200
KIND = "user-doc"


@dataclass(frozen=True)
class Section:
    """A heading (or page) and the text under it."""

    heading: str
    text: str


@dataclass
class Ingested:
    """What reading a set of paths produced."""

    documents: list[IndexDocument] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # path -> reason


def ingest(paths: list[Path]) -> Ingested:
    """Read every supported file under ``paths`` into chunks; collect the ones that fail."""
    result = Ingested()
    for path, shown in _files(paths, result):
        try:
            sections = list(_read(path))
        except Exception as exc:  # any parser failure is one unreadable file, never a crash
            result.skipped[str(path)] = f"cannot be read ({type(exc).__name__}: {exc})"
            continue
        chunks = list(_chunks(path, sections, shown))
        if not chunks:
            result.skipped[str(path)] = "contains no text"
            continue
        result.files.append(str(path))
        result.documents.extend(chunks)
    return result


def _files(paths: list[Path], result: Ingested) -> Iterator[tuple[Path, str]]:
    """Each readable file, with the path citations show: relative to the folder given, or the file's name."""
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_file() and file.suffix.lower() in SUPPORTED and _utf8_name(file, result):
                    yield file, file.relative_to(path).as_posix()
        elif not path.exists():
            result.skipped[str(path)] = "does not exist"
        elif path.suffix.lower() not in SUPPORTED:
            result.skipped[str(path)] = f"unsupported type {path.suffix or '(none)'}; use .md, .txt, .pdf or .docx"
        elif _utf8_name(path, result):
            yield path, path.name


def _utf8_name(path: Path, result: Ingested) -> bool:
    """A file whose name is not UTF-8 cannot be stored or cited: it is skipped with a reason."""
    try:
        str(path.resolve()).encode("utf-8")
    except UnicodeEncodeError:
        result.skipped[str(path)] = "the file name is not UTF-8 text; rename the file"
        return False
    return True


def _read(path: Path) -> Iterator[Section]:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        yield from _read_pdf(path)
    elif suffix == ".docx":
        yield from _read_docx(path)
    else:
        yield from _read_markdown(path.read_text(encoding="utf-8"))


def _read_markdown(text: str) -> Iterator[Section]:
    heading, body = "", list[str]()
    for line in text.splitlines():
        match = re.match(r"^#{1,6}\s+(.*)$", line)
        if match:
            if heading or "".join(body).strip():  # empty sections still carry the document's title
                yield Section(heading, "\n".join(body).strip())
            heading, body = match.group(1).strip(), []
        else:
            body.append(line)
    if "".join(body).strip():
        yield Section(heading, "\n".join(body).strip())


def _read_pdf(path: Path) -> Iterator[Section]:
    from pypdf import PdfReader

    for number, page in enumerate(PdfReader(str(path)).pages, start=1):
        text = (page.extract_text() or "").strip()
        if text:
            yield Section(f"page {number}", text)


def _read_docx(path: Path) -> Iterator[Section]:
    import docx

    heading, body = "", list[str]()
    for paragraph in docx.Document(str(path)).paragraphs:
        style = paragraph.style.name if paragraph.style is not None else ""
        if style.lower().startswith("heading") and paragraph.text.strip():
            if heading or "".join(body).strip():
                yield Section(heading, "\n".join(body).strip())
            heading, body = paragraph.text.strip(), []
        elif paragraph.text.strip():
            body.append(paragraph.text)
    if "".join(body).strip():
        yield Section(heading, "\n".join(body).strip())


def _chunks(path: Path, sections: list[Section], shown: str) -> Iterator[IndexDocument]:
    """Chunks of one file; ``source`` is the path shown to users (never the server's absolute path), the
    anchor keeps the resolved path, which identifies the file when it is added again."""
    title = _title(path, sections)
    for number, section in enumerate(sections, start=1):
        if not section.text:
            continue
        for part, text in enumerate(_split(section.text), start=1):
            label = f"{title} §{section.heading}" if section.heading and section.heading != title else title
            embed = f"{label}: {text}"
            digest = hashlib.sha256(embed.encode("utf-8")).hexdigest()[:12]
            yield IndexDocument(
                id=f"doc:{path.resolve()}#{number}.{part}", embed_text=embed, keyword_text=embed,
                metadata={"id": f"{path.name}#{number}.{part}", "framework": "company", "title": label,
                          "kind": KIND, "family": "", "level": 0, "anchor": f"doc:{path.resolve()}",
                          "source": shown, "section": section.heading, "counterparts": "",
                          "content_hash": digest},
            )


def _title(path: Path, sections: list[Section]) -> str:
    heading = sections[0].heading if sections else ""
    first = heading if heading and not heading.startswith("page ") else ""
    return first or path.stem.replace("_", " ").replace("-", " ").title()


def _split(text: str) -> list[str]:
    text = re.sub(r"[ \t]+", " ", text).strip()
    if len(text) <= CHUNK_CHARS:
        return [text]
    return pack(re.split(r"\n\s*\n|\n", text), CHUNK_CHARS, "\n")
