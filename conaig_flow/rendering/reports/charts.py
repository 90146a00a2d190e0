"""The report's charts as PNG images, drawn with matplotlib's Agg canvas.

Figures are built with ``matplotlib.figure.Figure`` and an explicit ``FigureCanvasAgg``, never
through ``pyplot``: no global figure registry, no GUI backend, safe in a web worker. The PNG
carries no "Software" metadata, so the same figures give the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from conaig_flow.domain.progress import STATUS_LABELS, Progress, Status, lima_day

COLOURS: dict[Status, str] = {
    Status.APPROVED_ON_TIME: "#1b7837",
    Status.APPROVED_LATE: "#a6dba0",
    Status.IN_TERM: "#92c5de",
    Status.OVERDUE: "#d6604d",
    Status.WITHDRAWN: "#bababa",
}


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    png: bytes


def _num(day: date) -> float:
    return float(date2num(day))  # type: ignore[no-untyped-call]


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()


def _stacked(title: str, labels: list[str], counts: dict[Status, list[int]], width: float) -> Figure:
    height = max(2.4, 0.32 * len(labels) + 1.4)
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    left = [0] * len(labels)
    positions = list(range(len(labels)))
    for status in Status:
        values = counts[status]
        ax.barh(positions, values, left=left, color=COLOURS[status], label=STATUS_LABELS[status])
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.set_xlabel("Entregables")
    ax.set_title(title)
    fig.legend(loc="outside lower center", ncols=3, fontsize="small", frameon=False)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


def progress_by_objective(progress: Progress) -> Chart:
    labels = [g.label for g in progress.by_objective]
    counts = {s: [g.tally.count(s) for g in progress.by_objective] for s in Status}
    title = "Avance por objetivo prioritario"
    return Chart("objetivos", title, _png(_stacked(title, labels, counts, 7.0)))


#: Beyond this many responsible parties the chart shows those with most overdue deliverables
#: (the scorecard table lists all of them).
MAX_OWNERS = 40


def state_by_entity(progress: Progress) -> Chart:
    rows = list(progress.scorecard)
    title = "Situación de los entregables por responsable"
    if len(rows) > MAX_OWNERS:
        rows = sorted(rows, key=lambda r: (-r.tally.overdue, -r.tally.total, r.owner))[:MAX_OWNERS]
        title += f" ({MAX_OWNERS} de {len(progress.scorecard)}, con más vencidos)"
    rows.sort(key=lambda r: r.owner)
    labels = [r.owner for r in rows]
    counts = {s: [r.tally.count(s) for r in rows] for s in Status}
    return Chart("responsables", title, _png(_stacked(title, labels, counts, 7.0)))


def timeline(progress: Progress) -> Chart:
    fig = Figure(figsize=(7.0, 3.2), layout="constrained")
    ax = fig.add_subplot()
    points = progress.timeline
    title = "Entregables programados y aprobados (acumulado)"
    if points:
        cut = lima_day(progress.as_of)
        days = [_num(p.day) for p in points]
        ax.step(days, [p.due for p in points], where="post", color="#4d4d4d", label="Programados (por fecha límite)")
        shown = [p for p in points if p.day <= cut]
        ax.step([_num(p.day) for p in shown], [p.approved for p in shown], where="post", color="#1b7837",
                label="Aprobados")
        ax.axvline(_num(cut), color="#d6604d", linestyle="--", linewidth=1, label="Fecha de corte")
        ax.xaxis_date()
        ax.legend(fontsize="small", frameon=False, loc="upper left")
        fig.autofmt_xdate()
    ax.set_ylabel("Entregables")
    ax.set_title(title)
    return Chart("cronologia", title, _png(fig))


def all_charts(progress: Progress) -> list[Chart]:
    return [progress_by_objective(progress), state_by_entity(progress), timeline(progress)]
