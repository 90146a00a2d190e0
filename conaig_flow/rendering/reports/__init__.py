"""Renderers of the secretariat's reports: HTML and Markdown (Jinja2 templates), PDF (fpdf2),
DOCX (python-docx), XLSX (openpyxl), JSON; charts drawn with Pillow (``charts.py``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conaig_flow.domain.progress import lima_day
from conaig_flow.domain.report_document import ProgressReport, report_json

FORMATS = ("html", "pdf", "docx", "xlsx", "md", "json")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render(report: ProgressReport, fmt: str, templates: Path | None = None) -> bytes:
    """The report in one of ``FORMATS``, as bytes ready to write or serve."""
    from conaig_flow.rendering.reports import charts as charts_mod
    from conaig_flow.rendering.reports import templating

    def html() -> bytes:
        return templating.render(
            "progress.html.j2", templates, report=report, charts=charts_mod.all_charts(report.progress),
            sections=templating.objective_sections(report.progress),
        ).encode("utf-8")

    def md() -> bytes:
        return templating.render(
            "progress.md.j2", templates, report=report, sections=templating.objective_sections(report.progress)
        ).encode("utf-8")

    def pdf() -> bytes:
        from conaig_flow.rendering.reports.pdf import render_pdf

        return render_pdf(report, charts_mod.all_charts(report.progress))

    def docx() -> bytes:
        from conaig_flow.rendering.reports.docx import render_docx

        return render_docx(report, charts_mod.all_charts(report.progress))

    def xlsx() -> bytes:
        from conaig_flow.rendering.reports.xlsx import render_xlsx

        return render_xlsx(report)

    def as_json() -> bytes:
        return json.dumps(report_json(report), ensure_ascii=False, indent=2).encode("utf-8")

    renderers: dict[str, Callable[[], bytes]] = {
        "html": html, "md": md, "pdf": pdf, "docx": docx, "xlsx": xlsx, "json": as_json,
    }
    return renderers[fmt]()


def default_filename(report: ProgressReport, fmt: str) -> str:
    day = lima_day(report.progress.as_of).isoformat()
    suffix = f"-{report.progress.period}" if report.progress.period else ""
    return f"informe-avance-{report.progress.plan_code}-{day}{suffix}.{fmt}"
