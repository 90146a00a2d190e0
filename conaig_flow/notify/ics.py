"""iCalendar invitations (``icalendar``) with stable UIDs: a deadline is the same event in
every reminder of it, a session the same event in every convocatoria (so calendars update it
rather than duplicate it)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

from conaig_flow.notify.outbox import Attachment

PRODID = "-//conaig-flow//Recordatorios y convocatorias//ES"


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    return cal


def deadline_uid(deliverable_id: int, domain: str) -> str:
    return f"plazo-{deliverable_id}@{domain}"


def deadline_ics(uid: str, day: date, summary: str, description: str, stamp: datetime) -> Attachment:
    """An all-day event on the (effective) deadline day."""
    cal = _calendar("PUBLISH")
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp)
    ev.add("dtstart", day)
    ev.add("dtend", day + timedelta(days=1))
    ev.add("summary", summary)
    ev.add("description", description)
    ev.add("transp", "TRANSPARENT")
    cal.add_component(ev)
    return Attachment("plazo.ics", "text/calendar; method=PUBLISH", cal.to_ical().decode("utf-8"))


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
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp)
    ev.add("dtstart", start)
    ev.add("dtend", end)
    ev.add("summary", summary)
    ev.add("description", description)
    ev.add("sequence", sequence)
    if location:
        ev.add("location", location)
    if organizer:
        ev.add("organizer", f"mailto:{organizer}")
    cal.add_component(ev)
    return Attachment("convocatoria.ics", "text/calendar; method=REQUEST", cal.to_ical().decode("utf-8"))
