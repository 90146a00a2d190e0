"""Server-side SVG charts (no script, no inline style: they pass the page's CSP)."""

from __future__ import annotations

from html import escape

from conaig_flow.web.views.dashboard import BUCKETS, Tally

#: One colour per bucket (colour-blind-safe palette), also used by the legend.
COLOURS = {
    "approved": "#1b7837",
    "in_review": "#2166ac",
    "observed": "#e08214",
    "pending": "#8c8c8c",
    "closed": "#542788",
}


def stacked_bars(tallies: list[Tally], title: str, width: int = 640) -> str:
    """Horizontal stacked bars, one per tally, with a text alternative in <title>/<desc>."""
    label_w, bar_h, gap, top = 200, 24, 10, 8
    height = top + len(tallies) * (bar_h + gap) + 4
    plot_w = width - label_w - 64
    desc = "; ".join(
        f"{t.label}: " + ", ".join(f"{BUCKETS[b].lower()} {n}" for b, n in t.counts.items() if n) for t in tallies
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-title chart-desc" class="chart">',
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(desc)}</desc>',
    ]
    for i, t in enumerate(tallies):
        y = top + i * (bar_h + gap)
        parts.append(f'<text x="0" y="{y + bar_h - 6}" font-size="16" fill="#222">{escape(t.label[:22])}</text>')
        x = float(label_w)
        for b, n in t.counts.items():
            if not n or not t.total:
                continue
            w = plot_w * n / t.total
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{COLOURS[b]}">'
                f"<title>{escape(BUCKETS[b])}: {n}</title></rect>"
            )
            x += w
        parts.append(f'<text x="{label_w + plot_w + 6}" y="{y + bar_h - 6}" font-size="16" fill="#222">{t.approved_pct} %</text>')
    parts.append("</svg>")
    return "".join(parts)
