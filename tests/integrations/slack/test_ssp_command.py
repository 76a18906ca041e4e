"""`/compliance ssp 3.5.3` (and `@bot ssp 3.5.3`) over real HTTP: the Slack front end only translates; the
SSP skill drafts from the stored system profile and evidence register, as `compliance-assistant ssp draft`
does, and the reply is the assistant's own answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from assistant.settings import Settings
from assistant.workspace.repository import Workspace
from tests.slack_doubles import MockSlackApi, UvicornThread, event_body, form_body, signed_headers
from tests.workspace.data import write_profile


@pytest.fixture
def drafting_assistant(make_assistant: Callable[..., Any], slack_settings: Settings, tmp_path: Path) -> Any:
    """The real assistant, with the issue's profile and one evidence item for 3.5.3[c] stored in its database."""
    assistant = make_assistant(slack_settings)
    workspace = Workspace(assistant.kb, assistant.db.url)
    workspace.import_profile(write_profile(tmp_path))
    register = tmp_path / "register.yaml"
    register.write_text(yaml.safe_dump({"evidence": [
        {"id": "EV-DUO-1", "title": "Duo MFA policy export", "controls": ["3.5.3[c]"], "effective": "2026-02-01"}]}),
        encoding="utf-8")
    workspace.import_evidence(register)
    return assistant


def _objective_lines(text: str) -> dict[str, str]:
    return {line.split()[1]: line for line in text.splitlines() if line.startswith("• 3.5.3[")}


def _check_draft(text: str) -> None:
    lines = _objective_lines(text)
    assert sorted(lines) == ["3.5.3[a]", "3.5.3[b]", "3.5.3[c]", "3.5.3[d]"]
    assert "Duo" in lines["3.5.3[c]"] and "EV-DUO-1" in lines["3.5.3[c]"]  # profile fact and evidence
    assert "Windows Hello" in lines["3.5.3[b]"] and "Not yet described" in lines["3.5.3[a]"]
    assert "Okta" not in text and "Dana Lee" not in text


@pytest.mark.slow
def test_slash_ssp_drafts_from_the_stored_profile_and_evidence(
        slack_api: MockSlackApi, slack_settings: Settings, drafting_assistant: Any,
        make_slack_server: Callable[..., UvicornThread]) -> None:
    respond_url = slack_api.base_url.replace("/api/", "/respond/ssp")
    body = form_body(command="/compliance", text="ssp 3.5.3", user_id="U1", channel_id="C1",
                     response_url=respond_url, trigger_id="t-ssp", team_id="T1")
    with make_slack_server(slack_settings, assistant=drafting_assistant) as server:
        ack = httpx.post(server.url, content=body, timeout=10,
                         headers=signed_headers(body, content_type="application/x-www-form-urlencoded"))
        assert ack.status_code == 200 and "Working on it" in ack.text
        slack_api.wait_for(lambda calls: any(m == "response_url" for m, _ in calls), timeout=60)
    reply = slack_api.of("response_url")[0]
    assert reply["response_type"] == "in_channel" and reply["blocks"]
    _check_draft(reply["text"])
    direct = drafting_assistant.ask("draft the SSP narrative for 3.5.3", remember=False)
    assert direct.intent == "ssp" and _objective_lines(reply["text"]) == _objective_lines(direct.text)


@pytest.mark.slow
def test_mention_ssp_drafts_the_same_way(slack_api: MockSlackApi, slack_settings: Settings, drafting_assistant: Any,
                                         make_slack_server: Callable[..., UvicornThread]) -> None:
    mention = {"type": "app_mention", "user": "U1", "text": "<@UBOT> ssp IA.L2-3.5.3", "ts": "1700001000.000100",
               "channel": "C1"}
    with make_slack_server(slack_settings, assistant=drafting_assistant) as server:
        body = event_body(mention, "EvSsp")
        assert httpx.post(server.url, content=body, headers=signed_headers(body), timeout=10).status_code == 200
        slack_api.wait_for(lambda calls: any(m == "chat.update" for m, _ in calls), timeout=60)
    _check_draft(slack_api.of("chat.update")[0]["text"])
