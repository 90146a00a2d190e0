"""Which lifecycle states are open, and which of them have someone to remind (the plan's
``reminders.next_step``): shared by the reminder sweep and the weekly overdue summary."""

from __future__ import annotations

from conaig_flow.store.definitions import Definitions


def open_states(defs: Definitions) -> set[str]:
    """State names that are not terminal in some lifecycle (reminders apply to them)."""
    return {s.name for lc in defs.lifecycles.values() for s in lc.states if not s.terminal}


def open_pairs(defs: Definitions) -> list[str]:
    """``kind:state`` of every non-terminal state, lifecycle by lifecycle."""
    return sorted(f"{k}:{s.name}" for k, lc in defs.lifecycles.items() for s in lc.states if not s.terminal)


def reminded_steps(defs: Definitions) -> dict[str, int]:
    """``kind:state`` → the index of its next step, for the open states whose next step
    someone holds (a state waiting for a session has no reminders)."""
    policy = defs.plan.reminders
    out: dict[str, int] = {}
    for pair in open_pairs(defs):
        kind, _, state = pair.partition(":")
        if policy.step_for(kind, state).notify:
            out[pair] = policy.step_index(kind, state)
    return out
