"""The reminder sweep: what the policy says is due becomes outbox rows, in one transaction;
and the forecast of every reminder still to come.

A deadline's reminders depend only on its day (Lima). The sweep reads the first open
deadline (an index lookup per open state), asks the pure policy which deadline days have a
reminder due since the last sweep (``days_due``: a few hundred days of arithmetic, not
100,000 rows), and then writes the outbox rows with one ``INSERT … SELECT … ON CONFLICT
(key) DO NOTHING``: the database joins the open deliverables of those days (an index range
per day) with the reminder of each day and the recipients of each owner, both handed in as
one JSON parameter. No deliverable row crosses into Python, and two sweeps at the same
instant, or two workers, write each reminder once.

What a row stores is what the sweep decided: key (deliverable, rule, deadline), template,
recipients (resolved now; none → dead letter, visible) and the facts of the reminder (rule,
deadline, days left, escalation). What the message says about the deliverable (entity,
product, title, state) is read when it is sent (``expand``), so it is never stale.

``sweep(app, explain=True)`` (and the dry run) also lists every reminder with its recipients
and reason, built in Python from the same selection: that is what ``conaig remind`` prints.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from conaig_flow.app import App
from conaig_flow.clock import LIMA
from conaig_flow.domain.plan import Plan
from conaig_flow.domain.reminder_policy import (
    NextStep,
    Occurrence,
    OpenDeliverable,
    Reminder,
    days_due,
    forecast,
    rule_label,
    window_open,
)
from conaig_flow.notify.messages import NO_RECIPIENTS, NewMessage, recipients_json
from conaig_flow.notify.recipients import Directory
from conaig_flow.notify.reminder_context import expand, reminder_facts, step_groups
from conaig_flow.services.deliverables.calendar import calendar_for
from conaig_flow.services.notifications.overdue_summary import write_summary
from conaig_flow.services.notifications.steps import open_pairs, open_states, reminded_steps
from conaig_flow.store.definitions import Definitions
from conaig_flow.store.tables import DeliverableRow
from conaig_flow.store.tables_notify import ReminderSweepRow
from conaig_flow.store.types import UTCDateTime

D = DeliverableRow.__table__  # type: ignore[attr-defined]
__all__ = ["D", "forecast_reminders", "open_pairs", "open_states", "reminded_steps", "sweep"]
SW = ReminderSweepRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Planned:
    """A reminder the sweep writes (or, in a dry run, would write)."""

    message: NewMessage
    reminder: Reminder
    entity: str
    context: dict[str, Any]  # what the templates get: the stored facts plus the deliverable

    @property
    def why(self) -> str:
        """The rule and its days, for scripts (``remind --json``)."""
        o = self.reminder.occurrence
        return f"regla {o.rule} del plazo {o.deadline.isoformat()} (día de envío {o.send_on.isoformat()})"

    @property
    def why_label(self) -> str:
        """The same in words, for a person: «7 días antes del plazo (plazo: 30 de junio de 2022;
        se envía el 23 de junio de 2022)»."""
        from conaig_flow.i18n import fecha

        o = self.reminder.occurrence
        return f"{rule_label(o.rule)} (plazo: {fecha(o.deadline)}; se envía el {fecha(o.send_on)})"


@dataclass(frozen=True)
class SweepReport:
    at: datetime
    since: datetime | None
    planned: list[Planned]  # filled with ``explain`` (and in a dry run)
    written: int


def _is_open(defs: Definitions, kind: str, state: str) -> bool:
    try:
        return not defs.lifecycles[kind].state(state).terminal
    except KeyError:
        return False


def _template(step: NextStep, occ: Occurrence) -> str:
    return step.overdue_template if occ.rule.startswith("overdue") else step.template


def _audience(plan: Plan, directory: Directory, step: NextStep, owner: str, owner_kind: str, activity: str,
              escalate: bool) -> tuple[list[str], list[str]]:
    groups, cc_groups = step_groups(step, escalate)
    to = directory.audience(plan, groups, owner, owner_kind, activity)
    cc = directory.audience(plan, cc_groups, owner, owner_kind, activity) if cc_groups else []
    return to, cc


def _stored(dialect: Dialect, value: datetime) -> str:
    """A UTC instant as the ``due_at`` column holds it (SQLite: its text form), for the
    comparisons inside SQL."""
    process = _UTC.dialect_impl(dialect).bind_processor(dialect)
    stored = process(value) if process else _UTC.process_bind_param(value, dialect)
    return stored if isinstance(stored, str) else stored.isoformat()


_UTC = UTCDateTime()


# The selection shared by the insert and the explanation: every open deliverable due on a day
# with a reminder (``:hits``, JSON: one object per day with its UTC bounds), whose state has a
# next step someone holds (``:steps``, JSON: lifecycle and state → step and its templates;
# ``:pairs`` lists the same pairs), with that reminder and the recipients of the step for its
# owner (``:audiences``, JSON; a missing owner gets the "nobody" entry, so its reminder is a
# visible dead letter rather than silently dropped).
_HITS_SQLITE = (
    "(SELECT json_extract(value, '$.start') AS start, json_extract(value, '$.stop') AS stop,"
    " json_extract(value, '$.rule') AS rule, json_extract(value, '$.deadline') AS deadline,"
    " json_extract(value, '$.overdue') AS overdue, json_extract(value, '$.escalate') AS escalate,"
    " json_extract(value, '$.context') AS context, json_extract(value, '$.context_escalated') AS context_escalated,"
    " json_extract(value, '$.day') AS day FROM json_each(:hits))"
)
_STEPS_SQLITE = (
    "(SELECT json_extract(value, '$.pair') AS pair, json_extract(value, '$.step') AS step,"
    " json_extract(value, '$.template') AS template, json_extract(value, '$.template_overdue') AS template_overdue"
    " FROM json_each(:steps))"
)
_AUDIENCES_SQLITE = (
    "(SELECT json_extract(value, '$.key') AS key, json_extract(value, '$.recipients') AS recipients,"
    " json_extract(value, '$.escalated') AS escalated FROM json_each(:audiences))"
)
_HITS_PG = (
    "jsonb_to_recordset(CAST(:hits AS jsonb)) AS h_(start timestamptz, stop timestamptz, rule text, deadline text,"
    " overdue integer, escalate integer, context text, context_escalated text, day text)"
)
_STEPS_PG = "jsonb_to_recordset(CAST(:steps AS jsonb)) AS s_(pair text, step integer, template text, template_overdue text)"
_AUDIENCES_PG = "jsonb_to_recordset(CAST(:audiences AS jsonb)) AS a_(key text, recipients text, escalated integer)"
_PAIR = "(d.kind || ':' || d.state)"


def _selection(dialect: str, columns: str) -> str:
    due = "d.due_at >= h.start AND d.due_at < h.stop AND d.state IN :states"
    if dialect == "postgresql":
        # LATERAL … OFFSET 0 (not pulled up into the join): an index range of deliverables per
        # day. Joined plainly, PostgreSQL filtered every open deliverable against every day.
        source = (f"(SELECT * FROM {_HITS_PG}) AS h CROSS JOIN LATERAL"
                  f" (SELECT * FROM deliverables AS d WHERE {due} AND {_PAIR} IN :pairs OFFSET 0) AS d")
        steps = f"(SELECT * FROM {_STEPS_PG}) AS s"
        audiences = f"(SELECT * FROM {_AUDIENCES_PG}) AS a"
        where = "TRUE"
    else:
        # CROSS JOIN: SQLite keeps the days as the outer loop (an index range per day)
        source = f"{_HITS_SQLITE} AS h CROSS JOIN deliverables AS d"
        steps = f"{_STEPS_SQLITE} AS s"
        audiences = f"{_AUDIENCES_SQLITE} AS a"
        where = f"{due} AND {_PAIR} IN :pairs"
    return (
        f"SELECT {columns} FROM {source}"
        f" JOIN {steps} ON s.pair = {_PAIR}"
        f" LEFT JOIN {audiences} ON a.key = d.owner || '|' || d.owner_kind || '|' || d.activity || '|' || s.step"
        " || '|' || h.escalate"
        f" WHERE {where}"
    )


def _context_sql(dialect: str) -> str:
    """The stored facts of the day, with the step the reminder is for."""
    facts = "CASE WHEN a.escalated = 1 THEN h.context_escalated ELSE h.context END"
    if dialect == "postgresql":
        return f"CAST(jsonb_set(CAST({facts} AS jsonb), '{{step}}', to_jsonb(s.step)) AS text)"
    return f"json_set({facts}, '$.step', s.step)"


def _insert_columns(dialect: str) -> str:
    return (
        "'reminder:' || CAST(d.id AS TEXT) || ':' || h.rule || ':' || h.deadline, 'reminder',"
        " CASE WHEN h.overdue = 1 THEN s.template_overdue ELSE s.template END, d.id,"
        " COALESCE(a.recipients, :nobody),"
        f" {_context_sql(dialect)}, '[]',"
        " CASE WHEN COALESCE(a.recipients, :nobody) = :nobody THEN 'dead' ELSE 'pending' END, 0, :now, :now,"
        " CASE WHEN COALESCE(a.recipients, :nobody) = :nobody THEN :no_recipients END"
    )


_EXPLAIN_COLUMNS = (
    "d.id, d.activity, d.kind, d.owner, d.owner_kind, d.period, d.title, d.state, d.updated_at, h.day, s.step"
)


def _statement(sql: str) -> Any:
    binds: list[Any] = [bindparam("states", expanding=True), bindparam("pairs", expanding=True)]
    if ":now" in sql:
        binds.append(bindparam("now", type_=UTCDateTime()))
    statement = text(sql).bindparams(*binds)
    if "d.updated_at" in sql:  # the explanation: the instant typed as the column is
        return statement.columns(updated_at=UTCDateTime())
    return statement


_STATEMENTS: dict[tuple[str, str], Any] = {}


def _sql(dialect: str, what: str) -> Any:
    if (dialect, what) not in _STATEMENTS:
        if what == "insert":
            sql = (
                "INSERT INTO outbox (key, kind, template, deliverable_id, recipients, context, attachments, status,"
                " attempts, available_at, created_at, last_error) "
                + _selection(dialect, _insert_columns(dialect))
                + " ON CONFLICT (key) DO NOTHING"
            )
        else:
            sql = _selection(dialect, _EXPLAIN_COLUMNS) + " ORDER BY d.id"
        _STATEMENTS[dialect, what] = _statement(sql)
    return _STATEMENTS[dialect, what]


def _first_open_due(conn: Connection, states: Iterable[str]) -> datetime | None:
    """The earliest deadline of an open deliverable: one index lookup per open state."""
    firsts = [conn.execute(select(func.min(D.c.due_at)).where(D.c.state == s)).scalar_one_or_none() for s in states]
    found = [f for f in firsts if f is not None]
    return min(found) if found else None


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), LIMA).astimezone(UTC)
    return start, datetime.combine(day + timedelta(days=1), time(0), LIMA).astimezone(UTC)


def sweep(app: App, *, dry_run: bool = False, explain: bool = False) -> SweepReport:
    """Turn the reminders due since the last sweep into outbox rows (one transaction).
    ``explain`` lists them (with recipients and reason); a dry run lists and writes nothing."""
    defs = app.definitions()
    plan = defs.plan
    policy = plan.reminders
    now = app.clock.now()
    states = sorted(open_states(defs))
    with app.db.read() if dry_run else app.db.write() as conn:
        dialect = conn.dialect.name
        since = conn.execute(select(SW.c.swept_until).where(SW.c.plan_code == plan.code)).scalar_one_or_none()
        cal = calendar_for(app, conn)
        if not window_open(policy, cal, now) or (since is not None and since >= now):
            return SweepReport(now, since, [], 0)
        first = _first_open_due(conn, states)
        hits = {} if first is None else days_due(first.astimezone(LIMA).date(), date.max - timedelta(days=1),
                                                 policy, cal, now, since)
        planned: list[Planned] = []
        written = 0
        if hits:
            directory = Directory.load(conn)
            owners = _owners(plan, directory)
            pairs = reminded_steps(defs)
            steps = sorted(set(pairs.values()))
            audiences: list[dict[str, Any]] = []
            for owner, owner_kind in owners:
                for activity in plan.activities:
                    for index in steps:
                        step = policy.step_at(index, *_pair_of(pairs, index))
                        for escalate in sorted({o.escalate for o in hits.values()}):
                            to, cc = _audience(plan, directory, step, owner, owner_kind, activity.code, escalate)
                            audiences.append({
                                "key": f"{owner}|{owner_kind}|{activity.code}|{index}|{int(escalate)}",
                                "recipients": recipients_json(to, cc), "escalated": int(bool(cc)),
                            })
            step_rows = []
            for pair, index in pairs.items():
                step = policy.step_at(index, *pair.split(":", 1))
                step_rows.append({"pair": pair, "step": index, "template": step.template,
                                  "template_overdue": step.overdue_template})
            day_rows = []
            for day, occ in hits.items():
                start, stop = _day_bounds(day)
                day_rows.append({
                    "day": day.isoformat(), "start": _stored(conn.dialect, start), "stop": _stored(conn.dialect, stop),
                    "rule": occ.rule, "deadline": occ.deadline.isoformat(), "overdue": int(_is_overdue(occ)),
                    "escalate": int(occ.escalate),
                    "context": _facts_json(occ, day, now, False, policy.overdue_notices),
                    "context_escalated": _facts_json(occ, day, now, True, policy.overdue_notices),
                })
            params = {
                "hits": json.dumps(day_rows), "steps": json.dumps(step_rows), "audiences": json.dumps(audiences),
                "states": states, "pairs": sorted(pairs) or ["-"], "now": now, "nobody": recipients_json([], []),
                "no_recipients": NO_RECIPIENTS,
            }
            if explain or dry_run:
                for row in conn.execute(_sql(dialect, "explain"), params):
                    day = date.fromisoformat(row.day)
                    planned.append(_planned(defs, directory, row, day, hits[day], now))
            if not dry_run:
                written = int(conn.execute(_sql(dialect, "insert"), params).rowcount)
        if dry_run:
            return SweepReport(now, since, planned, 0)
        from conaig_flow.services.consultation.notices import closing_reminders

        written += write_summary(app, conn, cal, now)
        written += closing_reminders(app, conn, now)
        _mark(conn, plan.code, now)
    return SweepReport(now, since, planned, written)


def _facts_json(occ: Occurrence, day: date, now: datetime, escalated: bool, notices: int) -> str:
    return json.dumps(reminder_facts(occ, day, now, escalated, notices), ensure_ascii=False)


def _owners(plan: Plan, directory: Directory) -> list[tuple[str, str]]:
    """Every (owner, owner kind) a deliverable can have: the entities, the working teams
    and the commission itself."""
    out = [(e.code, "entity") for e in plan.entities]
    out += [(team, "team") for team in sorted(directory.teams)]
    out.append((plan.commission.code, "commission"))
    return out


def _pair_of(pairs: dict[str, int], index: int) -> tuple[str, str]:
    pair = next(p for p, i in pairs.items() if i == index)
    kind, _, state = pair.partition(":")
    return kind, state


def _is_overdue(occ: Occurrence) -> bool:
    return occ.rule.startswith("overdue")


def _planned(defs: Definitions, directory: Directory, row: Any, day: date, occ: Occurrence, now: datetime) -> Planned:
    """One reminder built in Python: the same outbox row the insert writes, and its full context."""
    step = defs.plan.reminders.step_at(row.step, row.kind, row.state)
    to, cc = _audience(defs.plan, directory, step, row.owner, row.owner_kind, row.activity, occ.escalate)
    stored = reminder_facts(occ, day, now, bool(cc), defs.plan.reminders.overdue_notices) | {"step": row.step}
    reminder = Reminder(row.id, occ)
    msg = NewMessage(key=reminder.key, kind="reminder", template=_template(step, occ), to=to, cc=cc, context=stored,
                     deliverable_id=row.id)
    return Planned(msg, reminder, row.owner, expand(defs, row, stored))


def _mark(conn: Connection, plan_code: str, now: datetime) -> None:
    values = {"plan_code": plan_code, "swept_until": now}
    if conn.dialect.name == "postgresql":
        stmt: Any = postgresql.insert(SW).values(values)
    else:
        stmt = sqlite.insert(SW).values(values)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["plan_code"], set_={"swept_until": now}, where=SW.c.swept_until < now)
    )


@dataclass(frozen=True)
class Forecast:
    deliverable_id: int
    entity: str
    entity_name: str
    title: str
    rule: str
    send_at: datetime
    deadline: date
    days_left: int
    escalate: bool


def forecast_reminders(app: App, *, entity: str | None = None, until: date | None = None) -> list[Forecast]:
    """Every reminder the policy will send from now on (up to ``until``, default the end of
    the plan's last period plus 90 days), assuming nothing changes state."""
    defs = app.definitions()
    policy = defs.plan.reminders
    now = app.clock.now()
    last = max(p.end for p in defs.plan.periods)
    horizon = until or date.fromordinal(last.toordinal() + 90)
    query = select(D).where(D.c.plan_code == defs.plan.code, D.c.state.in_(open_states(defs)))
    if entity:
        query = query.where(D.c.owner == entity)
    with app.db.read() as conn:
        cal = calendar_for(app, conn)
        reminded = reminded_steps(defs)
        rows = [r for r in conn.execute(query) if _is_open(defs, r.kind, r.state) and f"{r.kind}:{r.state}" in reminded]
    by_id = {r.id: r for r in rows}
    items: Iterable[Reminder] = forecast((OpenDeliverable(r.id, r.due_at) for r in rows), policy, cal, now, horizon)
    return [
        Forecast(
            r.deliverable_id, by_id[r.deliverable_id].owner, defs.plan.owner_name(by_id[r.deliverable_id].owner),
            by_id[r.deliverable_id].title, r.occurrence.rule, r.occurrence.send_at, r.occurrence.deadline,
            r.occurrence.days_left, r.occurrence.escalate,
        )
        for r in items
    ]
