"""The CUI marking detector's rules (markings vs mentions), its verdict, and Slack payload reading."""

from __future__ import annotations

import time
from typing import Any

import pytest

from integrations.slack.cui import (
    CLEAR,
    FAMILIES,
    Verdict,
    carries_cui_marking,
    detect,
    scan_payload,
    scan_text,
    slack_texts,
)


@pytest.mark.parametrize("text", [
    "what does CUI//SP-CTI mean?",
    "do we need to mark emails with a CUI banner?",
    "is FOUO still used?",
    "CUI//SP-CTI?",
    "CUI: what should we do about Slack?",
    "We mark drawings CUI//SP-CTI per DoDI 5200.48.",
    "FOUO was replaced by CUI under DoDI 5200.48.",
    "We don't have any FOUO documents left.",
    "Can I post a CUI//SP-CTI drawing in Slack?",
    "Is a drawing with Distribution Statement D automatically CUI?",
    "DISTRIBUTION STATEMENT A. Approved for public release. Distribution is unlimited.",
    "What is Controlled Unclassified Information (CUI)?",
    "Our CUI enclave and every CUI Asset are in the SSP.",
    "Which LDCs exist? NOFORN, FEDCON, NOCON, DL ONLY, REL TO, DISPLAY ONLY?",
    "What does 'WARNING - This document contains technical data whose export is restricted by the Arms "
    "Export Control Act' mean for our engineers?",
])
def test_questions_and_talk_about_markings_pass(text: str) -> None:
    assert detect(text) == ()


@pytest.mark.parametrize(("text", "family"), [
    ("CUI\nparagraph under the banner", "banner"),
    ("CUI - Drawing 4471 rev B", "banner"),
    ("CUI//SP-CTI drawing 4471-B tolerances 0.002in, can you check this?", "category"),
    ("Can you check this CUI//SP-CTI drawing 4471-B before I send it?", "category"),
    ("Attaching CUI//SP-EXPT data: range 40 km", "category"),
    ("Is this paragraph ok? (CUI) The seeker FOV is 4 degrees.", "portion"),
    ("(U) Purpose. This memo establishes the test plan.", "portion"),
    ("Controlled by: Acme Corp\nCUI Category: CTI\nPOC: J. Doe, 555-0100", "designation"),
    ("DIST STATEMENT C\nhydraulic schematic", "distribution"),
    ("Distribution Statement D: contractor list follows", "distribution"),
    ("Attached is the FOUO roster for Q3", "legacy"),
    ("CUI//SP-EXPT//NOFORN\nguidance", "dissemination"),
    ("WARNING - This document contains technical data whose export is restricted by the Arms Export Control "
     "Act.", "export"),
])
def test_marked_payloads_are_caught_with_their_family(text: str, family: str) -> None:
    assert family in detect(text)


def test_structure_blocks_even_when_the_message_also_asks_something() -> None:
    assert detect("what's wrong with this spec?\nCUI//SP-CTI\nmax slew 45 deg/s")
    assert detect("FOUO\n\nWhat should the badge office do with this list? John 555-0100")
    assert detect("DISTRIBUTION STATEMENT D\nwhat does this drawing's note 4 mean?")


def test_file_names_and_titles_read_bare_markings_but_not_programme_documents() -> None:
    assert detect("Drawing 4471 CUI.pdf", kind="name") == ("banner",)
    assert detect("CUI_SP-CTI_drawing-4471.pdf", kind="name") == ("banner", "category")
    assert detect("DistD_spec.pdf", kind="name") == ("distribution",)
    assert detect("CUI_Policy_v2.docx", kind="name") == ()
    assert detect("CUI Awareness Training.pptx", kind="name") == ()
    assert detect("NIST.SP.800-171r2.pdf", kind="name") == ()
    assert detect("CUI Drawing 4471") == ()  # in message text a bare "CUI" needs a separator or a line of its own


