"""PDF/A-2b structure and metadata checks we can run here (veraPDF is not available), with
pikepdf: no encryption; XMP metadata with pdfaid part 2 / conformance B, title, language and
author; an OutputIntent GTS_PDFA1 with an embedded ICC profile; every font used by a page or
by an annotation's appearance (the signature stamps) embedded; every annotation with an
appearance stream."""

from __future__ import annotations

import io
from typing import Any

import pikepdf


def _fonts(resources: Any, seen: set[int], out: list[Any]) -> None:
    if resources is None:
        return
    fonts = resources.get("/Font")
    if fonts is not None:
        for _, font in fonts.items():
            if font.objgen not in seen:
                seen.add(font.objgen)
                out.append(font)
    xobjects = resources.get("/XObject")
    if xobjects is not None:
        for _, xo in xobjects.items():
            if xo.objgen in seen:
                continue
            seen.add(xo.objgen)
            if xo.get("/Subtype") == "/Form":
                _fonts(xo.get("/Resources"), seen, out)


def _embedded(font: Any) -> bool:
    if font.get("/Subtype") == "/Type0":
        return all(_embedded(d) for d in font["/DescendantFonts"])
    desc = font.get("/FontDescriptor")
    return desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def check_pdfa(content: bytes, *, title: str, author: str | None = None) -> dict[str, str]:
    """Assert the checks; return the XMP values read (for the caller's own assertions)."""
    with pikepdf.open(io.BytesIO(content)) as pdf:
        assert not pdf.is_encrypted, "PDF/A forbids encryption"
        with pdf.open_metadata() as meta:
            values = {k: str(meta.get(k, "")) for k in ("pdfaid:part", "pdfaid:conformance", "dc:title", "dc:creator",
                                                        "dc:language", "pdf:Producer", "xmp:CreatorTool")}
        assert values["pdfaid:part"] == "2" and values["pdfaid:conformance"] == "B", values
        assert title in values["dc:title"], values
        assert "es" in values["dc:language"] or str(pdf.Root.get("/Lang")) == "es-PE", values
        assert str(pdf.Root.get("/Lang")) == "es-PE"
        if author is not None:
            assert author in values["dc:creator"], values
        for bad in ("python-docx", "PyFPDF", "fpdf2 "):
            assert bad not in values["dc:creator"] and bad not in values["xmp:CreatorTool"], values
        intents = pdf.Root.get("/OutputIntents")
        assert intents is not None and len(intents) >= 1
        intent = intents[0]
        assert intent["/S"] == "/GTS_PDFA1"
        icc = intent["/DestOutputProfile"].read_bytes()
        assert icc[36:40] == b"acsp", "the OutputIntent's profile is not an ICC profile"
        fonts: list[Any] = []
        seen: set[int] = set()
        for page in pdf.pages:
            _fonts(page.get("/Resources"), seen, fonts)
            for annot in page.get("/Annots", []):
                if annot.get("/Subtype") == "/Widget" and annot.get("/Rect") is not None:
                    rect = [float(v) for v in annot["/Rect"]]
                    if rect[2] - rect[0] > 0 and rect[3] - rect[1] > 0:
                        assert "/AP" in annot, "a visible annotation without an appearance stream"
                ap = annot.get("/AP")
                if ap is not None and ap.get("/N") is not None and isinstance(ap["/N"], pikepdf.Stream):
                    _fonts(ap["/N"].get("/Resources"), seen, fonts)
        assert fonts, "no fonts found"
        for font in fonts:
            assert _embedded(font), f"font not embedded: {font.get('/BaseFont')}"
        return values
