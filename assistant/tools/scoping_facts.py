"""Reading scoping facts from plain words, per asset and per clause.

The words come from data (``rules/scoping_vocabulary.json``): asset terms name an asset class (with the
Scoping Guide passage it comes from); cue groups state facts (CUI handled, negated, restricted, kept off
by policy, separated, Keyboard/Video/Mouse only). A description is cut into clauses; each clause is
attributed to the asset it is about (its subject, or a destination the CUI is sent to), so "the CUI file
server" in a sentence about HR laptops says nothing about the laptops. Terms match in singular and plural;
equipment the vocabulary does not list ("the torque tester") takes the class whose terms share its words most
(IDF-weighted nearest terms). People are the subject when a question asks about them ("does every employee
..."). Deterministic: no model.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from assistant.knowledge.build import scoping_vocabulary as sv
from assistant.knowledge.paths import knowledge_dir

_KIND_RANK = {"specialized": 0, "security": 1, "business_saas": 2, "vdi": 3, "cloud": 4, "it": 5, "people": 6}
_DETERMINERS = {"the", "a", "an", "our", "their", "its", "my", "your", "his", "her", "every", "each", "all", "any",
                "some", "this", "that", "these", "those", "company", "encrypted", "customer's", "enclave's", "shared"}
_PREPOSITIONS = {"on", "in", "into", "to", "onto", "from", "with", "through", "over", "via", "at", "behind", "as",
                 "for", "of", "including", "like", "using", "by", "about", "inside", "within", "across"}
_TRANSPORT = {"over", "via", "through", "using"}
_DESTINATIONS = {"to", "into", "in", "on", "onto", "through", "via", "at", "inside", "within"}
_STOP_NAME = _DETERMINERS | _PREPOSITIONS | {"is", "are", "and", "or", "what", "about", "do", "does", "level", "1",
                                             "2", "3", "cmmc", "question", "for", "we", "use", "so", "can", "how"}
_PROHIBIT = ("prohibit", "forbid", "not allowed", "not permitted", "isn't allowed", "aren't allowed", "ban", "bar",
             "blocked", "blocks")
_ZONE_VERBS = ("open", "opens", "opened", "access", "accesses", "accessed", "edit", "edits", "mount", "mounts",
               "map", "maps", "sync", "syncs", "download from", "downloads from", "copies of", "copy of",
               "backup of", "backups of", "backs up the", "replicates", "mirrors", "log into", "logs into")
_ELSEWHERE = re.compile(r"\b(?:only|stays?|kept|remains?|solely)\b[^.;]{0,40}\b(?:in|inside|within|on)\s+(?:the|our)\s+"
                        r"(?:enclave|engineering|cui|program|secure|approved|other)", re.I)
_PLAIN = str.maketrans("’‘“”–—", "''\"\"--")
# "can I host a VM on it": the asset hosted is not what the question is about, "it" is
_HOSTED_ON_IT = re.compile(r"\b(?:host|install|run|put|load|deploy|spin up)\w*\s+[^,.;?]{0,40}?\s+on\s+(?:it|them)\b")
_QUESTION_START = re.compile(r"^\s*(?:is|are|does|do|what|how|where|which|can|should|would|will|categori[sz]e|"
                             r"classify|place)\b", re.I)


@dataclass(frozen=True)
class Mention:
    """One asset word in the text: where, which class, and the name as written (with its modifier)."""

    start: int
    end: int
    term: str
    cls: sv.AssetClass
    name: str
    cui_modified: bool = False  # "the CUI file server": a CUI-zone asset, not this asset's data

    @property
    def name_start(self) -> int:
        """Where the name (with its modifiers) starts."""
        return self.end - len(self.name)


@dataclass
class Reading:
    """What the words say about one asset; None is unknown."""

    name: str
    asset_class: sv.AssetClass | None = None
    handles_cui: bool | None = None
    handles_fci: bool | None = None
    can_handle_cui: bool | None = None
    prevented_by_policy: bool | None = None
    intent_only: bool = False
    provides_security: bool | None = None
    separated: bool | None = None
    kvm_only: bool = False
    transit_only: bool = False  # CUI only crosses it in transit ("passes through it encrypted")
    universal: bool = False  # "every employee", "everyone": a question about all the people, not one asset
    note: str = ""  # a sentence the answer quotes (from the vocabulary data, with its source)
    evidence: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Clause:
    start: int
    end: int
    text: str
    sentence: int
    question: bool


@lru_cache(maxsize=4)
def vocabulary(root: Path | None = None) -> sv.ScopingVocabulary:
    """The built scoping vocabulary of the shipped knowledge folder (or ``root``)."""
    return sv.load((root or knowledge_dir()).resolve())


@lru_cache(maxsize=4)
def _patterns(root: Path | None = None) -> tuple[re.Pattern[str], dict[str, sv.AssetClass], dict[str, re.Pattern[str]]]:
    vocab = vocabulary(root)
    owner = {t: c for c in vocab.classes for t in c.terms}
    for term, cls in list(owner.items()):  # "employees" in the data also reads "employee"
        if len(term) > 4 and term.endswith("s") and not term.endswith(("ss", "us", "is")):
            owner.setdefault(term[:-1], cls)
    terms = sorted(owner, key=lambda t: (-len(t), t))
    # plural forms match their term ("mills", "thermostats"): one entry per term in the data is enough
    assets = re.compile(r"(?<![\w-])(?P<t>" + "|".join(re.escape(t) for t in terms) + r")(?:s|es)?(?![\w-])")
    cues = {g: re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(t) for t in words) + r")(?![\w])")
            for g, words in vocab.cues.items()}
    return assets, owner, cues


def normalize(text: str) -> str:
    """Lower-case with plain quotes and hyphens, same length as the input (offsets stay valid)."""
    return text.lower().translate(_PLAIN)


def mentions(text: str) -> list[Mention]:
    """Asset words in ``text`` (normalized), adjacent ones merged ("Windchill PLM server")."""
    assets, owner, cues = _patterns()
    found: list[Mention] = []
    for m in assets.finditer(text):
        cls = owner[m.group("t")]
        if found and text[found[-1].end:m.start()].strip() == "" and "people" not in (cls.kind, found[-1].cls.kind):
            prev = found.pop()
            best = min((prev.cls, cls), key=lambda c: _KIND_RANK[c.kind])
            found.append(Mention(prev.start, m.end(), m.group("t"), best, _name(text, prev.start, m.end()),
                                 prev.cui_modified))
            continue
        before = text[max(0, m.start() - 40):m.start()]
        modified = bool(re.search(r"(?:" + cues["cui_terms"].pattern + r")\s+$", before))
        found.append(Mention(m.start(), m.end(), m.group("t"), cls, _name(text, m.start(), m.end()), modified))
    return sorted(found + _unlisted_equipment(text, found), key=lambda m: m.start)


def _unlisted_equipment(text: str, found: list[Mention]) -> list[Mention]:
    """Equipment the vocabulary does not list ("the torque tester", "a pick-and-place machine"): a phrase ending
    in an equipment head noun takes the class whose terms share its words most (IDF-weighted nearest terms)."""
    out: list[Mention] = []
    for m in _equipment_pattern().finditer(text):
        if any(f.start < m.end() and m.start() < f.end for f in found):
            continue
        words = m.group(0).split()
        while words and words[0] in _STOP_NAME:
            words.pop(0)
        cls = _nearest_class(tuple(words)) if len(words) > 1 else None  # "my machine" says too little
        if cls is not None:
            start = m.end() - len(" ".join(words))
            out.append(Mention(start, m.end(), " ".join(words), cls, _name(text, start, m.end())))
    return out


@lru_cache(maxsize=1)
def _equipment_pattern() -> re.Pattern[str]:
    heads = "|".join(re.escape(h) for h in sorted(vocabulary().cues["equipment_heads"], key=lambda h: -len(h)))
    return re.compile(r"(?<![\w-])(?:[a-z0-9][\w-]*\s+){0,2}(?:" + heads + r")(?:s|es)?(?![\w-])")


@lru_cache(maxsize=1)
def _term_tokens() -> tuple[dict[str, Counter[str]], dict[str, float], dict[str, sv.AssetClass]]:
    """Per class, how often each word occurs in its terms; each word's IDF over the classes."""
    classes = {c.id: c for c in vocabulary().classes if c.kind != "people"}
    counts = {cid: Counter(w for t in c.terms for w in re.split(r"[\s/-]+", t) if w) for cid, c in classes.items()}
    df = Counter(w for c in counts.values() for w in c)
    return counts, {w: math.log(len(counts) / n) for w, n in df.items()}, classes


