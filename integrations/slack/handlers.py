"""Slack listeners. Every handler acknowledges at once; the work (asking the assistant) runs in a lazy
listener, which posts "Working on it…" and then updates that message with the answer.

Handlers translate Slack payloads into ``Assistant.ask`` calls and ``Answer``s into Block Kit; they
decide nothing about compliance. Slack-specific safety lives here: dedupe, allowlists, the CUI guard,
the audit log, and turning internal errors into a short apology.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from assistant.agent import Answer, Assistant
from assistant.settings import Settings
from integrations.slack.blocks import answer_blocks, home_view, text_blocks
from integrations.slack.cui import Verdict, scan_payload
from integrations.slack.store import SlackStore

log = logging.getLogger(__name__)

WORKING = "Working on it…"
CUI_WARNING = (
    ":warning: *That message carries CUI markings, so I did not read, store or repeat it.* Posting CUI here "
    "makes this Slack workspace a CUI Asset that must meet every CMMC Level 2 requirement (32 CFR 170.19(c)(1)). "
    "Delete the message, and keep CUI in the CUI-approved system your SSP names (for example your CUI enclave "
    "or GCC High tenant). Ask me about it without the marked content."
)
NOT_ALLOWED = "Sorry, I'm not enabled for this channel or user. Ask your compliance owner to add it."
APOLOGY = "Sorry, something went wrong on my side and I couldn't answer. It has been logged (reference {ref})."
HELP = (
    "*Compliance assistant*\n• `/compliance ask <question>`\n• `/compliance control <ID>` (3.1.1, AC.L2-3.1.1, "
    "A.5.15…)\n• `/compliance crosswalk <ID>`\n• `/compliance scope <asset description>`\n• `/compliance score "
    "<NOT MET IDs>`\nOr mention me in a channel, or DM me. Never paste CUI into Slack."
)
_MENTION = re.compile(r"<@[A-Z0-9]+>")


@dataclass
class Reply:
    """Where an answer goes: a channel and, for threads, the parent message."""

    channel: str
    thread_ts: str | None
    user: str | None
    source: str


class SlackFrontEnd:
    """The listeners of one Bolt app, sharing the assistant, the store and the settings."""

    def __init__(self, settings: Settings, assistant: Assistant, store: SlackStore):
        self.settings, self.assistant, self.store = settings, assistant, store
        self.channels = {c.strip() for c in settings.slack_allowed_channels.split(",") if c.strip()}
        self.users = {u.strip() for u in settings.slack_allowed_users.split(",") if u.strip()}

    def register(self, app: App) -> None:
        """Attach every listener to ``app``."""
        app.event("app_mention")(ack=_ack, lazy=[self.on_mention])
        app.event("message")(ack=_ack, lazy=[self.on_message])
        app.command("/compliance")(ack=self.ack_command, lazy=[self.on_command])
        app.shortcut("ask_about_message")(ack=_ack, lazy=[self.on_shortcut])
        app.action("show_control")(ack=_ack, lazy=[self.on_show_control])
        app.action("crosswalk")(ack=_ack, lazy=[self.on_crosswalk])
        app.action("feedback_helpful")(ack=_ack, lazy=[self.on_feedback])
        app.action("feedback_wrong")(ack=_ack, lazy=[self.on_feedback])
        app.action("ask_human")(ack=_ack, lazy=[self.on_ask_human])
        app.event("app_home_opened")(ack=_ack, lazy=[self.on_home])

    # ---- events ----------------------------------------------------------------------------

    def on_mention(self, body: dict[str, Any], client: WebClient) -> None:
        """@mention in a channel: answer in the thread."""
        event = body["event"]
        reply = Reply(event["channel"], event.get("thread_ts") or event["ts"], event.get("user"), "mention")
        self.answer(client, reply, _MENTION.sub("", event.get("text", "")).strip(), body.get("event_id"),
                    scan_payload(event))

    def on_message(self, body: dict[str, Any], client: WebClient) -> None:
        """Direct message: answer in the DM (in the thread when the user wrote in one)."""
        event = body["event"]
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return
        reply = Reply(event["channel"], event.get("thread_ts"), event.get("user"), "dm")
        self.answer(client, reply, event.get("text", ""), body.get("event_id"), scan_payload(event))

    def on_shortcut(self, body: dict[str, Any], client: WebClient) -> None:
        """Message shortcut: answer about that message, in its thread."""
        message = body.get("message", {})
        reply = Reply(body["channel"]["id"], message.get("thread_ts") or message.get("ts"), body["user"]["id"],
                      "shortcut")
        self.answer(client, reply, message.get("text", ""), None, scan_payload(message))

    def on_home(self, body: dict[str, Any], client: WebClient) -> None:
        """App Home tab: what the assistant does, with example questions."""
        client.views_publish(user_id=body["event"]["user"], view=home_view())

    # ---- the slash command ----------------------------------------------------------------------

    def ack_command(self, ack: Ack, body: dict[str, Any]) -> None:
        """Acknowledge at once; `help` is answered right here."""
        if body.get("text", "").strip().lower() in ("", "help"):
            ack(text=HELP)
        else:
            ack(text=WORKING, response_type="ephemeral")

    def on_command(self, body: dict[str, Any], respond: Respond) -> None:
        """/compliance ask|control|crosswalk|scope|score: the answer replaces nothing, it is posted by respond."""
        text = body.get("text", "").strip()
        if text.lower() in ("", "help"):
            return
        verdict = scan_payload({"text": text})
        if verdict.blocked:
            self._withhold(verdict, body.get("user_id"), body.get("channel_id"), "command")
            respond(text=CUI_WARNING, response_type="ephemeral")
            return
        if not self._allowed(body.get("channel_id"), body.get("user_id")):
            respond(text=NOT_ALLOWED, response_type="ephemeral")
            return
        question, context = command_question(text)
        try:
            answer = self.assistant.ask(question, f"slack:{body.get('channel_id')}:{body.get('user_id')}", context)
        except Exception:
            respond(text=self._apology(), response_type="ephemeral")
            return
        audit_id = self._audit(Reply(body.get("channel_id", ""), None, body.get("user_id"), "command"), question,
                               answer)
        respond(text=answer.text[:3000], blocks=self._blocks(answer, audit_id), response_type="in_channel")

    # ---- actions --------------------------------------------------------------------------------

    def on_show_control(self, body: dict[str, Any], client: WebClient) -> None:
        """'Show control text': the control's text and objectives in the thread."""
        self._detail(body, client, "what does {id} require?")

    def on_crosswalk(self, body: dict[str, Any], client: WebClient) -> None:
        """'Crosswalk': the control's counterparts in the thread."""
        self._detail(body, client, "crosswalk {id} to ISO 27001 and CMMC")

    def on_feedback(self, body: dict[str, Any], client: WebClient) -> None:
        """Helpful / wrong, recorded against the audited answer."""
        action = body["actions"][0]
        value = "helpful" if action["action_id"] == "feedback_helpful" else "wrong"
        self.store.feedback(int(action["value"]), value)
        client.chat_postEphemeral(channel=body["channel"]["id"], user=body["user"]["id"],
                                  text="Thanks, your feedback was recorded.")

    def on_ask_human(self, body: dict[str, Any], client: WebClient) -> None:
        """'Ask a human': tag the configured compliance owner in the thread."""
        owner = self.settings.slack_compliance_owner
        thread = body.get("container", {}).get("thread_ts") or body.get("message", {}).get("ts")
        text = (f"<@{owner}> could you help with this question? <@{body['user']['id']}> asked for a person."
                if owner else "No compliance owner is configured for this workspace.")
        client.chat_postMessage(channel=body["channel"]["id"], thread_ts=thread, text=text)

    # ---- shared ------------------------------------------------------------------------------

    def answer(self, client: WebClient, reply: Reply, question: str, event_id: str | None,
               verdict: Verdict) -> None:
        """Dedupe, CUI guard, allowlist, then "Working on it…" updated with the answer (or an apology).

        ``verdict`` is the CUI detector's reading of the whole Slack message (text, attachments, files). It is
        checked before anything derived from the message (even the audit hash) is stored."""
        if event_id and not self.store.first_delivery(event_id):
            return  # a retry, or another instance already answered
        if verdict.blocked:
            self._withhold(verdict, reply.user, reply.channel, reply.source)
            client.chat_postMessage(channel=reply.channel, thread_ts=reply.thread_ts, text=CUI_WARNING)
            return
        if not question:
            return
        if not self._allowed(reply.channel, reply.user):
            client.chat_postMessage(channel=reply.channel, thread_ts=reply.thread_ts, text=NOT_ALLOWED)
            self.store.audit(user=reply.user, channel=reply.channel, source=reply.source, question=question,
                             cited=[], latency_ms=None, outcome="not-allowed")
            return
        posted = client.chat_postMessage(channel=reply.channel, thread_ts=reply.thread_ts, text=WORKING)
        ts = posted["ts"]
        try:
            conversation = f"slack:{reply.channel}:{reply.thread_ts or reply.channel}"
            answer = self.assistant.ask(question, conversation)
            audit_id = self._audit(reply, question, answer)
            client.chat_update(channel=reply.channel, ts=ts, text=answer.text[:3000],
                               blocks=self._blocks(answer, audit_id))
        except Exception:
            client.chat_update(channel=reply.channel, ts=ts, text=self._apology())

    def _detail(self, body: dict[str, Any], client: WebClient, template: str) -> None:
        control_id = body["actions"][0]["value"]
        thread = body.get("container", {}).get("thread_ts") or body.get("message", {}).get("ts")
        try:
            answer = self.assistant.ask(template.format(id=control_id), remember=False)
            text = answer.text
        except Exception:
            text = self._apology()
        client.chat_postMessage(channel=body["channel"]["id"], thread_ts=thread, text=text[:3000],
                                blocks=text_blocks(text))

    def _withhold(self, verdict: Verdict, user: str | None, channel: str | None, source: str) -> None:
        """Audit a withheld message: a fixed placeholder, never the message or a hash of it."""
        log.info("withheld a Slack message from %s: %s", source, verdict.reason)
        self.store.audit(user=user, channel=channel, source=source, question="[withheld: CUI marking]", cited=[],
                         latency_ms=None, outcome="cui-blocked")

    def _allowed(self, channel: str | None, user: str | None) -> bool:
        return (not self.channels or channel in self.channels or (channel or "").startswith("D")) and (
            not self.users or user in self.users)

    def _audit(self, reply: Reply, question: str, answer: Answer) -> int:
        outcome = "refused" if answer.refused else "answered"
        return self.store.audit(user=reply.user, channel=reply.channel, source=reply.source, question=question,
                                cited=answer.cited_ids, latency_ms=answer.latency_ms, outcome=outcome)

    def _blocks(self, answer: Answer, audit_id: int) -> list[dict[str, Any]]:
        return answer_blocks(answer, audit_id, owner_known=bool(self.settings.slack_compliance_owner))

    def _apology(self) -> str:
        reference = uuid.uuid4().hex[:8]
        log.exception("slack handler failed (reference %s)", reference)
        return APOLOGY.format(ref=reference)


def _ack(ack: Ack) -> None:
    ack()


def command_question(text: str) -> tuple[str, dict[str, Any]]:
    """Translate `/compliance <sub> <args>` into a question and context for the assistant."""
    sub, _, rest = text.partition(" ")
    sub, rest = sub.lower(), rest.strip()
    if sub == "control" and rest:
        return f"what does {rest} require?", {}
    if sub == "crosswalk" and rest:
        return f"crosswalk {rest} to ISO 27001", {}
    if sub == "scope" and rest:
        return f"is this in scope: {rest}", {}
    if sub == "score":
        return "what is our SPRS score?", {"not_met": rest.replace(",", " ").split()}
    if sub == "ask" and rest:
        return rest, {}
    return text, {}


__all__ = ["SlackFrontEnd", "command_question"]
