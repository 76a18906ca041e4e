"""The program calendar: ISO surveillance and recertification, CMMC reassessments and annual affirmations,
POA&M closeout, and evidence reviews and expiries, from the profile's dates and the cited rules in
``knowledge/authored/program_calendar.yaml`` (no period is written in code)."""

from __future__ import annotations

import calendar as _calendar
from datetime import date, timedelta

from pydantic import BaseModel

from assistant.workspace.evidence import EvidenceItem, freshness
from assistant.workspace.profile import SystemProfile
from assistant.workspace.rules import CalendarRule, FreshnessRules


class Event(BaseModel):
    """One deadline."""

    date: date
    title: str
    framework: str  # iso27001 | cmmc | evidence
    rule: str
    citation: str
    note: str = ""


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's last day)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return day.replace(year=year, month=month + 1, day=min(day.day, _calendar.monthrange(year, month + 1)[1]))


def program_events(profile: SystemProfile, rules: list[CalendarRule], items: list[EvidenceItem],
                   freshness_rules: FreshnessRules, as_of: date | None = None) -> list[Event]:
    """Every deadline the profile's dates and the register imply, in date order."""
    events: list[Event] = []
    level = profile.dates.cmmc_level or 2
    for rule in rules:
        start = getattr(profile.dates, rule.start, None)
        if start is None or (rule.levels and level not in rule.levels):
            continue
        if rule.start == "poam_opened" and profile.dates.cmmc_status == "final":
            continue
        citation = f"{rule.citation.document} {rule.citation.section}".strip()
        for n, when in enumerate(_dates(rule, start), start=1):
            events.append(Event(date=when, title=rule.title.format(n=n, level=level), framework=rule.framework,
                                rule=rule.id, citation=citation, note=rule.note))
    for item in items:
        state, due = freshness(item, freshness_rules, as_of or date.today())
        if due is None:
            continue
        what = "expires" if item.expires == due else "review due"
        basis = freshness_rules.for_type(item.artifact_type)
        source = "the item's own date" if item.review == due or item.expires == due else \
            f"{basis.citation.document} {basis.citation.section} ({basis.basis})".strip()
        events.append(Event(date=due, title=f"Evidence {item.id} {what}: {item.title}", framework="evidence",
                            rule=f"evidence-{what.replace(' ', '-')}", citation=source,
                            note=f"currently {state}"))
    return sorted(events, key=lambda e: (e.date, e.title))


def _dates(rule: CalendarRule, start: date) -> list[date]:
    if rule.every_months:
        return [add_months(start, rule.every_months * n) for n in range(1, rule.count + 1)]
    if rule.after_months:
        return [add_months(start, rule.after_months)]
    if rule.after_days:
        return [start + timedelta(days=rule.after_days)]
    return []
