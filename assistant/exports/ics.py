"""The program calendar as an iCalendar (.ics) file: one all-day event per deadline."""

from __future__ import annotations

import uuid
from pathlib import Path

from icalendar import Calendar
from icalendar import Event as IcsEvent

from assistant.workspace.calendar import Event


def build(events: list[Event], system_name: str) -> Calendar:
    """The calendar; UIDs are stable so re-importing it updates events instead of duplicating them."""
    cal = Calendar()
    cal.add("prodid", "-//compliance-assistant//program calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Compliance program: {system_name}")
    for event in events:
        entry = IcsEvent()
        key = "/".join((system_name, event.rule, event.title, event.date.isoformat()))
        entry.add("uid", f"{uuid.uuid5(uuid.NAMESPACE_URL, key)}@compliance-assistant")
        entry.add("summary", event.title)
        entry.add("dtstart", event.date)
        entry.add("description", f"{event.note}\nSource: {event.citation}".strip())
        entry.add("categories", [event.framework])
        cal.add_component(entry)
    return cal


def write(events: list[Event], system_name: str, out: Path) -> None:
    """Save the .ics file."""
    out.write_bytes(build(events, system_name).to_ical())
