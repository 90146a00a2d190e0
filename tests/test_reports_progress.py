"""Properties of the pure progress figures over random histories (no database)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from conaig_flow.clock import LIMA
from conaig_flow.domain.planning import initial_deliverables
from conaig_flow.domain.progress import DeliverableFact, EventFact, Status, Tally, compute_progress
from conaig_flow.store.definitions import default_plan_file, load_files

DEFS = load_files(default_plan_file())
PLAN = DEFS.plan
START = datetime(2021, 7, 1, 9, 0, tzinfo=LIMA)
FACTS = [
    DeliverableFact(n, s.activity, s.kind, s.owner, s.owner_kind, s.period, s.title, s.due, START)
    for n, s in enumerate(initial_deliverables(PLAN), 1)
]


def _walk(d: DeliverableFact, choices: list[int], day0: int) -> list[EventFact]:
    """A legal random walk through the deliverable's lifecycle."""
    lc = DEFS.lifecycles[d.kind]
    state, events, at = lc.initial, [], START + timedelta(days=day0)
    for seq, pick in enumerate(choices, 1):
        options = lc.transitions_from(state)
        if not options:
            break
        t = options[pick % len(options)]
        at += timedelta(days=1 + pick % 40)
        events.append(EventFact(d.id, seq, t.trigger, state, t.dest, at, None, "S-1" if t.in_session else None))
        state = t.dest
    return events


histories = st.lists(
    st.tuples(st.lists(st.integers(0, 50), max_size=8), st.integers(0, 500)), min_size=len(FACTS), max_size=len(FACTS)
)


def _sum(tallies: list[Tally]) -> tuple[int, ...]:
    return (*(sum(t.count(s) for t in tallies) for s in Status), sum(t.total for t in tallies))


def _flat(t: Tally) -> tuple[int, ...]:
    return (*(t.count(s) for s in Status), t.total)


@settings(max_examples=40, deadline=None)
@given(histories, st.integers(0, 700))
def test_every_breakdown_adds_up_to_the_totals_and_later_events_never_change_an_earlier_report(
    walks: list[tuple[list[int], int]], cut_day: int
) -> None:
    events = [e for d, (choices, day0) in zip(FACTS, walks, strict=True) for e in _walk(d, choices, day0)]
    as_of = START + timedelta(days=cut_day)
    p = compute_progress(PLAN, DEFS.lifecycles, FACTS, events, as_of)
    assert _sum([g.tally for g in p.by_objective]) == _flat(p.totals)
    assert _sum([g.tally for g in p.by_activity]) == _flat(p.totals)
    assert _sum([g.tally for g in p.by_period]) == _flat(p.totals)
    assert _sum([r.tally for r in p.scorecard]) == _flat(p.totals)
    assert len(p.overdue) == p.totals.overdue
    assert all(i.days_late > 0 for i in p.overdue)
    assert sum(c.approved_in_period for r in p.programming for c in r.cells) <= p.totals.approved
    only_before = compute_progress(PLAN, DEFS.lifecycles, FACTS, [e for e in events if e.at <= as_of], as_of)
    assert only_before == p
