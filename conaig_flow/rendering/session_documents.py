"""Rendering a session's acta, convocatoria or working-meeting record from its template.

Templates live in ``conaig_flow/templates/documents`` (``acta.md.j2``, ``convocatoria.md.j2``,
``reunion.md.j2``); a folder given by path overrides them file by file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from conaig_flow.clock import LIMA
from conaig_flow.errors import InvalidInput
from conaig_flow.i18n import cuenta, fecha, fecha_hora
from conaig_flow.rendering import blocks
from conaig_flow.rendering.pdfa import DocumentMeta, Layout

DEFAULT_TEMPLATES = Path(__file__).resolve().parent / "templates" / "documents"
FORMATS = ("md", "html", "docx", "pdf")


def _hora(value: datetime | None) -> str:
    return value.astimezone(LIMA).strftime("%H:%M") if value is not None else "—"


def _cell(value: Any) -> str:
    """A value fit for one table cell of the Markdown subset."""
    return " ".join(str(value if value is not None else "—").replace("|", "/").split())


def environment(templates_dir: Path | None = None) -> Environment:
    loaders = [FileSystemLoader(str(templates_dir))] if templates_dir else []
    loaders.append(FileSystemLoader(str(DEFAULT_TEMPLATES)))
    # Every interpolated value is data, never markup: ``finalize`` escapes it for the Markdown
    # subset (as autoescape does for HTML), so a place or an agenda note typed as "# …" or
    # "| … |" stays text in the .md and in the HTML, DOCX and PDF made from it.
    env = Environment(
        loader=ChoiceLoader(loaders), autoescape=False, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=blocks.escape,
    )
    env.filters.update(fecha=fecha, fecha_hora=fecha_hora, hora=_hora, cell=_cell, cuenta=cuenta)
    return env


def render(template: str, fmt: str, context: dict[str, Any], title: str, templates_dir: Path | None = None,
           *, meta: DocumentMeta | None = None, signers: Sequence[tuple[str, str]] = ()) -> bytes:
    """``template`` (e.g. ``acta``) in ``fmt`` (md, html, docx, pdf); ``signers`` are the
    (key, caption) of each signer, laid out where the template writes ``[[firmas]]``."""
    return render_layout(template, fmt, context, title, templates_dir, meta=meta, signers=signers)[0]


def render_layout(template: str, fmt: str, context: dict[str, Any], title: str, templates_dir: Path | None = None,
                  *, meta: DocumentMeta | None = None, signers: Sequence[tuple[str, str]] = ()) -> tuple[bytes, Layout]:
    """As :func:`render`, with the layout of the signers' boxes (PDF only)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"Formato desconocido «{fmt}»: se espera {', '.join(FORMATS)}.")
    if templates_dir is not None and not templates_dir.is_dir():
        raise InvalidInput(f"La carpeta de plantillas «{templates_dir}» no existe.")
    markdown = environment(templates_dir).get_template(f"{template}.md.j2").render(**context)
    if fmt == "md":
        return markdown.encode("utf-8"), Layout()
    if fmt == "html":
        return blocks.to_html(markdown, title, signers).encode("utf-8"), Layout()
    if fmt == "docx":
        return blocks.to_docx(markdown, title, signers, meta.author if meta else ""), Layout()
    if meta is None:
        raise InvalidInput("Un documento PDF necesita sus metadatos (título, autor, membrete).")
    return blocks.to_pdf(markdown, meta, signers)
