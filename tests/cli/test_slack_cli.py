"""``compliance-assistant slack`` builds its assistant through ``build_assistant``: the configured LLM is used."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app


def test_slack_command_passes_the_configured_llm(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    import assistant.agent.llm as llm_module
    import integrations.slack.app as slack_app

    model = object()
    seen: dict[str, Any] = {}
    monkeypatch.setattr(llm_module, "chat_model", lambda spec: seen.setdefault("spec", spec) and model)

    def fake_build_app(settings: Any, assistant: Any, socket_mode: bool = True) -> Any:
        seen["llm"] = assistant.llm
        raise slack_app.SlackConfigError("stop here: no Slack in this test")

    monkeypatch.setattr(slack_app, "build_app", fake_build_app)
    monkeypatch.setenv("COMPLIANCE_ASSISTANT_LLM", "openai:gpt-4o-mini")
    monkeypatch.setenv("COMPLIANCE_ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(app, ["slack"])
    assert seen["spec"] == "openai:gpt-4o-mini" and seen["llm"] is model
    assert result.exit_code == 2 and "stop here" in result.output
