"""``compliance-assistant slack [--http --port N]``: run the Slack app."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.context import fail, state
from assistant.cli.render import stdout


def slack(
    ctx: typer.Context,
    http: Annotated[bool, typer.Option("--http", help="HTTP mode under uvicorn instead of Socket Mode")] = False,
    host: Annotated[str, typer.Option("--host")] = "0.0.0.0",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 3000,
) -> None:
    """Serve the assistant in Slack (Socket Mode by default; set SLACK_BOT_TOKEN and SLACK_APP_TOKEN)."""
    from integrations.slack.app import SlackConfigError, build_app, run_http, socket_mode_handler

    cli = state(ctx)
    try:
        app = build_app(cli.settings, cli.assistant(), socket_mode=not http)
        if http:
            stdout.print(f"Slack HTTP mode on {host}:{port}/slack/events")
            run_http(app, host, port)
        else:
            stdout.print("Slack Socket Mode: connecting…")
            socket_mode_handler(app, cli.settings).start()
    except SlackConfigError as exc:
        fail(str(exc))
