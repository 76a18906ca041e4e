"""Turn the knowledge base into index documents: one per requirement, objective, practice, ISO
control or clause, program rule and guide passage, each with the metadata retrieval filters on."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from assistant.knowledge import Control, FrameworkId, KnowledgeBase
from assistant.knowledge.models import ProgramFact

INDEXED_FRAMEWORKS = (
    FrameworkId.NIST_800_171R2, FrameworkId.NIST_800_171A, FrameworkId.CMMC_2, FrameworkId.NIST_800_172,
    FrameworkId.ISO_27001_2022,
)
MAX_COUNTERPARTS = 24
_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z(])")


@dataclass(frozen=True)
class IndexDocument:
    """One retrievable unit. ``embed_text`` feeds the dense model (first ~256 tokens count),
    ``keyword_text`` feeds BM25 (everything, discussion included)."""

    id: str
    embed_text: str
    keyword_text: str
    metadata: dict[str, str | int] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """Changes whenever anything that is indexed about this document changes."""
        fields = (f"{k}={v}" for k, v in sorted(self.metadata.items()))
        blob = "\x1f".join([self.embed_text, self.keyword_text, *fields])
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]

    @property
    def embed_hash(self) -> str:
        """Hash of the embedded text alone: the key of the vector cache."""
        return hashlib.sha256(self.embed_text.encode("utf-8")).hexdigest()[:16]


def knowledge_documents(kb: KnowledgeBase) -> list[IndexDocument]:
    """Every document the knowledge base contributes to the index, in a stable order."""
    docs = [_control_doc(kb, c) for fw in INDEXED_FRAMEWORKS for c in kb.controls(fw) if c.kind != "theme"]
    docs.extend(_rule_docs(kb))
    docs.extend(_passage_docs(kb))
    docs.extend(_phrasing_docs(kb))
    docs.extend(_lexicon_docs(kb))
    return docs


def anchor_of(kb: KnowledgeBase, control: Control) -> str:
    """The requirement a hit stands for: objectives and practices point at their NIST requirement."""
    if control.framework in (FrameworkId.NIST_800_171A, FrameworkId.NIST_800_172A):
        return control.parent
    if control.framework is FrameworkId.CMMC_2:
        requirement = kb.canonical_requirement(control)
        if requirement.framework is FrameworkId.FAR_52_204_21:
            targets = [e.target for e in kb.edges_of(FrameworkId.FAR_52_204_21, requirement.id)]
            return targets[0] if targets else requirement.id
        return requirement.id
    return control.id


def _control_doc(kb: KnowledgeBase, control: Control) -> IndexDocument:
    framework = kb.framework(control.framework)
    counterparts = [e.target for e in kb.crosswalk(control) if e.provenance != "community"][:MAX_COUNTERPARTS]
    points = kb.point_value(control.id) if control.framework is FrameworkId.NIST_800_171R2 else None
    extra = f" SPRS value {points.points} points." if points and points.points else ""
    label = f"{control.id} {control.title}"
    return IndexDocument(
        id=f"{control.framework.value}:{control.id}",
        embed_text=f"{control.title}: {control.text}",
        keyword_text=f"{label}. {control.text} {control.family} {control.discussion} {control.note}{extra}",
        metadata={
            "id": control.id, "framework": control.framework.value, "title": control.title,
            "kind": control.kind, "family": control.family_id, "level": control.level or 0,
            "anchor": anchor_of(kb, control), "source": f"{framework.name} {framework.version}",
            "section": "", "counterparts": ",".join(counterparts),
        },
    )


def _rule_docs(kb: KnowledgeBase) -> Iterator[IndexDocument]:
    for fact in kb.program_facts:
        yield _rule_doc(f"fact:{fact.id}", fact.title, fact.text + " " + " ".join(fact.keywords),
                        fact.citation.document + (f" {fact.citation.section}" if fact.citation.section else ""),
                        kind="program-fact")
    for fact in kb.program_facts:
        yield from _fact_part_docs(fact)
    for category in kb.asset_categories:
        text = " ".join([*category.description, *category.osa_requirements, *category.assessment_requirements])
        yield _rule_doc(f"asset:{category.level}:{category.category}", f"{category.category} (Level {category.level})",
                        text, category.citation.document, kind="asset-category", level=category.level)
    for rule in kb.poam.levels:
        never = ", ".join(rule.never_on_poam)
        text = f"{rule.text} Never on a POA&M: {never}." if never else rule.text
        yield _rule_doc(f"poam:L{rule.level}", f"POA&M rules, Level {rule.level}", text,
                        f"{rule.citation.document}{rule.citation.section}", kind="poam-rule", level=rule.level)
    yield _rule_doc("poam:closeout", "POA&M closeout", kb.poam.closeout_text,
                    f"{kb.poam.closeout_citation.document} {kb.poam.closeout_citation.section}", kind="poam-rule")
    yield _rule_doc("sprs:method", "SPRS scoring (DoD Assessment Methodology)",
                    f"Score range {kb.sprs.max_score} to {kb.sprs.min_score}. {kb.sprs.no_ssp_rule}",
                    kb.sprs.citation.document, kind="sprs-rule")


def _fact_part_docs(fact: ProgramFact) -> Iterator[IndexDocument]:
    """A fact's question phrasings and, when its statement has several sentences, each sentence (with the title):
    documents of the fact, so a question about one detail of a long statement finds it."""
    sentences = fact_sentences(fact.text)
    parts = [("factq", fact.questions, "fact-question")] + ([("facts", sentences, "fact-sentence")]
                                                             if len(sentences) > 1 else [])
    for prefix, texts, kind in parts:
        for number, text in enumerate(texts):
            doc = _rule_doc(f"{prefix}:{fact.id}:{number}", fact.title, text, fact.citation.document, kind=kind)
            doc.metadata["anchor"] = f"fact:{fact.id}"
            yield doc


def fact_sentences(text: str) -> list[str]:
    """The sentences of a fact statement (split after a full stop or semicolon followed by a capital)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if len(s.strip()) > 20]