@lru_cache(maxsize=256)
def _nearest_class(words: tuple[str, ...]) -> sv.AssetClass | None:
    """The class whose terms share the most informative words with ``words``; None when none or a tie."""
    counts, idf, classes = _term_tokens()
    tokens = [t for w in words for t in [*re.split(r"[\s/-]+", w.rstrip("s")), w]
              if len(t) > 2 and t not in _STOP_NAME]
    scores = {cid: sum(idf[t] for t in set(tokens) if t in c) + 0.01 * sum(c[t] for t in set(tokens))
              for cid, c in counts.items()}
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] <= 0.05 or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return classes[ranked[0][0]]


def _name(text: str, start: int, end: int) -> str:
    words = text[:start].split()[-2:]
    keep: list[str] = []
    for raw in reversed(words):
        if raw[-1:] in ",.;:?!":
            break
        word = raw.strip("()\"")
        if not word or word in _STOP_NAME or word.endswith("'s") or word.endswith("s'"):
            break
        keep.insert(0, word)
    return " ".join([*keep, text[start:end]])


def clauses(text: str) -> list[_Clause]:
    """Sentences cut at ';', ':', 'but', 'though', ', and' and similar joints."""
    out: list[_Clause] = []
    for number, sent in enumerate(re.finditer(r"[^.?!]+[.?!]?", text)):
        s_text, base = sent.group(0), sent.start()
        cuts = [0] + [m.end() for m in re.finditer(
            r"[;:]\s*|,?\s+(?:but|though|although|whereas|however)\s+|,\s+(?:and|while)\s+|,\s+(?=it\b|they\b)",
            s_text)] + [len(s_text)]
        for a, b in pairwise(cuts):
            piece = s_text[a:b]
            if piece.strip():
                question = piece.rstrip().endswith("?") or bool(_QUESTION_START.match(piece))
                out.append(_Clause(base + a, base + b, piece, number, question))
    return out