def test_verdict_names_families_and_fields_never_text() -> None:
    secret = "CUI//SP-CTI\nbore 12.7 mm on part 4471-B"
    verdict = scan_text(secret, field="message.text")
    assert verdict == Verdict(blocked=True, families=("category",), fields=("message.text",))
    assert verdict.family == "category"
    assert verdict.reason == "CUI marking (category) in message.text"
    assert "4471" not in repr(verdict) and "12.7" not in repr(verdict)
    assert scan_text("what does CUI//SP-CTI mean?") is CLEAR and CLEAR.reason == "no CUI marking"
    assert carries_cui_marking(secret) and not carries_cui_marking("is FOUO still used?")
    assert set(detect(secret)) <= set(FAMILIES)


def _mention(**extra: Any) -> dict[str, Any]:
    return {"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1.1", "text": "<@UBOT> summarize", **extra}


def test_payload_reads_files_attachments_and_the_shortcut_target() -> None:
    preview = scan_payload(_mention(files=[{"id": "F1", "name": "notes.txt", "preview": "CUI\nradar 9.4 GHz"}]))
    assert preview.blocked and preview.fields == ("files[0].preview",) and preview.families == ("banner",)
    name = scan_payload(_mention(files=[{"id": "F1", "name": "ok.txt"}, {"id": "F2", "name": "FOUO_roster.xlsx"}]))
    assert name.fields == ("files[1].name",) and name.families == ("legacy",)
    attachment = scan_payload(_mention(attachments=[{"fallback": "CUI - Test report", "title": "report"}]))
    assert attachment.fields == ("attachments[0].fallback",)
    shortcut = {"type": "message_action", "user": {"id": "U1", "name": "CUI"}, "channel": {"id": "C1", "name": "cui"},
                "message": {"ts": "1.2", "text": "(CUI) The feed horn is WR-90."}}
    assert scan_payload(shortcut).fields == ("message.text",)
    assert not scan_payload({**shortcut, "message": {"ts": "1.2", "text": "is FOUO still used?"}}).blocked


def test_rich_text_blocks_are_read_as_one_text() -> None:
    def section(*parts: str) -> dict[str, Any]:
        elements = [{"type": "text", "text": p, "style": {"bold": i == 1}} for i, p in enumerate(parts)]
        return {"blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": elements}]}]}

    assert not scan_payload(section("what does ", "CUI//SP-CTI", " mean?")).blocked
    verdict = scan_payload(section("", "CUI", "\nradar spec"))
    assert verdict.blocked and verdict.fields == ("blocks[0]",)


def test_slack_texts_skips_ids_people_and_urls() -> None:
    message = {"ts": "1", "user": "U2", "text": "hello", "files": [{"url_private": "https://x/CUI", "name": "a.txt"}]}
    payload = {"type": "message_action", "token": "CUI", "trigger_id": "CUI", "user": {"id": "U1", "name": "CUI"},
               "channel": {"id": "C1", "name": "CUI"}, "message": message}
    assert slack_texts(payload) == [("message.text", "hello", "text"), ("message.files[0].name", "a.txt", "name")]
    deep: dict[str, Any] = {"text": "ok"}
    for _ in range(30):
        deep = {"message": deep}
    assert slack_texts(deep) == []  # beyond the depth limit nothing is read (and nothing crashes)


@pytest.mark.parametrize("text", [
    "CUI//" * 5000,
    "/ " * 20000,
    "C " * 20000,
    "CUI " + "a" * 40000,
    "(" * 10000 + "CUI" + ")" * 10000,
    "Controlled by: " + "x" * 30000,
    "DISTRIBUTION STATEMENT " * 2000,
    "what does " + "CUI//SP-CTI " * 3000 + "mean?",
])
def test_long_or_hostile_input_stays_fast(text: str) -> None:
    start = time.perf_counter()
    detect(text)
    assert time.perf_counter() - start < 2.0