def _rule_doc(doc_id: str, title: str, text: str, source: str, kind: str, level: int = 0) -> IndexDocument:
    return IndexDocument(
        id=doc_id, embed_text=f"{title}: {text}", keyword_text=f"{title}. {text}",
        metadata={"id": doc_id, "framework": "program", "title": title, "kind": kind, "family": "",
                  "level": level, "anchor": doc_id, "source": source, "section": "", "counterparts": ""},
    )


def _passage_docs(kb: KnowledgeBase) -> Iterator[IndexDocument]:
    for passage in kb.passages:
        anchor = passage.requirement
        if anchor:
            control = kb.try_resolve(anchor)
            anchor = anchor_of(kb, control) if control else anchor
        yield IndexDocument(
            id=f"passage:{passage.id}",
            embed_text=f"{passage.section}: {passage.text}",
            keyword_text=f"{passage.section}. {passage.text}",
            metadata={"id": passage.id, "framework": "guide", "title": passage.section, "kind": "guide-passage",
                      "family": "", "level": passage.level or 0, "anchor": anchor or f"passage:{passage.id}",
                      "source": passage.document, "section": passage.section, "counterparts": passage.requirement},
        )


def _phrasing_docs(kb: KnowledgeBase) -> Iterator[IndexDocument]:
    """Each scenario phrasing is a document of its control: a hit on it is a hit on the requirement."""
    for entry in kb.phrasings:
        control = kb.get(FrameworkId(entry.framework), entry.control_id)
        if control is None:
            continue
        anchor = _requirement_anchor(kb, control)
        framework = kb.framework(control.framework)
        for number, text in enumerate(entry.phrasings):
            yield IndexDocument(
                id=f"phrase:{entry.framework}:{entry.control_id}:{number}", embed_text=text,
                keyword_text=f"{text} ({control.title})",
                metadata={"id": control.id, "framework": control.framework.value, "title": control.title,
                          "kind": "phrasing", "family": control.family_id, "level": control.level or 0,
                          "anchor": anchor, "source": f"{framework.name} {framework.version}", "section": "",
                          "counterparts": ""},
            )


def _lexicon_docs(kb: KnowledgeBase) -> Iterator[IndexDocument]:
    """Each practitioner term is a document of the requirement it bears on most."""
    for entry in kb.lexicon:
        control = kb.try_resolve(entry.controls[0])
        if control is None:
            continue
        names = ", ".join([entry.term, *entry.aliases])
        yield IndexDocument(
            id=f"lex:{entry.term}", embed_text=f"{names}: {entry.means}",
            keyword_text=f"{names}. {entry.means}",
            metadata={"id": control.id, "framework": control.framework.value, "title": control.title,
                      "kind": "lexicon", "family": control.family_id, "level": control.level or 0,
                      "anchor": anchor_of(kb, control), "source": "project lexicon", "section": entry.term,
                      "counterparts": ",".join(entry.controls[1:] + entry.iso)},
        )


def _requirement_anchor(kb: KnowledgeBase, control: Control) -> str:
    """FAR items anchor on the 800-171 requirement they map to; everything else as ``anchor_of``."""
    if control.framework is FrameworkId.FAR_52_204_21:
        targets = [e.target for e in kb.edges_of(FrameworkId.FAR_52_204_21, control.id)]
        return targets[0] if targets else control.id
    return anchor_of(kb, control)
