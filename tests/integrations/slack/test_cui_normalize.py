"""The normalizer the CUI detector reads through: characters, Slack markup, layout."""

from __future__ import annotations

import pytest

from integrations.slack.cui_normalize import (
    collapse_layout,
    fold_characters,
    join_spaced_letters,
    normalize,
    strip_slack_markup,
)


@pytest.mark.parametrize(("raw", "folded"), [
    ("C\u200bU\u200cI\u200d", "CUI"),  # zero-width space / non-joiner / joiner
    ("\u2066CUI\u2069 \u202eFOUO\u202c", "CUI FOUO"),  # bidi isolates and overrides
    ("\ufeffCUI\u2060", "CUI"),  # BOM, word joiner
    ("NO\u00adFORN", "NOFORN"),  # soft hyphen
    ("\uff23\uff35\uff29\uff0f\uff0f\uff33\uff30\uff0d\uff23\uff34\uff29", "CUI//SP-CTI"),  # fullwidth
    ("\U0001d402\U0001d414\U0001d408", "CUI"),  # mathematical bold
    ("\u24b8\u24ca\u24be", "CUI"),  # circled letters
    ("\u0421U\u0406", "CUI"),  # Cyrillic Es and Byelorussian-Ukrainian I
    ("\u039d\u039fFORN", "NOFORN"),  # Greek Nu and Omicron
    ("F\u041eU\u041e", "FOUO"),  # Cyrillic O
    ("\u13dfUI", "CUI"),  # Cherokee
    ("\u1d04\u1d1c\u026a", "cui"),  # Latin small capitals
    ("C\u0332U\u0332I\u0332", "CUI"),  # combining low line
    ("CUI\u2215\u2215SP\u2013CTI", "CUI//SP-CTI"),  # division slash, en dash
    ("CUI\u00a0//\u202fSP", "CUI // SP"),  # no-break spaces
    ("caf\u00e9", "cafe"),  # accents go too (harmless for markings)
    ("F0U0 N0F0RN CU1 CUl", "FOUO NOFORN CUI CUI"),  # digits and l for letters in the marking words
    ("cul-de-sac CU1X", "cul-de-sac CU1X"),  # only whole words, and "CUl" needs the capitals
    ("C\u2800U\u2800I", "C U I"),  # braille blank
    ("CUI\u2028spec\u2029end", "CUI\nspec\nend"),  # Unicode line and paragraph separators
])
def test_fold_characters(raw: str, folded: str) -> None:
    assert fold_characters(raw) == folded


@pytest.mark.parametrize(("raw", "plain"), [
    ("*CUI*", "CUI"),
    ("_CUI//SP-CTI_ drawing", "CUI//SP-CTI drawing"),
    ("~FOUO~", "FOUO"),
    ("`CUI//SP-CTI`", '"CUI//SP-CTI"'),  # inline code reads as a quotation
    ("```CUI\nwire list```", "\nCUI\nwire list\n"),
    ("&gt; CUI\n&gt; quoted", "CUI\nquoted"),
    ("> CUI\n> quoted", "CUI\nquoted"),
    ("<https://drive.example/x|CUI//SP-CTI drawing>", "CUI//SP-CTI drawing"),
    ("<https://www.dodcui.mil>", "https://www.dodcui.mil"),
    ("<@U123ABC> is this CUI?", "  is this CUI?"),
    ("<#C123|cui-program> and <!here>", "cui-program and  "),
    ("A &amp; B &lt;x&gt;", "A & B <x>"),
    ("snake_case_name stays", "snake_case_name stays"),
])
def test_strip_slack_markup(raw: str, plain: str) -> None:
    assert strip_slack_markup(raw) == plain


@pytest.mark.parametrize(("raw", "joined"), [
    ("C U I", "CUI"),
    ("C.U.I.", "CUI"),
    ("c. u. i. banner", "cui banner"),
    ("F-O-U-O memo", "FOUO memo"),
    ("N O F O R N", "NOFORN"),
    ("C U I // S P - C T I", "CUI // SP - CTI"),
    ("U.S. Government", "US Government"),
    ("I am a U S person", "I am a US person"),  # a lone lower-case "a" is not part of the run
    ("e.g. i.e. a.m.", "e.g. i.e. a.m."),  # two lower-case letters are left alone
    ("DISTRIBUTION STATEMENT D. Distribution", "DISTRIBUTION STATEMENT D. Distribution"),
    ("3.1.1 and AC.L2-3.1.1", "3.1.1 and AC.L2-3.1.1"),
])
def test_join_spaced_letters(raw: str, joined: str) -> None:
    assert join_spaced_letters(raw) == joined


def test_collapse_layout_keeps_lines_and_drops_blank_ones() -> None:
    assert collapse_layout("  CUI  \n\n\n\tspec   para\t3 \r\nend") == "CUI\nspec para 3\nend"


def test_normalize_composes_every_step() -> None:
    text = "> *\u0421 U I*\n\n```\nradar\u200b   notes\n```"
    assert normalize(text) == "CUI\nradar notes"
    assert normalize("") == ""
    assert normalize("what does CUI//SP-CTI mean?") == "what does CUI//SP-CTI mean?"
