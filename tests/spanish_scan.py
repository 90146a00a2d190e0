"""The Spanish scan: finds internal codes and English in what a person reads.

``findings(text, where)`` returns every slip in ``text`` (already reduced to what a person reads:
``visible_text`` for HTML, the extractors below for DOCX, PDF and XLSX). What counts as a slip:

- the **trigger names and state codes of every lifecycle**, read from ``workflows/lifecycles/*.yaml``
  (so a lifecycle added later is scanned too), the vote senses and session statuses, and the
  **role codes** (officer, secretariat, reviewer, member, admin, invited, system);
- **CLI flags** (``--reason``) anywhere but the CLI's own help and usage errors;
- **English framework strings** (``ENGLISH``) and click's type names in help (``TEXT``, ``INTEGER``…);
- **Spanish slips** the project decided against: «N.°», «n.°», «Nº» (the style is «N°», as Peruvian
  norms write «Ley N° 27444»); «alterno/a» (the capacity is written «alterno», like «titular»);
  a singular count with a plural noun («1 abstenciones»); an entity's name without its article
  («responsable de Ministerio de Salud»); a quorum «12 de 11 requeridos».

The whitelist, and why:

- Codes are matched as whole words, case-sensitively (codes are lower case; «Borrador» never
  collides with ``draft``), after removing e-mail addresses and URLs (``admin@conaig.gob.pe`` and
  ``/entregables/5/acciones/submit`` are addresses, not words).
- ``observe`` and ``opine`` are also Spanish (the subjunctive and the «usted» imperative of
  observar and opinar: «para que la Secretaría observe el informe», «opine sobre el enfoque»).
  They count as codes only where a code would be shown: in parentheses, quotes or «», after a
  colon, or in a comma-separated list next to another code («opine, observe, accept»).
- «Error» is the same word in Spanish (click's Spanish catalog keeps «Error:»), so it is not in
  the English list.
- The plan's own title «representantes alternos/as» is quoted from the approved plan; only the
  singular «alterno/a» (a capacity label) is a slip.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent

ROLE_CODES = frozenset({"officer", "secretariat", "reviewer", "member", "admin", "invited", "system"})
#: Other codes stored in the database: vote senses, session statuses, answers to contributions.
OTHER_CODES = frozenset({"against", "abstain", "convened", "cancelled", "planned", "accepted", "partly_accepted",
                         "not_accepted", "event", "consultation", "reminder"})
#: Words that are codes and also Spanish: flagged only in a code's context (see the docstring).
SPANISH_TOO = frozenset({"observe", "opine"})

ENGLISH = (
    "Not Found", "Internal Server Error", "Method Not Allowed", "Field required", "Show this message",
    "Usage:", "Options:", "Commands:", "Arguments:", "Try '", "Bad Request", "Forbidden", "Unauthorized",
    "Unprocessable", "Too Many Requests", "Payload Too Large", "Request Entity Too Large", "Traceback",
    "Missing option", "Missing argument", "No such", "Invalid value", "is not a valid", "Aborted!",
    "Please ", "Submit", "Click here", "Loading", "Sign in", "Log in", "Password", "Username",
    "value is not", "Input should", "detail",
)
#: Whole words of Python or JavaScript leaking into a page (``None``, ``undefined``…).
ENGLISH_WORDS = ("None", "True", "False", "null", "undefined", "NaN")
#: click's parameter types as metavars in help ("--as TEXT"); the CLI names them in Spanish.
CLICK_TYPES = ("TEXT", "INTEGER", "FLOAT", "BOOLEAN", "PATH", "FILENAME", "FILE", "UUID", "DATETIME", "CHOICE")


def lifecycle_codes() -> frozenset[str]:
    codes: set[str] = set()
    for path in sorted((REPO / "workflows" / "lifecycles").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        codes.update(s["name"] for s in data["states"])
        codes.update(t["trigger"] for t in data["transitions"])
        codes.add(data["kind"])
    return frozenset(codes)


CODES = lifecycle_codes() | ROLE_CODES | OTHER_CODES

_ADDRESSES = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://|/)[\w./?=&%#:~+-]*[\w/]")
_CODE = re.compile(r"(?<![\w-])(" + "|".join(sorted(CODES, key=len, reverse=True)) + r")(?![\w-])")
_FLAG = re.compile(r"(?<![\w-])--[a-z][\w-]*")
_NUMERO = re.compile(r"\b[Nn]\.\s?[°º]|\bn°|N\s?º|\bNro\.|\bnro\.")
_SLASH_ALTERNO = re.compile(r"\balterno/a\b|\balterna/o\b|\balterno\(a\)")
_ONE_PLURAL = re.compile(r"(?<![\d.,/-])\b1 ([a-záéíóúñ]{3,}s)\b")
_SINGULAR_S = frozenset({"mes", "más", "vez", "lunes", "martes", "miércoles", "jueves", "viernes", "análisis",
                         "tesis", "crisis", "virus", "paréntesis", "cumpleaños", "después", "inglés", "país",
                         "atrás", "interés", "través", "mes.", "antes", "apenas"})
_NO_ARTICLE = re.compile(
    r"\b(?:de|a|en|por|para)\s+(Ministerio|Poder Judicial|Instituto|Consejo|Jurado|Registro|Congreso|Tribunal|"
    r"Defensoría|Superintendencia|Organismo|Centro Nacional|Programa Nacional|Despacho)\b"
)
_QUORUM = re.compile(r"(\d+) de (\d+) requerid")


@dataclass(frozen=True)
class Finding:
    where: str
    what: str
    context: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what} — «…{self.context}…»"


def _context(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start - 60):end + 60].split())


def _code_context(text: str, start: int, end: int) -> bool:
    """Whether a word that is also Spanish stands where a code would be shown."""
    before, after = text[max(0, start - 2):start], text[end:end + 2]
    if before[-1:] in "(«\"'“[" or after[:1] in ")»\"'”]" or before.rstrip().endswith(":"):
        return True
    window = text[max(0, start - 30):end + 30]
    others = [m for m in _CODE.finditer(window) if m.group(1) not in SPANISH_TOO]
    return bool(others) and "," in window


def findings(text: str, where: str, *, cli_help: bool = False, allowed: frozenset[str] = frozenset()) -> list[Finding]:
    """Every slip in ``text``; ``cli_help``: the text is the CLI's help or a usage error, where
    naming options (``--as``) is right; ``allowed``: words that are not codes there (the CLI's
    own command names, e.g. «conaig consultation»)."""
    found: list[Finding] = []
    plain = _ADDRESSES.sub(lambda m: " " * len(m.group(0)), text)
    for m in _CODE.finditer(plain):
        word = m.group(1)
        if word in allowed:
            continue
        if word in SPANISH_TOO and not _code_context(plain, m.start(), m.end()):
            continue
        found.append(Finding(where, f"código interno «{word}»", _context(text, m.start(), m.end())))
    if not cli_help:
        for m in _FLAG.finditer(plain):
            found.append(Finding(where, f"opción de la CLI «{m.group(0)}»", _context(text, m.start(), m.end())))
    for phrase in ENGLISH:
        for m in re.finditer(re.escape(phrase), text):
            found.append(Finding(where, f"inglés «{phrase}»", _context(text, m.start(), m.end())))
    for word in ENGLISH_WORDS:
        for m in re.finditer(rf"(?<![\w-]){word}(?![\w-])", plain):
            found.append(Finding(where, f"inglés «{word}»", _context(text, m.start(), m.end())))
    if cli_help:
        for word in CLICK_TYPES:
            for m in re.finditer(rf"(?<![\w-]){word}(?![\w-])", text):
                found.append(Finding(where, f"tipo de click «{word}»", _context(text, m.start(), m.end())))
    for m in _NUMERO.finditer(text):
        found.append(Finding(where, f"abreviatura «{m.group(0)}» (el estilo es «N°»)", _context(text, m.start(), m.end())))
    for m in _SLASH_ALTERNO.finditer(text):
        found.append(Finding(where, f"«{m.group(0)}» (se escribe «alterno»)", _context(text, m.start(), m.end())))
    for m in _ONE_PLURAL.finditer(text):
        if m.group(1) not in _SINGULAR_S:
            found.append(Finding(where, f"plural tras 1: «1 {m.group(1)}»", _context(text, m.start(), m.end())))
    for m in _NO_ARTICLE.finditer(text):
        found.append(Finding(where, f"falta el artículo: «{m.group(0)}»", _context(text, m.start(), m.end())))
    for m in _QUORUM.finditer(text):
        if int(m.group(1)) > int(m.group(2)):
            found.append(Finding(where, f"«{m.group(0)}»", _context(text, m.start(), m.end())))
    return found


class _Visible(HTMLParser):
    """The text of a page a person reads or hears: text nodes (not scripts or styles) and the
    attributes shown or read aloud (alt, title, aria-label, placeholder, a button's value)."""

    SKIP = frozenset({"script", "style", "template"})
    SHOWN = ("alt", "title", "aria-label", "placeholder", "aria-description")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
            return
        values = dict(attrs)
        for name in self.SHOWN:
            if values.get(name):
                self.parts.append(f"\n{values[name]}\n")
        if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
            self.parts.append(f"\n{values['value']}\n")
        if tag in ("p", "div", "li", "tr", "td", "th", "br", "h1", "h2", "h3", "h4", "option", "label", "dt", "dd"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in ("td", "th", "p", "li", "div", "option", "label", "button", "a", "span", "dt", "dd"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return re.sub(r"[ \t]*\n\s*", "\n", "".join(parser.parts))


def docx_text(content: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    for section in doc.sections:
        parts.extend(p.text for p in section.header.paragraphs)
        parts.extend(p.text for p in section.footer.paragraphs)
    parts.append(doc.core_properties.title or "")
    return "\n".join(parts)


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    title = str((reader.metadata or {}).get("/Title") or "")
    return "\n".join([title, *(page.extract_text() or "" for page in reader.pages)])


def xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content), read_only=True)
    parts: list[str] = []
    for ws in wb.worksheets:
        parts.append(ws.title)
        for row in ws.iter_rows(values_only=True):
            parts.append(" | ".join("" if v is None else str(v) for v in row))
    return "\n".join(parts)


def readable(content_type: str, body: bytes) -> str | None:
    """What a person reads in a response, by its type; None for what is meant for programs
    (JSON, CSV open data, images, the PDFs and files people uploaded are scanned as documents)."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "text/html":
        return visible_text(body.decode("utf-8", "replace"))
    if kind in ("text/plain", "text/markdown"):
        return body.decode("utf-8", "replace")
    if kind == "application/pdf":
        return pdf_text(body)
    if kind.endswith("wordprocessingml.document"):
        return docx_text(body)
    if kind.endswith("spreadsheetml.sheet"):
        return xlsx_text(body)
    if kind == "text/calendar":
        text = body.decode("utf-8", "replace").replace("\r\n ", "")
        return "\n".join(line.split(":", 1)[1] for line in text.splitlines()
                         if line.split(";")[0].split(":")[0] in ("SUMMARY", "DESCRIPTION", "LOCATION"))
    return None
