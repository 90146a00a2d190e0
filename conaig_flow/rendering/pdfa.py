"""PDF/A-2b documents of the commission (fpdf2): letterhead, page numbers, the footer of a
digitally signed public document, metadata, and the boxes reserved for the signatures.

fpdf2 writes PDF/A-2b itself when asked (``enforce_compliance``): the XMP packet with
``pdfaid:part``/``pdfaid:conformance``, an OutputIntent with the sRGB ICC profile it ships, and
it refuses what PDF/A forbids (non-embedded core fonts, encryption). The text font is DejaVu
Sans, which matplotlib already ships, embedded and subset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fpdf import FPDF
from fpdf.prefs import ViewerPreferences

from conaig_flow.i18n import articulo
from conaig_flow.rendering.reports.fonts import fonts_dir

FONT = "DejaVu"
FONTS_DIR = fonts_dir()
FONT_FILE = FONTS_DIR / "DejaVuSans.ttf"
COMPLIANCE = "PDF/A-2B"
PT_PER_MM = 72 / 25.4

#: The note that a digitally signed public document carries at its foot (D.S. N° 070-2013-PCM,
#: art. 25; D.S. N° 026-2016-PCM, Tercera Disposición Complementaria Final).
SIGNED_FOOTER = (
    "Documento electrónico firmado digitalmente en el marco de la Ley N° 27269, Ley de Firmas y "
    "Certificados Digitales, y su Reglamento (D.S. N° 052-2008-PCM). Esta es una copia auténtica "
    "imprimible de un documento electrónico archivado en {article}{entity}, aplicando lo dispuesto por el "
    "art. 25 del D.S. N° 070-2013-PCM y la Tercera Disposición Complementaria Final del D.S. "
    "N° 026-2016-PCM. Su autenticidad e integridad pueden ser contrastadas en {url}"
)


@dataclass(frozen=True)
class Letterhead:
    entity: str  # MINISTERIO DE LA MUJER Y POBLACIONES VULNERABLES
    unit: str  # Dirección General de Igualdad de Género y no Discriminación
    role: str  # Secretaría Técnica de la CONAIG
    year_name: str | None = None  # «Año del Fortalecimiento de la Soberanía Nacional»


@dataclass(frozen=True)
class DocumentMeta:
    title: str
    author: str
    subject: str
    letterhead: Letterhead
    created_at: datetime
    verify_url: str
    keywords: str = ""
    #: the audit checkpoint this document vouches for: "N° 12 · 3F2A-9C01-77B4-D2E8"
    audit_root: str | None = None


@dataclass(frozen=True)
class SignatureSlot:
    """A signer's place in the document, as laid out: ``box`` in PDF points from the page's
    lower-left corner (x1, y1, x2, y2), ``page`` from 0."""

    key: str
    caption: str  # "Secretaría Técnica — DGIGND"
    page: int = 0
    box: tuple[int, int, int, int] = (0, 0, 0, 0)


@dataclass
class Layout:
    slots: list[SignatureSlot] = field(default_factory=list)


class OfficialPdf(FPDF):
    """An A4 PDF/A-2b page set with the letterhead on every page and the footer."""

    def __init__(self, meta: DocumentMeta) -> None:
        super().__init__(format="A4", enforce_compliance=COMPLIANCE)
        self.meta = meta
        self.add_font(FONT, "", FONTS_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONTS_DIR / "DejaVuSans-Bold.ttf")
        self.add_font(FONT, "I", FONTS_DIR / "DejaVuSans-Oblique.ttf")
        self.set_title(meta.title)
        self.set_author(meta.author)
        self.set_subject(meta.subject)
        self.set_keywords(meta.keywords or meta.subject)
        self.set_creator("conaig-flow")
        self.set_producer("conaig-flow (fpdf2)")
        self.set_lang("es-PE")
        # a reader shows the document's title, not its file name (PDF/UA 7.1; WCAG PDF18)
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)
        self.set_creation_date(meta.created_at)
        self.set_margins(20, 34, 20)
        self.set_auto_page_break(True, margin=30)
        self.layout = Layout()

    def header(self) -> None:
        lh = self.meta.letterhead
        self.set_y(10)
        self.set_font(FONT, "B", 9)
        self.cell(0, 4.5, lh.entity.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 8)
        self.cell(0, 4, lh.unit, align="C", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 4, lh.role, align="C", new_x="LMARGIN", new_y="NEXT")
        if lh.year_name:
            self.set_font(FONT, "I", 7.5)
            self.cell(0, 4, f"«{lh.year_name}»", align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(120, 120, 120)
        self.set_line_width(0.2)
        self.line(self.l_margin, 30, self.w - self.r_margin, 30)
        self.set_y(34)

    def footer(self) -> None:
        self.set_y(-27)
        self.set_draw_color(120, 120, 120)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1)
        self.set_font(FONT, "", 6)
        note = SIGNED_FOOTER.format(article=articulo(self.meta.letterhead.entity), entity=self.meta.letterhead.entity,
                                    url=self.meta.verify_url)
        if self.meta.audit_root:
            note += f". Punto de control de auditoría {self.meta.audit_root}."
        self.multi_cell(0, 2.8, note, align="J", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 7)
        self.cell(0, 4, f"{self.meta.title} — página {self.page_no()} de {{nb}}", align="C")

    def signature_boxes(self, slots: list[tuple[str, str]]) -> None:
        """Reserve a box per signer (two per row) and record where each is."""
        width, height, gap = (self.epw - 8) / 2, 30.0, 8.0
        for n, (key, caption) in enumerate(slots):
            col = n % 2
            if col == 0 and self.get_y() + height + 8 > self.page_break_trigger:
                self.add_page()
            x = self.l_margin + col * (width + gap)
            y = self.get_y()
            self.set_draw_color(150, 150, 150)
            self.set_line_width(0.2)
            self.rect(x, y, width, height)
            self.set_font(FONT, "", 7)
            self.set_xy(x, y + height + 0.5)
            self.multi_cell(width, 3.2, caption, align="C")
            box = (
                round(x * PT_PER_MM), round((self.h - y - height) * PT_PER_MM),
                round((x + width) * PT_PER_MM), round((self.h - y) * PT_PER_MM),
            )
            self.layout.slots.append(SignatureSlot(key, caption, self.page_no() - 1, box))
            if col == 1 or n == len(slots) - 1:
                self.set_xy(self.l_margin, y + height + 9)
            else:
                self.set_xy(x + width + gap, y)

    def heading(self, text: str, level: int) -> None:
        """Record a heading in the document outline (bookmarks), so a reader can move through
        the document by its headings; the heading itself is drawn by the caller."""
        current = self._outline[-1].level if self._outline else -1
        self.start_section(text, level=min(level, current + 1))

    def bytes(self) -> bytes:
        return bytes(self.output())