def targets(text: str, found: list[Mention], spans: list[_Clause]) -> list[Mention]:
    """The asset(s) asked about: those the question names, else the first asset the description is about."""
    assets = [m for m in found if m.cls.kind != "people"]
    in_question = [m for m in found if any(c.question and c.start <= m.start < c.end for c in spans)]
    hosted = [m for m in in_question if any(h.start() <= m.start < h.end() for h in _HOSTED_ON_IT.finditer(text))]
    asked = [m for m in in_question if m.cls.kind != "people" and m not in hosted]
    people = [m for m in in_question if m.cls.kind == "people" and m.term not in ("we", "our team")]
    if not people and not asked and _universal(" ".join(c.text for c in spans if c.question)):
        # "do the other 188 have to be in the assessment?": the people the description named
        people = [m for m in found if m.cls.kind == "people" and m.term not in ("we", "our team")]
    people.sort(key=lambda m: not re.search(r"\b(?:every|all|other|whole|entire)\s+(?:\w+\s+)?$",
                                             text[max(0, m.start - 16):m.start]))
    asking = " ".join(c.text for c in spans if c.question)
    if not asked and people and (not assets or _universal(asking) or not hosted):
        return people[:1]  # "can the people without CUI access be out of scope?": the people are the subject
    if not assets:
        return []
    if re.search(r"\bwhich of (?:these|them|those)\b", text):
        asked = [m for m in assets if not m.cui_modified]
    distinct: list[Mention] = []
    for m in asked:
        first = next(a for a in assets if _same(a, m))  # the description's own wording names it
        if not any(_same(first, d) for d in distinct):
            distinct.append(first)
    if distinct:
        return distinct
    subjects = [m for m in assets if not m.cui_modified and _preceding_word(text, m.name_start) not in _TRANSPORT
                and m not in hosted]
    return [(subjects or assets)[0]]


def _universal(text: str) -> bool:
    return bool(_patterns()[2]["universal_people"].search(text))


def _same(a: Mention, b: Mention) -> bool:
    if a.cls.id != b.cls.id:
        return "people" not in (a.cls.kind, b.cls.kind) and (a.term.endswith(b.term) or b.term.endswith(a.term))
    if a.cls.kind not in ("it", "cloud", "people", "vdi"):
        return True
    last_a, last_b = a.term.split()[-1].rstrip("s"), b.term.split()[-1].rstrip("s")
    return last_a == last_b or a.term in b.term or b.term in a.term


def _preceding_word(text: str, start: int) -> str:
    for word in reversed(text[:start].split()[-4:]):
        word = word.strip(",.;:?!()\"")
        if word not in _DETERMINERS:
            return word
    return ""


