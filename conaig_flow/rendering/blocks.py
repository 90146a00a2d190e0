"""A small Markdown subset and its writers: HTML, DOCX and PDF.

Blocks: ``#``/``##``/``###`` headings, ``- `` bullets, ``| a | b |`` tables (first row is the
header, a ``|---|`` row is skipped), paragraphs (consecutive lines, joined) and the line
``[[firmas]]``, the place where the signers' boxes go. That is all the document templates
use, so a secretariat can edit them without learning more.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from docx import Document

from conaig_flow.rendering.pdfa import FONT, DocumentMeta, Layout, OfficialPdf

SIGNATURES_MARK = "[[firmas]]"

#: Signs that shape Markdown anywhere in a line (emphasis, code, links, HTML, headings, table
#: cells, strike-through), and those that do only at the start of a line (lists, rules, setext
#: underlines, ordered lists).
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_LEADING = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_BREAKS = re.compile(r"[ \t]*[\r\n\v\f\u2028\u2029]+[ \t]*")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def escape(value: object) -> str:
    """``value`` as literal text of the subset (and of CommonMark): one line, its signs escaped.

    Used on every value a document template interpolates, so text a person typed (a session's
    place, an agenda note) can never become a heading, a list, a table or a link.
    """
    # line breaks become spaces (a value never starts a line of its own); other spacing, the
    # separators a template interpolates ("; ") included, is kept as it is
    text = _SPECIAL.sub(r"\\\1", _BREAKS.sub(" ", str(value)))
    return _LEADING.sub(lambda m: m[1] + (f"\\{m[2]}" if m[2] else f"{m[3]}\\{m[4]}"), text)


def unescape(text: str) -> str:
    r"""The text a reader sees: ``\#`` → ``#`` (any escaped ASCII punctuation sign)."""
    return _ESCAPED.sub(r"\1", text)


@dataclass
class Block:
    kind: str  # h1 | h2 | h3 | bullet | table | para | signatures
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


def parse(markdown: str) -> list[Block]:
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Block("para", unescape(" ".join(para))))
            para.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line == SIGNATURES_MARK:
            flush()
            blocks.append(Block("signatures"))
        elif line.startswith("#"):
            flush()
            level = min(len(line) - len(line.lstrip("#")), 3)
            blocks.append(Block(f"h{level}", unescape(line.lstrip("#").strip())))
        elif line.startswith("- "):
            flush()
            blocks.append(Block("bullet", unescape(line[2:].strip())))
        elif line.startswith("|"):
            flush()
            inner = line[1:-1] if line.endswith("|") and not line.endswith("\\|") else line[1:]
            cells = [c.strip() for c in _CELL_SPLIT.split(inner)]
            if all(set(c) <= set("-: ") and c for c in cells):
                continue
            if not blocks or blocks[-1].kind != "table":
                blocks.append(Block("table"))
            blocks[-1].rows.append([unescape(c) for c in cells])
        else:
            para.append(line)
    flush()
    return blocks


def to_html(markdown: str, title: str, signers: Sequence[tuple[str, str]] = ()) -> str:
    out = [
        "<!DOCTYPE html>", '<html lang="es">', "<head>", '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #888;padding:.2em .5em;text-align:left}</style>",
        "</head>", "<body>",
    ]
    in_list = False
    for b in parse(markdown):
        if b.kind == "bullet" and not in_list:
            out.append("<ul>")
            in_list = True
        elif b.kind != "bullet" and in_list:
            out.append("</ul>")
            in_list = False
        if b.kind in ("h1", "h2", "h3"):
            out.append(f"<{b.kind}>{html.escape(b.text)}</{b.kind}>")
        elif b.kind == "bullet":
            out.append(f"<li>{html.escape(b.text)}</li>")
        elif b.kind == "para":
            out.append(f"<p>{html.escape(b.text)}</p>")
        elif b.kind == "signatures":
            out.extend(f'<p class="firma">Firma: {html.escape(c)}</p>' for _, c in signers)
        else:
            head, *body = b.rows
            out.append("<table><thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr></thead><tbody>")
            out.extend("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in body)
            out.append("</tbody></table>")
    if in_list:
        out.append("</ul>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def to_docx(markdown: str, title: str, signers: Sequence[tuple[str, str]] = (), author: str = "") -> bytes:
    doc = Document()
    doc.core_properties.title = title
    doc.core_properties.language = "es-PE"
    doc.core_properties.author = author
    doc.core_properties.comments = ""
    for b in parse(markdown):
        if b.kind == "signatures":
            for _, caption in signers:
                doc.add_paragraph(f"Firma: {caption}")
            continue
        if b.kind in ("h1", "h2", "h3"):
            doc.add_heading(b.text, level=int(b.kind[1]))
        elif b.kind == "bullet":
            doc.add_paragraph(b.text, style="List Bullet")
        elif b.kind == "para":
            doc.add_paragraph(b.text)
        else:
            width = max(len(r) for r in b.rows)
            table = doc.add_table(rows=0, cols=width)
            table.style = "Table Grid"
            for n, r in enumerate(b.rows):
                cells = table.add_row().cells
                for i, text in enumerate(r):
                    cells[i].text = text
                    if n == 0:
                        for run in cells[i].paragraphs[0].runs:
                            run.bold = True
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def to_pdf(markdown: str, meta: DocumentMeta, signers: Sequence[tuple[str, str]] = ()) -> tuple[bytes, Layout]:
    """The document as PDF/A-2b, and where each signer's box was laid out."""
    pdf = OfficialPdf(meta)
    pdf.add_page()
    sizes = {"h1": 15, "h2": 13, "h3": 11.5}
    for b in parse(markdown):
        if b.kind in sizes:
            pdf.ln(2)
            pdf.heading(b.text, int(b.kind[1]) - 1)
            pdf.set_font(FONT, "B", sizes[b.kind])
            pdf.multi_cell(0, 7, b.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif b.kind in ("bullet", "para"):
            pdf.set_font(FONT, size=10)
            text = ("- " if b.kind == "bullet" else "") + b.text
            pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif b.kind == "signatures":
            pdf.ln(2)
            pdf.signature_boxes(list(signers))
        else:
            pdf.set_font(FONT, size=8.5)
            width = max(len(r) for r in b.rows)
            widths = (2.2, *([1.0] * (width - 1)))  # the first column names the entity: give it room
            with pdf.table(first_row_as_headings=True, line_height=4.5, padding=1, col_widths=widths) as table:
                for r in b.rows:
                    row = table.row()
                    for text in r + [""] * (width - len(r)):
                        row.cell(text)
            pdf.ln(2)
    return pdf.bytes(), pdf.layout
