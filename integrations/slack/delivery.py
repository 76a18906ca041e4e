"""Getting an answer into Slack, once: bounded retries of the Web API, and the record of what a worker has
so far, so that a failed post is delivered later (by Slack's retry or the sweep) without asking twice.

A post that still fails after the retries raises; the caller leaves the event open. "Working on it…" is a
courtesy: if it cannot be posted, or later cannot be updated, the answer is posted as a new message. A slash
command's reply goes to its response URL instead, and is kept open and swept the same way when that fails.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RetryHandler
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient

log = logging.getLogger(__name__)

MAX_RETRIES = 2  # per call and per kind of failure; what still fails is left to the sweep
MAX_RETRY_AFTER_S = 30  # a longer Retry-After is not waited out in a worker thread: the sweep delivers later


class DeliveryError(RuntimeError):
    """A reply could not be posted (after the retries); the event stays open."""


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (it sleeps Retry-After), except that it gives up on a Retry-After above
    ``max_wait`` seconds instead of blocking a worker for that long."""

    def __init__(self, max_retry_count: int = MAX_RETRIES, max_wait: int = MAX_RETRY_AFTER_S):
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        assert response is not None
        wait = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
        try:
            return int(wait[0]) <= self.max_wait
        except (ValueError, IndexError):
            return True


def retry_handlers() -> list[RetryHandler]:
    """Connection errors, 429 (honouring Retry-After) and 500/503, each retried at most ``MAX_RETRIES`` times."""
    return [ConnectionErrorRetryHandler(max_retry_count=MAX_RETRIES), BoundedRateLimitRetryHandler(),
            ServerErrorRetryHandler(max_retry_count=MAX_RETRIES)]


@dataclass
class Job:
    """One event's reply as far as it got; saved after each step (see ``SlackStore.save_pending``).

    ``question`` is kept only until the answer exists (and never for a message the CUI guard withheld);
    ``text``/``blocks`` are the rendered reply; ``working_ts`` is the "Working on it…" message, if posted.
    A slash command's reply has a ``response_url`` (and its ``response_type``) and no channel post."""

    channel: str
    thread_ts: str | None
    user: str | None
    source: str
    question: str | None = None
    working_ts: str | None = None
    text: str | None = None
    blocks: list[dict[str, Any]] = field(default_factory=list)
    response_url: str | None = None
    response_type: str = "in_channel"

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Job | None:
        """The job saved as ``payload``; None when it is not one (nothing can be delivered from it)."""
        try:
            return cls(**payload)
        except TypeError:
            return None

    def payload(self) -> dict[str, Any]:
        """What the store keeps."""
        return asdict(self)


def post_working(client: WebClient, job: Job, text: str) -> None:
    """Post the "Working on it…" placeholder; a failure only means the answer comes as a new message."""
    try:
        posted = client.chat_postMessage(channel=job.channel, thread_ts=job.thread_ts, text=text)
        job.working_ts = str(posted["ts"])
    except SlackApiError as exc:
        log.warning("could not post the placeholder in %s: %s", job.channel, _error(exc))


def deliver(client: WebClient, job: Job) -> None:
    """Replace the placeholder with the reply, or post the reply as a new message when the placeholder is
    missing or cannot be updated. Raises ``SlackApiError`` when the reply could not be posted at all."""
    assert job.text is not None
    if job.response_url:
        respond(job)
        return
    blocks = job.blocks or None
    if job.working_ts:
        try:
            client.chat_update(channel=job.channel, ts=job.working_ts, text=job.text, blocks=blocks)
            return
        except SlackApiError as exc:
            log.warning("could not update the placeholder in %s (%s); posting the answer anew",
                        job.channel, _error(exc))
    client.chat_postMessage(channel=job.channel, thread_ts=job.thread_ts, text=job.text, blocks=blocks)
    if job.working_ts:
        _forget_placeholder(client, job.channel, job.working_ts)


def respond(job: Job) -> None:
    """Post a slash command's reply to its response URL (same bounded retries); ``DeliveryError`` when it is
    not accepted."""
    assert job.response_url and job.text is not None
    message: dict[str, Any] = {"text": job.text, "response_type": job.response_type}
    if job.blocks:
        message["blocks"] = job.blocks
    response = WebhookClient(url=job.response_url, retry_handlers=retry_handlers()).send_dict(message)
    if response.status_code != 200:
        raise DeliveryError(f"the response URL answered HTTP {response.status_code}")


def _forget_placeholder(client: WebClient, channel: str, ts: str) -> None:
    try:
        client.chat_delete(channel=channel, ts=ts)
    except SlackApiError as exc:
        log.info("the placeholder in %s stays (%s)", channel, _error(exc))


def _error(exc: SlackApiError) -> str:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", "?")
    code = response.get("error") if response is not None and hasattr(response, "get") else None
    return f"HTTP {status} {code or ''}".strip()
