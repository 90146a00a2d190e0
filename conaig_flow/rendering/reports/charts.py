"""The report's charts as PNG images, drawn with Pillow's ``ImageDraw``: bars, steps, axes,
ticks, legends and text in the DejaVu Sans font, and nothing else.

They used to be matplotlib figures: importing matplotlib and setting up three figures took
about 1.5 s in a warm process, on every report (docs/architecture.md, «Reports: charts
without matplotlib»). The charts are simple (stacked horizontal bars, two cumulative step
lines), so they are drawn directly; the fonts are opened once per process. The same PNG
goes into the HTML (as a data URI), the PDF and the DOCX, and the same figures give the same
bytes (no time or software in the file).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from conaig_flow.domain.progress import STATUS_LABELS, Progress, Status, lima_day
from conaig_flow.rendering.reports.fonts import font_file

COLOURS: dict[Status, str] = {
    Status.APPROVED_ON_TIME: "#1b7837",
    Status.APPROVED_LATE: "#a6dba0",
    Status.IN_TERM: "#92c5de",
    Status.OVERDUE: "#d6604d",
    Status.WITHDRAWN: "#bababa",
}
INK = "#262626"
GRID = "#e0e0e0"
#: The size and resolution of the matplotlib figures they replace: 7 inches wide at 100 dpi.
DPI = 100
SCALE = DPI / 72  # pixels per point: every length below is in points
WIDTH = 7 * DPI
LINE = max(1, round(0.8 * SCALE))  # axis and grid lines, pixels
MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "set", "oct", "nov", "dic")


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    png: bytes


@lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    # the basic layout: Latin text needs no shaping, and Raqm's (HarfBuzz, FriBiDi) took most of the drawing time
    return ImageFont.truetype(str(font_file("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), round(size * SCALE),
                              layout_engine=ImageFont.Layout.BASIC)


def _width(text: str, font: ImageFont.FreeTypeFont) -> float:
    return float(font.getlength(text))


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=3)
    return buf.getvalue()


def _ticks(top: int, most: int = 8) -> list[int]:
    """Integer ticks from 0 covering ``top``: steps of 1, 2, 5, 10, 20, 50 … (at most ``most``+1)."""
    step = 1
    while top / step > most:
        for factor in (2, 2.5, 2):  # 1 → 2 → 5 → 10 → 20 → 50 …
            step = int(step * factor)
            if top / step <= most:
                break
    end = -(-max(top, 1) // step) * step
    return list(range(0, end + 1, step))


def _fit(text: str, font: ImageFont.FreeTypeFont, room: float) -> str:
    """``text``, or as much of it as fits in ``room`` followed by "…"."""
    if _width(text, font) <= room:
        return text
    base = text
    while len(base) > 3 and _width(base + "…", font) > room:
        base = base[:-1]
    return base.rstrip() + "…"


def _legend(draw: ImageDraw.ImageDraw, items: Sequence[tuple[str, str]], top: float, columns: int) -> float:
    """Square swatches with their labels, centred in ``columns`` columns; returns the bottom."""
    font = _font(9)
    box, gap, line = 9 * SCALE, 5 * SCALE, 15 * SCALE
    col_w = max(_width(label, font) for _, label in items) + box + gap + 16 * SCALE
    used = min(columns, len(items))
    left = (WIDTH - used * col_w) / 2
    for n, (colour, label) in enumerate(items):
        x, y = left + (n % columns) * col_w, top + (n // columns) * line
        draw.rectangle((x, y + 2 * SCALE, x + box, y + 2 * SCALE + box), fill=colour)
        draw.text((x + box + gap, y), label, font=font, fill=INK)
    return top + (-(-len(items) // columns)) * line


def _title(draw: ImageDraw.ImageDraw, title: str) -> float:
    font = _font(12)
    draw.text((WIDTH / 2, 8 * SCALE), title, font=font, fill=INK, anchor="mt")
    return 8 * SCALE + 22 * SCALE


def _stacked(title: str, labels: list[str], counts: dict[Status, list[int]]) -> bytes:
    return _stacked_png(title, tuple(labels), tuple(tuple(counts[s]) for s in Status))


# The charts are pure functions of the figures they show, and a report is asked for again and
# again with the same figures (the page, then its PDF, DOCX...): the PNG of the same figures is
# kept (a few tens of kB each) instead of being drawn and compressed again (about 18 ms for
# the three of the seed plan). Other figures miss the cache and are drawn as before.
@lru_cache(maxsize=32)
def _stacked_png(title: str, labels: tuple[str, ...], by_status: tuple[tuple[int, ...], ...]) -> bytes:
    counts = dict(zip(Status, by_status, strict=True))
    label_font, tick_font = _font(9), _font(9)
    row = 20 * SCALE
    bar = row * 0.7
    label_w = max((_width(label, label_font) for label in labels), default=0.0)
    left = min(label_w, WIDTH * 0.4) + 18 * SCALE
    right = WIDTH - 20 * SCALE
    totals = [sum(counts[s][i] for s in Status) for i in range(len(labels))]
    ticks = _ticks(max(totals, default=0))
    legend_rows = -(-len(Status) // 3)
    top = 8 * SCALE + 22 * SCALE
    plot_h = max(row * len(labels), 3 * row)
    height = round(top + plot_h + 40 * SCALE + legend_rows * 15 * SCALE + 10 * SCALE)
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    _title(draw, title)
    bottom = top + plot_h
    span = right - left

    def x_of(value: float) -> float:
        return left + span * value / ticks[-1]

    for t in ticks:
        x = x_of(t)
        draw.line((x, top, x, bottom), fill=GRID, width=LINE)
        draw.line((x, bottom, x, bottom + 4 * SCALE), fill=INK, width=LINE)
        draw.text((x, bottom + 6 * SCALE), str(t), font=tick_font, fill=INK, anchor="mt")
    for i, label in enumerate(labels):
        y = top + i * row + (row - bar) / 2
        shown = _fit(label, label_font, left - 12 * SCALE)
        draw.text((left - 6 * SCALE, y + bar / 2), shown, font=label_font, fill=INK, anchor="rm")
        start = 0
        for status in Status:
            n = counts[status][i]
            if n:
                draw.rectangle((x_of(start), y, x_of(start + n), y + bar), fill=COLOURS[status])
                start += n
    draw.rectangle((left, top, right, bottom), outline=INK, width=LINE)
    draw.text(((left + right) / 2, bottom + 20 * SCALE), "Entregables", font=_font(10), fill=INK, anchor="mt")
    _legend(draw, [(COLOURS[s], STATUS_LABELS[s]) for s in Status], bottom + 38 * SCALE, 3)
    return _png(image)


def progress_by_objective(progress: Progress) -> Chart:
    labels = [g.label for g in progress.by_objective]
    counts = {s: [g.tally.count(s) for g in progress.by_objective] for s in Status}
    title = "Avance por objetivo prioritario"
    return Chart("objetivos", title, _stacked(title, labels, counts))


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
    return Chart("responsables", title, _stacked(title, labels, counts))


def _month_ticks(first: date, last: date, most: int = 8) -> list[date]:
    """First days of months between ``first`` and ``last``, every 1, 2, 3, 6 or 12 months."""
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    step = next((s for s in (1, 2, 3, 6, 12) if months / s <= most), 12)
    out: list[date] = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        if (m - 1) % step == 0:
            day = date(y, m, 1)
            if first <= day <= last:
                out.append(day)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _dashed(draw: ImageDraw.ImageDraw, x: float, top: float, bottom: float, colour: str) -> None:
    dash = 5 * SCALE
    y = top
    while y < bottom:
        draw.line((x, y, x, min(y + dash, bottom)), fill=colour, width=LINE)
        y += 2 * dash


def timeline(progress: Progress) -> Chart:
    title = "Entregables programados y aprobados (acumulado)"
    points = tuple((p.day, p.due, p.approved) for p in progress.timeline)
    return Chart("cronologia", title, _timeline_png(title, points, lima_day(progress.as_of)))


@lru_cache(maxsize=32)
def _timeline_png(title: str, points: tuple[tuple[date, int, int], ...], cut: date) -> bytes:
    height = round(230 * SCALE)
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    _title(draw, title)
    font = _font(9)
    top, bottom = 30 * SCALE, height - 40 * SCALE
    left, right = 56 * SCALE, WIDTH - 20 * SCALE
    ticks = _ticks(max((due for _, due, _ in points), default=0), 6)
    if points:
        first = min(points[0][0], cut)
        last = max(points[-1][0], cut)
        days = max((last - first).days, 1)

        def x_of(day: date) -> float:
            return left + (right - left) * (day - first).days / days

        def y_of(value: float) -> float:
            return bottom - (bottom - top) * value / ticks[-1]

        for day in _month_ticks(first, last):
            x = x_of(day)
            draw.line((x, top, x, bottom), fill=GRID, width=LINE)
            draw.line((x, bottom, x, bottom + 4 * SCALE), fill=INK, width=LINE)
            draw.text((x, bottom + 6 * SCALE), f"{MONTHS[day.month - 1]} {day.year}", font=font, fill=INK, anchor="mt")

        def steps(values: Sequence[tuple[date, int]], until: date, colour: str) -> None:
            """A cumulative count as a step line ("post": each value holds until the next day)."""
            line: list[tuple[float, float]] = []
            for day, value in values:
                x = x_of(day)
                if line:
                    line.append((x, line[-1][1]))
                line.append((x, y_of(value)))
            line.append((x_of(until), line[-1][1]))
            draw.line(line, fill=colour, width=2 * LINE, joint="curve")

        steps([(day, due) for day, due, _ in points], last, "#4d4d4d")
        shown = [(day, approved) for day, _, approved in points if day <= cut]
        if shown:
            steps(shown, cut, "#1b7837")
        _dashed(draw, x_of(cut), top, bottom, "#d6604d")
        # legend, upper left inside the axes
        entries = (("#4d4d4d", "Programados (por fecha límite)"), ("#1b7837", "Aprobados"), ("#d6604d", "Fecha de corte"))
        for n, (colour, label) in enumerate(entries):
            y = top + 8 * SCALE + n * 15 * SCALE
            draw.line((left + 8 * SCALE, y + 6 * SCALE, left + 26 * SCALE, y + 6 * SCALE), fill=colour, width=2 * LINE)
            draw.text((left + 32 * SCALE, y), label, font=font, fill=INK)
    else:
        def y_of(value: float) -> float:
            return bottom - (bottom - top) * value / ticks[-1]
    for t in ticks:
        y = y_of(t)
        draw.line((left, y, right, y), fill=GRID, width=LINE)
        draw.line((left - 4 * SCALE, y, left, y), fill=INK, width=LINE)
        draw.text((left - 6 * SCALE, y), str(t), font=font, fill=INK, anchor="rm")
    draw.rectangle((left, top, right, bottom), outline=INK, width=LINE)
    label_font = _font(10)
    label = "Entregables"
    tile = Image.new("RGB", (int(_width(label, label_font)) + 4, round(14 * SCALE)), "white")
    ImageDraw.Draw(tile).text((2, 0), label, font=label_font, fill=INK)
    rotated = tile.rotate(90, expand=True)
    image.paste(rotated, (round(8 * SCALE), int((top + bottom - rotated.height) / 2)))
    return _png(image)


def all_charts(progress: Progress) -> list[Chart]:
    return [progress_by_objective(progress), state_by_entity(progress), timeline(progress)]
