"""Slack listeners. Every handler acknowledges at once; the work (asking the assistant) runs in a lazy
listener, which posts "Working on it…" and then updates that message with the answer.

Handlers translate Slack payloads into ``Assistant.ask`` calls and ``Answer``s into Block Kit; they
decide nothing about compliance. Slack-specific safety lives here: dedupe (an event is done only once its
answer is posted; see ``delivery``), replayed slash commands, allowlists, the CUI guard, the audit log,
feedback bound to its asker, and turning internal errors into a short apology.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest
from slack_sdk import WebClient

from assistant.agent import Answer, Assistant, ContextError, UnknownControlError
from assistant.settings import Settings
from assistant.storage.slack import LEASE_SECONDS, SlackStore
from integrations.slack.blocks import answer_blocks, home_view, text_blocks
from integrations.slack.cui import Verdict, scan_payload
from integrations.slack.delivery import Job, deliver, post_working

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
THANKS = "Thanks, your feedback was recorded."
NOT_YOURS = "I can record feedback only from the person who asked, on an answer I gave. Nothing was recorded."
HELP = (
    "*Compliance assistant*\n• `/compliance ask <question>`\n• `/compliance control <ID>` (3.1.1, AC.L2-3.1.1, "
    "A.5.15…)\n• `/compliance crosswalk <ID>`\n• `/compliance scope <asset description>`\n• `/compliance score "
    "<NOT MET IDs>`\n• `/compliance ssp <requirement>` (the SSP narrative from your stored system profile and "
    "evidence)\nOr mention me in a channel, or DM me. Never paste CUI into Slack."
)
# What ``Assistant.ask`` raises for the user's own input: the message says what to fix, so it is shown as is.
USER_ERRORS = (UnknownControlError, ContextError)
_MENTION = re.compile(r"<@[A-Z0-9]+>")
MENTION_SUBCOMMANDS = frozenset({"ssp"})  # natural questions rarely start with these words


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
        app.middleware(self.screen_replays)
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
        self.answer(client, reply, mention_question(_MENTION.sub("", event.get("text", "")).strip()),
                    body.get("event_id"), scan_payload(event))

    def on_message(self, body: dict[str, Any], client: WebClient) -> None:
        """Direct message: answer in the DM (in the thread when the user wrote in one)."""
        event = body["event"]
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return
        reply = Reply(event["channel"], event.get("thread_ts"), event.get("user"), "dm")
        self.answer(client, reply, event.get("text", ""), body.get("event_id"), scan_payload(event))

    def on_shortcut(self, body: dict[str, Any], client: WebClient) -> None:
        """Message shortcut: answer about that message, in its thread (deduped on its trigger ID)."""
        message = body.get("message", {})
        reply = Reply(body["channel"]["id"], message.get("thread_ts") or message.get("ts"), body["user"]["id"],
                      "shortcut")
        trigger = body.get("trigger_id")
        self.answer(client, reply, message.get("text", ""), f"shortcut:{trigger}" if trigger else None,
                    scan_payload(message))

    def on_home(self, body: dict[str, Any], client: WebClient) -> None:
        """App Home tab: what the assistant does, with example questions."""
        client.views_publish(user_id=body["event"]["user"], view=home_view())

    # ---- the slash command ----------------------------------------------------------------------

    def screen_replays(self, body: dict[str, Any], request: BoltRequest, context: BoltContext,
                       next: Callable[[], Any]) -> Any:  # Bolt passes the rest of the chain as `next`
        """Mark a slash command already seen (same signed body) as replayed, before its acknowledgement and
        its lazy listener start (they run concurrently, and both read the mark)."""
        if "command" in body and not request.lazy_only:
            digest = command_digest(request)
            context["replayed"] = not self.store.first_command(digest)
            context["command_key"] = f"command:{digest}"
            if context["replayed"]:
                log.warning("ignored a replayed slash command from %s", body.get("user_id"))
        return next()

    def ack_command(self, ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Acknowledge at once; `help` is answered right here. A replay of a command already seen is
        acknowledged with nothing and not answered again."""
        if context.get("replayed"):
            ack()
        elif body.get("text", "").strip().lower() in ("", "help"):
            ack(text=HELP)
        else:
            ack(text=WORKING, response_type="ephemeral")

    def on_command(self, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        """/compliance ask|control|crosswalk|scope|score|ssp: the reply is posted to the response URL. Like an
        event, the command is done only once its reply is accepted; a failed post stays open for the sweep."""
        text = body.get("text", "").strip()
        if context.get("replayed") or text.lower() in ("", "help"):
            return
        if not body.get("response_url"):
            log.warning("slash command without a response_url; the reply was dropped")
            return
        key = context.get("command_key")
        if key and not self.store.claim_event(key):
            return  # the same command is being answered (or was) by another worker
        job = Job(body.get("channel_id", ""), None, body.get("user_id"), "command",
                  response_url=body["response_url"], response_type="ephemeral")
        job.text, job.blocks, job.response_type = self._command_reply(body, text)
        self._finish(client, key, job)

    def _command_reply(self, body: dict[str, Any], text: str) -> tuple[str, list[dict[str, Any]], str]:
        """CUI guard, allowlist, then the assistant: (text, blocks, response type) of the command's reply."""
        verdict = scan_payload({"text": text})
        if verdict.blocked:
            self._withhold(verdict, body.get("user_id"), body.get("channel_id"), "command")
            return CUI_WARNING, [], "ephemeral"
        if not self._allowed(body.get("channel_id"), body.get("user_id")):
            return NOT_ALLOWED, [], "ephemeral"
        question, extra = command_question(text)
        try:
            answer = self.assistant.ask(question, f"slack:{body.get('channel_id')}:{body.get('user_id')}", extra)
        except USER_ERRORS as exc:
            return user_message(exc), [], "ephemeral"
        except Exception:
            return self._apology(), [], "ephemeral"
        audit_id = self._audit(Reply(body.get("channel_id", ""), None, body.get("user_id"), "command"), question,
                               answer)
        return answer.text[:3000], self._blocks(answer, audit_id), "in_channel"

    # ---- actions --------------------------------------------------------------------------------

    def on_show_control(self, body: dict[str, Any], client: WebClient) -> None:
        """'Show control text': the control's text and objectives in the thread."""
        self._detail(body, client, "what does {id} require?")

    def on_crosswalk(self, body: dict[str, Any], client: WebClient) -> None:
        """'Crosswalk': the control's counterparts in the thread."""
        self._detail(body, client, "crosswalk {id} to ISO 27001 and CMMC")

    def on_feedback(self, body: dict[str, Any], client: WebClient) -> None:
        """Helpful / wrong, recorded against the audited answer, and only from the person who asked it."""
        action = body["actions"][0]
        value = "helpful" if action["action_id"] == "feedback_helpful" else "wrong"
        user = body.get("user", {}).get("id")
        try:
            audit_id = int(str(action.get("value", "")))
        except ValueError:
            audit_id = -1
        recorded = self.store.record_feedback(audit_id, user, value)
        if not recorded:
            log.info("feedback refused: answer %r, user %s", action.get("value"), user)
        client.chat_postEphemeral(channel=body["channel"]["id"], user=user, text=THANKS if recorded else NOT_YOURS)

    def on_ask_human(self, body: dict[str, Any], client: WebClient) -> None:
        """'Ask a human': tag the configured compliance owner in the thread."""
        owner = self.settings.slack_compliance_owner
        thread = body.get("container", {}).get("thread_ts") or body.get("message", {}).get("ts")
        text = (f"<@{owner}> could you help with this question? <@{body['user']['id']}> asked for a person."
                if owner else "No compliance owner is configured for this workspace.")
        client.chat_postMessage(channel=body["channel"]["id"], thread_ts=thread, text=text)

    # ---- answering and delivery -------------------------------------------------------------------

    def answer(self, client: WebClient, reply: Reply, question: str, event_id: str | None,
               verdict: Verdict) -> None:
        """Claim, CUI guard, allowlist, then "Working on it…" updated with the answer (or an apology).

        ``verdict`` is the CUI detector's reading of the whole Slack message (text, attachments, files). It is
        checked before anything derived from the message (even the audit hash) is stored. The event is done
        only once its reply is posted; a retry of it resumes from what the earlier attempt saved."""
        if event_id and not self.store.claim_event(event_id):
            return  # done already, or another worker holds it
        saved = self.store.pending(event_id) if event_id else None
        job = Job.from_payload(saved) if saved else None
        if job is None:
            job = self._prepare(reply, question, verdict)
            if job is None:
                if event_id:
                    self.store.mark_done(event_id)
                return
        self._finish(client, event_id, job)

    def sweep(self, client: WebClient, older_than: float = LEASE_SECONDS) -> int:
        """Deliver open events and slash-command replies that nobody holds (a failed post, a crashed worker);
        return how many were delivered."""
        delivered = 0
        for event_id, payload in self.store.open_events(older_than):
            job = Job.from_payload(payload)
            if job is not None and self.store.claim_event(event_id):
                delivered += self._finish(client, event_id, job)
        return delivered

    def _prepare(self, reply: Reply, question: str, verdict: Verdict) -> Job | None:
        """The job for a new event: a fixed reply (CUI warning, not allowed), a question, or None (nothing)."""
        job = Job(reply.channel, reply.thread_ts, reply.user, reply.source)
        if verdict.blocked:
            self._withhold(verdict, reply.user, reply.channel, reply.source)
            job.text = CUI_WARNING
        elif not question:
            return None
        elif not self._allowed(reply.channel, reply.user):
            self.store.audit(user=reply.user, channel=reply.channel, source=reply.source, question=question,
                             cited=[], latency_ms=None, outcome="not-allowed")
            job.text = NOT_ALLOWED
        else:
            job.question = question
        return job

    def _finish(self, client: WebClient, event_id: str | None, job: Job) -> bool:
        """Answer (if not yet answered) and deliver; the event is done only when the reply is posted."""
        try:
            if job.text is None:
                self._save(event_id, job)
                if job.working_ts is None:
                    post_working(client, job, WORKING)
                    self._save(event_id, job)
                job.text, job.blocks = self._reply_for(job)
                job.question = None
            self._save(event_id, job)
            deliver(client, job)
        except Exception:
            log.exception("could not deliver the reply to %s in %s; it stays open for a retry", event_id,
                          job.channel)
            if event_id:
                self.store.release(event_id)
            return False
        if event_id:
            self.store.mark_done(event_id)
        return True

    def _reply_for(self, job: Job) -> tuple[str, list[dict[str, Any]]]:
        assert job.question is not None
        reply = Reply(job.channel, job.thread_ts, job.user, job.source)
        try:
            answer = self.assistant.ask(job.question, f"slack:{job.channel}:{job.thread_ts or job.channel}")
            audit_id = self._audit(reply, job.question, answer)
            return answer.text[:3000], self._blocks(answer, audit_id)
        except USER_ERRORS as exc:
            return user_message(exc), []
        except Exception:
            return self._apology(), []

    def _save(self, event_id: str | None, job: Job) -> None:
        if event_id:
            self.store.save_pending(event_id, job.payload())

    # ---- shared ------------------------------------------------------------------------------

    def _detail(self, body: dict[str, Any], client: WebClient, template: str) -> None:
        control_id = body["actions"][0]["value"]
        thread = body.get("container", {}).get("thread_ts") or body.get("message", {}).get("ts")
        try:
            answer = self.assistant.ask(template.format(id=control_id), remember=False)
            text = answer.text
        except USER_ERRORS as exc:
            text = user_message(exc)
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


def user_message(exc: Exception) -> str:
    """The message of an error in the user's own input (an unknown ID, a context of the wrong shape)."""
    return f":information_source: {getattr(exc, 'message', None) or exc}"


def command_digest(request: BoltRequest) -> str:
    """The replay key of a slash command: a hash of what Slack signed (timestamp and body); in Socket Mode,
    where nothing is signed, of the payload (its trigger ID is unique per invocation)."""
    if request.raw_body:
        timestamp = (request.headers.get("x-slack-request-timestamp") or [""])[0]
        signed = f"v0:{timestamp}:{request.raw_body}"
    else:
        signed = json.dumps(request.body, sort_keys=True, default=str)
    return hashlib.sha256(signed.encode("utf-8", "replace")).hexdigest()


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
    if sub == "ssp" and rest:
        return f"draft the SSP narrative for {rest}", {}
    if sub == "ask" and rest:
        return rest, {}
    return text, {}


def mention_question(text: str) -> str:
    """A mention written like a subcommand that needs no context (``@bot ssp 3.5.3``) is translated the same
    way as the slash command; any other mention is the question as written."""
    sub, _, rest = text.partition(" ")
    return command_question(text)[0] if sub.lower() in MENTION_SUBCOMMANDS and rest.strip() else text


__all__ = ["SlackFrontEnd", "command_question", "mention_question"]
