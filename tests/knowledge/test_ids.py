"""Every spelling users type resolves to the canonical ID; unknown IDs explain themselves."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.knowledge import FrameworkId, KnowledgeBase, UnknownControlError, get_knowledge_base
from assistant.knowledge.ids import find_id_mentions, parse_framework, parse_id

SPELLINGS = {
    "3.1.1": ("nist-800-171r2", "3.1.1"),
    "AC.L2-3.1.1": ("cmmc-2.0", "AC.L2-3.1.1"),
    "ac.l2-3.1.1": ("cmmc-2.0", "AC.L2-3.1.1"),
    "NIST 800-171 3.1.1": ("nist-800-171r2", "3.1.1"),
    "NIST SP 800-171 Rev 2 3.1.1": ("nist-800-171r2", "3.1.1"),
    "3.1.1[a]": ("nist-800-171a", "3.1.1[a]"),
    "3.1.1 [A]": ("nist-800-171a", "3.1.1[a]"),
    "AC.L2-3.1.1[b]": ("nist-800-171a", "3.1.1[b]"),
    "A.5.15": ("iso27001-2022", "A.5.15"),
    "a.5.15": ("iso27001-2022", "A.5.15"),
    "Annex A 5.15": ("iso27001-2022", "A.5.15"),
    "ISO 27001 A.8.5": ("iso27001-2022", "A.8.5"),
    "ISO/IEC 27001:2022 A.8.5": ("iso27001-2022", "A.8.5"),
    "b.1.i": ("far-52.204-21", "b.1.i"),
    "(b)(1)(xv)": ("far-52.204-21", "b.1.xv"),
    "FAR 52.204-21 b.1.ix": ("far-52.204-21", "b.1.ix"),
    "AC.L1-b.1.i": ("cmmc-2.0", "AC.L1-b.1.i"),
    "AC.L1-3.1.1": ("cmmc-2.0", "AC.L1-b.1.i"),
    "PE.L1-3.10.5": ("cmmc-2.0", "PE.L1-b.1.ix"),
    "3.1.2e": ("nist-800-172", "3.1.2e"),
    "AC.L3-3.1.2e": ("cmmc-2.0", "AC.L3-3.1.2e"),
    "3.1.3e[ODP1]": ("nist-800-172a", "3.1.3e[ODP1]"),
    "AC-2": ("nist-800-53r5", "AC-2"),
    "ac-02": ("nist-800-53r5", "AC-2"),
    "AC-2 (1)": ("nist-800-53r5", "AC-2(1)"),
    "03.04.12": ("nist-800-171r3", "03.04.12"),
    "NIST 800-171 Rev 3 3.4.12": ("nist-800-171r3", "03.04.12"),
    "6.1.3": ("iso27001-2022", "6.1.3"),
    "clause 5.2": ("iso27001-2022", "5.2"),
    "A.9.2.3": ("iso27001-2013", "A.9.2.3"),
    "3.5.3.": ("nist-800-171r2", "3.5.3"),
}


@pytest.mark.parametrize("typed", list(SPELLINGS))
def test_spellings_resolve(kb: KnowledgeBase, typed: str) -> None:
    control = kb.resolve(typed)
    assert (control.framework.value, control.id) == SPELLINGS[typed]


_ROUND_TRIP_FRAMEWORKS = [f for f in FrameworkId if f is not FrameworkId.ISO_27001_2013]
_PREFIXES = {
    FrameworkId.NIST_800_171R2: ["", "NIST 800-171 ", "nist sp 800-171 rev 2 ", "800-171 "],
    FrameworkId.NIST_800_171A: ["", "NIST 800-171A "],
    FrameworkId.NIST_800_171R3: ["", "NIST SP 800-171 Rev 3 "],
    FrameworkId.NIST_800_172: ["", "NIST SP 800-172 "],
    FrameworkId.NIST_800_172A: ["", "800-172A "],
    FrameworkId.NIST_800_53R5: ["", "NIST 800-53 ", "800-53 rev 5 "],
    FrameworkId.CMMC_2: ["", "CMMC ", "cmmc level 2 "],
    FrameworkId.FAR_52_204_21: ["", "FAR 52.204-21 ", "52.204-21 "],
    FrameworkId.ISO_27001_2022: ["", "ISO 27001 ", "ISO/IEC 27001:2022 "],
}


@st.composite
def typed_ids(draw: st.DrawFn) -> tuple[str, FrameworkId, str]:
    kb = get_knowledge_base()
    framework = draw(st.sampled_from(_ROUND_TRIP_FRAMEWORKS))
    controls = [c for c in kb.controls(framework) if c.kind != "theme"]
    canonical = draw(st.sampled_from(controls)).id
    prefix = draw(st.sampled_from(_PREFIXES[framework]))
    typed = draw(st.sampled_from([canonical, canonical.lower(), canonical.upper()]))
    suffix = draw(st.sampled_from(["", ".", "?", " "]))
    return f"{prefix}{typed}{suffix}", framework, canonical


@settings(max_examples=400, deadline=None)
@given(typed_ids())
def test_round_trip_any_spelling_resolves_to_its_canonical_id(case: tuple[str, FrameworkId, str]) -> None:
    typed, framework, canonical = case
    control = get_knowledge_base().resolve(typed)
    assert (control.framework, control.id) == (framework, canonical) or (
        framework is FrameworkId.CMMC_2 and control.id == canonical
    )


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(get_knowledge_base().data.controls))
def test_canonical_ids_parse_back_to_themselves(control: object) -> None:
    from assistant.knowledge import Control

    assert isinstance(control, Control)
    # 2013 numbers collide with 2022 ones (A.5.1, 4.1): users say "2013" to mean the old edition.
    typed = f"ISO 27001:2013 {control.id}" if control.framework is FrameworkId.ISO_27001_2013 else control.id
    readings = [(c.framework, c.canonical) for c in parse_id(typed)]
    assert (control.framework, control.id) in readings


@pytest.mark.parametrize(
    ("typed", "must_say", "suggested"),
    [
        ("3.14.9", "family 3.14 runs 3.14.1–3.14.7", ["3.14.7"]),
        ("3.4.12", "03.04.12", ["3.4.9"]),
        ("3.15.1", "families run 3.1–3.14", []),
        ("3.1.1[z]", "3.1.1[a]–3.1.1[f]", ["3.1.1[a]"]),
        ("A.5.38", "Annex A theme 5 runs A.5.1–A.5.37", ["A.5.37"]),
        ("IA.L2-3.1.1", "not a CMMC 2.0 practice", ["AC.L2-3.1.1"]),
        ("3.1.9e", "800-172", ["3.1.3e"]),
    ],
)
def test_unknown_ids_explain_and_suggest(kb: KnowledgeBase, typed: str, must_say: str, suggested: list[str]) -> None:
    with pytest.raises(UnknownControlError) as info:
        kb.resolve(typed)
    assert must_say in info.value.message
    assert info.value.suggestions[: len(suggested)] == suggested


def test_rev3_id_reported_as_rev3(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownControlError, match="System and Component Configuration for High-Risk Areas"):
        kb.resolve("3.4.12")
    assert kb.resolve("03.04.12").framework is FrameworkId.NIST_800_171R3


def test_garbage_is_not_an_id(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownControlError, match="not a control ID"):
        kb.resolve("what is love")
    assert kb.try_resolve("") is None


def test_find_id_mentions_in_free_text() -> None:
    text = "Do AC.L2-3.1.1, 3.5.3 and A.8.5 overlap? Also AC-2(1), 3.1.2e, 3.1.1[a] and 03.04.12."
    assert [m.text for m in find_id_mentions(text)] == [
        "AC.L2-3.1.1", "3.5.3", "A.8.5", "AC-2(1)", "3.1.2e", "3.1.1[a]", "03.04.12"]
    assert find_id_mentions("version 4.2 of the tool") == []
    assert find_id_mentions("evidence EV-7 and ticket JR-12") == []  # only real 800-53 family codes


@pytest.mark.parametrize(("typed", "framework"), [
    ("171", FrameworkId.NIST_800_171R2), ("cmmc", FrameworkId.CMMC_2), ("ISO", FrameworkId.ISO_27001_2022),
    ("53", FrameworkId.NIST_800_53R5), ("iso27001-2013", FrameworkId.ISO_27001_2013)])
def test_parse_framework(typed: str, framework: FrameworkId) -> None:
    assert parse_framework(typed) is framework


def test_parse_framework_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unknown framework 'soc2'"):
        parse_framework("soc2")


def test_the_later_items_of_a_far_list_are_mentions_too() -> None:
    from assistant.knowledge.ids import find_id_mentions

    found = [m.text for m in find_id_mentions("fails FAR 52.204-21 (b)(1)(i) and (iii), or (iv) and 3.1.1")]
    assert found == ["(b)(1)(i)", "(b)(1)(iii)", "(b)(1)(iv)", "3.1.1"]
    assert [m.text for m in find_id_mentions("items (iii) and (iv) of the list")] == []  # no FAR head, no IDs
