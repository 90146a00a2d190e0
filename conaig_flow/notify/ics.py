"""iCalendar with stable UIDs: a deadline is the same event in every reminder of it, a session
the same event in every convocatoria (so calendars update it rather than duplicate it).

Sessions use ``icalendar``. The deadline event of a reminder is one all-day VEVENT written
here directly (escaping and folding per RFC 5545): ``icalendar`` took 2-5 ms per event on
this machine, which dominated a sweep or a dispatch of thousands of reminders; the tests
parse what this writes back with ``icalendar``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from conaig_flow.notify.messages import Attachment

if TYPE_CHECKING:
    from icalendar import Calendar

PRODID = "-//conaig-flow//Recordatorios y convocatorias//ES"
ICS_DOMAIN = "conaig-flow"  # the right-hand side of every UID this installation writes
DEADLINE_ICS = "_deadline_ics"  # context key: uid, day, summary, description of the deadline event


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += ch
        size += n
    parts.append(current)
    return "\r\n ".join(parts)


def deadline_event(spec: dict[str, str], stamp: datetime) -> Attachment:
    """The all-day event of a deadline (``spec``: uid, day, summary, description)."""
    day = date.fromisoformat(spec["day"])
    lines = [
        "BEGIN:VCALENDAR", f"PRODID:{PRODID}", "VERSION:2.0", "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:{_text(spec['uid'])}", f"DTSTAMP:{stamp.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}",
        f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
        f"DTEND;VALUE=DATE:{(day + timedelta(days=1)).strftime('%Y%m%d')}",
        f"SUMMARY:{_text(spec['summary'])}", f"DESCRIPTION:{_text(spec['description'])}", "TRANSP:TRANSPARENT",
        "END:VEVENT", "END:VCALENDAR",
    ]
    text = "".join(_fold(line) + "\r\n" for line in lines)
    return Attachment("plazo.ics", "text/calendar; method=PUBLISH", text)


def _calendar(method: str) -> Calendar:
    from icalendar import Calendar  # only sessions' invitations need it: not every outbox write

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    return cal


def deadline_uid(deliverable_id: int, domain: str) -> str:
    return f"plazo-{deliverable_id}@{domain}"


def session_ics(
    uid: str,
    start: datetime,
    end: datetime,
    summary: str,
    description: str,
    stamp: datetime,
    location: str | None = None,
    organizer: str | None = None,
    sequence: int = 0,
) -> Attachment:
    """A session of the commission (a convocatoria): ``method=REQUEST`` with a stable UID;
    raise ``sequence`` when a convocatoria is corrected."""
    cal = _calendar("REQUEST")
    ev = _session_event(uid, start, end, summary, stamp, sequence, description)
    if location:
        ev.add("location", location)
    if organizer:
        ev.add("organizer", f"mailto:{organizer}")
    cal.add_component(ev)
    return Attachment("convocatoria.ics", "text/calendar; method=REQUEST", cal.to_ical().decode("utf-8"))


def session_cancel_ics(
    uid: str, start: datetime, end: datetime, summary: str, stamp: datetime, sequence: int, reason: str = ""
) -> Attachment:
    """The cancellation of a session's invitation: ``METHOD:CANCEL``, the same UID, the
    ``SEQUENCE`` raised, ``STATUS:CANCELLED`` (calendars remove the event)."""
    cal = _calendar("CANCEL")
    ev = _session_event(uid, start, end, summary, stamp, sequence, reason)
    ev.add("status", "CANCELLED")
    cal.add_component(ev)
    return Attachment("cancelacion.ics", "text/calendar; method=CANCEL", cal.to_ical().decode("utf-8"))


def _session_event(uid: str, start: datetime, end: datetime, summary: str, stamp: datetime, sequence: int,
                   description: str = "") -> Any:
    """A session's VEVENT: the same UID in every version of its invitation, SEQUENCE raised."""
    from icalendar import Event

    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp)
    ev.add("dtstart", start)
    ev.add("dtend", end)
    ev.add("summary", summary)
    if description:
        ev.add("description", description)
    ev.add("sequence", sequence)
    return ev
