"""Lifecycle diagrams (Mermaid) from the lifecycle definition."""

from __future__ import annotations

from conaig_flow.domain.lifecycle import Lifecycle
from conaig_flow.i18n import role_label


def mermaid(lc: Lifecycle) -> str:
    lines = ["stateDiagram-v2", f"    %% {lc.name}"]
    for s in lc.states:
        lines.append(f'    state "{s.label}" as {s.name}')
    lines.append(f"    [*] --> {lc.initial}")
    for t in lc.transitions:
        who = "/".join(role_label(r) for r in t.roles)
        needs = f" [{', '.join(t.requires)}]" if t.requires else ""
        for src in t.source:
            lines.append(f"    {src} --> {t.dest}: {t.trigger} ({who}){needs}")
    for s in lc.states:
        if s.terminal:
            lines.append(f"    {s.name} --> [*]")
    return "\n".join(lines)
