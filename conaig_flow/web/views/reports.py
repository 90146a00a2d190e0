"""The reports the dashboard offers for download: the progress report (any format, as of a
date, optionally one period) and the open-data export (a .zip of its files). The figures are
public (services.reports needs no actor); here any signed-in person may download them."""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import InvalidInput
from conaig_flow.rendering.reports import FORMATS, MEDIA_TYPES, default_filename, render
from conaig_flow.rendering.reports import open_data as open_data_out
from conaig_flow.services.reports import reports


@dataclass(frozen=True)
class Download:
    name: str
    media_type: str
    content: bytes


def progress_download(app: App, actor: Actor, fmt: str, as_of: str = "", period: str = "") -> Download:
    """The progress report as of ``as_of`` (AAAA-MM-DD; empty: now) in ``fmt``."""
    if fmt not in FORMATS:
        raise InvalidInput(f"Formato desconocido «{fmt}»: se espera {', '.join(FORMATS)}.")
    when = reports.parse_as_of(as_of) if as_of.strip() else app.clock.now()
    report = reports.progress_report(app, when, period=period.strip() or None, checkpoint=fmt in ("pdf", "docx"))
    return Download(default_filename(report, fmt), MEDIA_TYPES[fmt], render(report, fmt))


def open_data_download(app: App, actor: Actor, fmt: str) -> Download:
    """The open-data export in ``fmt`` (csv, json, xlsx) with its dictionary, as one .zip."""
    if fmt not in open_data_out.FORMATS:
        raise InvalidInput(f"Formato desconocido «{fmt}»: se espera {', '.join(open_data_out.FORMATS)}.")
    facts = reports.open_data(app)
    tables = open_data_out.rows(facts.progress, facts.plan_info, facts.events, facts.agreements)
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        written = open_data_out.write(tables, fmt, Path(tmp), open_data_out.dictionary_markdown())
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for path in written:
                z.write(path, path.name)
    day = open_data_out.cut_off_day(facts.progress)
    return Download(f"datos-abiertos-{facts.progress.plan_code}-{day}-{fmt}.zip", "application/zip", buf.getvalue())