def read_asset(text: str, target: Mention, others: list[Mention], found: list[Mention],
               spans: list[_Clause]) -> Reading:
    """The facts the clauses about ``target`` state (``others``: the other assets asked about)."""
    reading = Reading(name=target.name, asset_class=target.cls, note=target.cls.note)
    if target.cls.kind == "people":  # "does every employee ...?" asks about everyone, not one group
        reading.universal = _universal(" ".join(c.text for c in spans if c.question))
    if any(m.cui_modified and _same(m, target) for m in found):
        reading.handles_cui = True
        reading.evidence.append(f"'{target.name}' is described as a CUI asset")
    elif target.cls.id == "backup" and (any(m.cui_modified for m in found) or _cui_polarity(text) is True):
        reading.handles_cui = True  # a backup of CUI (or of a CUI asset) stores CUI: 32 CFR 170.19(c)(1)
        reading.evidence.append("it holds backups of CUI")
    for clause in spans:
        inside = [m for m in found if clause.start <= m.start < clause.end]
        role = _role(text, clause, inside, target, others)
        if role == "subject":
            _read_clause(clause.text, reading)
            _read_companion(text, clause, inside, target, reading)
        elif role == "destination":
            _read_destination(clause.text, reading)
    if target.cls.kind == "people":  # "the people without CUI access": the asked group, not others named before
        asked = [c for c in spans if c.question and c.start <= target.start < c.end]
        if asked and _cui_polarity(asked[0].text) is False:
            reading.handles_cui = False
    return reading


def _read_destination(clause: str, r: Reading) -> None:
    """What a clause says of an asset data is put on ("... on one IT laptop", "... in a locked drawer")."""
    cui = _cui_polarity(clause)
    if cui is True:
        r.handles_cui = True
    if _term_polarity(clause, "fci_terms") is True:
        r.handles_fci = True
    if cui is not True and _has(clause, "spd_terms") and not _negated_before(clause, len(clause)):
        r.provides_security = True
        r.note = r.note or vocabulary().notes.get("spd_host", "")
    if cui is True or r.provides_security:
        r.evidence.append(clause.strip())


def _read_companion(text: str, clause: _Clause, inside: list[Mention], target: Mention, r: Reading) -> None:
    """An IT box that runs or is paired with a specialized asset takes that asset's class (its IT component)."""
    if target.cls.kind not in ("it", "vdi"):
        return
    cue = _patterns()[2]["companion"].search(text, clause.start, clause.end)
    partner = next((m for m in inside if cue and m.start >= cue.start() and m.cls.kind == "specialized"), None)
    if cue and partner is not None:
        r.asset_class = partner.cls
        r.note = vocabulary().notes.get("companion", "")
        r.evidence.append(clause.text.strip())


def _role(text: str, clause: _Clause, inside: list[Mention], target: Mention, others: list[Mention]) -> str | None:
    mine = [m for m in inside if _same(m, target)]
    subject = next((m for m in inside if m.cls.kind != "people" and not m.cui_modified
                    and _preceding_word(text, m.name_start) not in _PREPOSITIONS), None)
    if mine and (subject is None or _same(subject, target)):
        return "subject"
    if mine:
        return "destination" if _preceding_word(text, mine[0].name_start) in _DESTINATIONS else None
    if any(_same(m, o) for m in inside for o in others):
        return None
    if subject is not None and not (subject.cls.kind == "security" and _has(clause.text, "policy")):
        return None
    return "subject"


def _has(text: str, group: str) -> bool:
    return bool(_patterns()[2][group].search(text))


def _read_clause(clause: str, r: Reading) -> None:
    cui = _cui_polarity(clause)
    if _has(clause, "mixed_data") and not _has(clause, "separated"):
        cui = True  # "CUI and non-CUI on the same endpoint": it holds CUI, whatever else it holds
    fci = _term_polarity(clause, "fci_terms")
    practice = _practice(clause)
    # "is Jira in scope if engineers paste CUI?": an "if" in a question states the premise to answer under;
    # only "whether"/"unless" leave the fact open
    if _has(clause, "hypothetical") and re.search(r"\b(?:whether|unless)\b", clause):
        cui = None if cui is not False else cui
    if cui is True:
        r.handles_cui = True
    elif cui is False:
        r.handles_cui = r.handles_cui is True
        if practice or _has(clause, "intent_only"):
            r.can_handle_cui = r.can_handle_cui if r.can_handle_cui is not None else True
    elif _has(clause, "restrictions") and _has(clause, "handling_verbs") and r.handles_cui is None:
        r.handles_cui = False  # "it only stores the scan results", "just forwards alerts"
    if fci is not None:
        r.handles_fci = fci if r.handles_fci is not True else True
    if practice:
        r.prevented_by_policy = True
    if _has(clause, "intent_only"):
        r.intent_only = True
    if _has(clause, "capability") and not _negated_capability(clause):
        r.can_handle_cui = True if r.can_handle_cui is None else r.can_handle_cui
    elif _negated_capability(clause) and cui is not True:
        r.can_handle_cui = False
    _read_security_and_separation(clause, r)
    if cui is not None or practice:
        r.evidence.append(clause.strip())


