"""The free-text search of the deliverables list."""

from __future__ import annotations

from collections.abc import Sequence

from conaig_flow.services.deliverables.records import DeliverableView
from conaig_flow.web.views.paging import folded


def matching(items: Sequence[DeliverableView], search: str) -> list[DeliverableView]:
    """The deliverables whose number, activity code, title, responsible (code or name), state or
    period contain every word of ``search`` (accents and case aside). The list is the plan's (one
    row per activity, owner and period) and already cut to what the person may see, so the
    search runs over it here rather than in SQL."""
    words = folded(search).split()
    if not words:
        return list(items)

    def haystack(d: DeliverableView) -> str:
        return folded(" ".join((f"N° {d.id}", d.activity, d.title, d.owner, d.owner_name, d.state_label, d.period)))

    return [d for d in items if all(w in haystack(d) for w in words)]
