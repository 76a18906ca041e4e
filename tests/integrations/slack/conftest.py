"""Fixtures: the mock Slack Web API and a Bolt app in HTTP mode under uvicorn, over a real index; and
``database_url`` (a fresh SQLite file, or a database on the throwaway Postgres cluster of ``tests/storage``)
for the tests of several instances on one database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import Settings
from integrations.slack.app import asgi_app, build_app
from tests.slack_doubles import SIGNING_SECRET, MockSlackApi, UvicornThread
from tests.storage.postgres import database_url, postgres_server

__all__ = ["database_url", "postgres_server"]


@pytest.fixture
def slack_api() -> Iterator[MockSlackApi]:
    api = MockSlackApi().start()
    yield api
    api.stop()


@pytest.fixture
def slack_settings(tmp_path: Path, slack_api: MockSlackApi) -> Settings:
    return Settings(data_dir=tmp_path / "data", slack_bot_token="xoxb-test", slack_app_token="xapp-test",
                    slack_signing_secret=SIGNING_SECRET, slack_api_base_url=slack_api.base_url,
                    slack_allowed_users="", slack_allowed_channels="", slack_compliance_owner="UOWNER")


@pytest.fixture
def make_slack_server(make_assistant: Callable[..., Any]) -> Callable[..., UvicornThread]:
    """Build the app for some settings and serve it (a new call = a restarted instance, same database)."""
    def make(settings: Settings, assistant: Any | None = None) -> UvicornThread:
        assistant = assistant or make_assistant(settings)
        app = build_app(settings, assistant)  # the store as `compliance-assistant slack` opens it
        return UvicornThread(asgi_app(app))

    return make