def _practice(clause: str) -> bool:
    """A policy, procedure or practice the clause states ("there's no written rule" states none)."""
    negations = _patterns()[2]["policy_negations"]
    for m in _patterns()[2]["policy"].finditer(clause):
        window = " ".join(clause[:m.start()].split()[-3:])
        if not negations.search(window):
            return True
    return False


def _read_security_and_separation(clause: str, r: Reading) -> None:
    if re.search(r"\bno security (?:role|function)", clause):
        r.provides_security = False
    elif _has(clause, "security_functions"):
        r.provides_security = True
    elif (_has(clause, "spd_terms") and _has(clause, "handling_verbs") and _cui_polarity(clause) is not True
          and not _negated_before(clause, len(clause))):
        r.provides_security = True
        r.note = r.note or vocabulary().notes.get("spd_host", "")
    if _has(clause, "connected"):
        r.separated = False if r.separated is None else r.separated
        r.can_handle_cui = True if r.can_handle_cui is None else r.can_handle_cui
    elif _has(clause, "separated"):
        r.separated = True
    if _has(clause, "kvm_only"):
        r.kvm_only = True
    if _has(clause, "transit_only"):
        r.transit_only = True


def _negated_capability(clause: str) -> bool:
    return bool(re.search(r"\b(?:cannot|can't|can not|unable to|isn't able to|not able to|no way to)\b"
                          r"[^.;]{0,30}\b(?:store|process|transmit|hold|save|open|access|reach|cui)", clause))


def _cui_polarity(clause: str) -> bool | None:
    polarity = _term_polarity(clause, "cui_terms")
    if polarity is None and any(re.search(rf"\b{re.escape(v)}\b(?:\s+\w+)?\s+(?:the\s+|our\s+)?cui\s", clause)
                                for v in _ZONE_VERBS):
        polarity = not _negated_before(clause, len(clause))
    return polarity


def _term_polarity(clause: str, group: str) -> bool | None:
    """True: the clause says the asset handles it; False: says it does not; None: says nothing."""
    _, _, cues = _patterns()
    zone = cues["zone_nouns"]
    verdicts: list[bool] = []
    for m in cues[group].finditer(clause):
        after = clause[m.end():]
        if zone.match(after.lstrip()) and after[:1] == " ":
            continue  # "the CUI file server": another asset, not data
        if _negated_before(clause, m.start()) or _negated_after(after) or _confined_elsewhere(clause):
            verdicts.append(False)
        elif _has(clause, "intent_only") or (_has(clause, "capability") and not _has(clause, "kvm_only")
                                              and re.search(r"\b(?:could|can|able to|capable of|might|may)\b",
                                                            clause[:m.start()])):
            continue
        elif _has(clause, "handling_verbs") or re.search(r"\b(?:include|includes|including)\b", clause):
            verdicts.append(True)
    if not verdicts:
        return None
    return False if False in verdicts and True not in verdicts else (True in verdicts)


def _negated_before(clause: str, position: int) -> bool:
    words = clause[:position].split()[-8:]
    window = " ".join(words)
    neg = _patterns()[2]["negations"]
    contracted = any(w.endswith("n't") or w == "cannot" for w in words)
    return contracted or bool(neg.search(window)) or any(re.search(rf"\b{p}", window) for p in _PROHIBIT)


def _negated_after(after: str) -> bool:
    words = after.split()[:4]
    for word in words:
        if word in ("and", "or", "but", "with"):
            return False
        if word in ("off", "away", "never", "not", "isn't", "aren't", "wasn't", "no") or word.endswith("n't"):
            return True
    return False


def _confined_elsewhere(clause: str) -> bool:
    return bool(_ELSEWHERE.search(clause))
