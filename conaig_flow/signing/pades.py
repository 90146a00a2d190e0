"""Signing a PDF as an incremental update (earlier revisions and signatures stay as they
were), with a visible stamp in the box the document reserves for the signer."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import Any

from asn1crypto import x509
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.stamp import TextStampStyle

from conaig_flow.errors import InvalidInput
from conaig_flow.rendering.pdfa import FONT_FILE


@dataclass(frozen=True)
class Placement:
    field: str  # the signature field's name: "firma-secretariat"
    page: int
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class LoadedSigner:
    signer: signers.SimpleSigner
    certificate: x509.Certificate


def load_pkcs12(data: bytes, password: str | None) -> LoadedSigner:
    """The certificate and key of a PKCS#12 file (kept in memory for one signature only)."""
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(data, (), passphrase=password.encode("utf-8") if password else None)
    except ValueError:
        raise InvalidInput(
            "No se pudo abrir el archivo PKCS#12: la contraseña no es la correcta o el archivo no "
            "es un certificado con su clave (.p12 / .pfx)."
        ) from None
    cert = signer.signing_cert
    if cert is None:
        raise InvalidInput("El archivo PKCS#12 no contiene un certificado de firma.")
    return LoadedSigner(signer, cert)


class EmbeddedFont(GlyphAccumulatorFactory):
    """pyHanko's OpenType engine (the font embedded and subset, as PDF/A asks) reading the
    font from memory: its own factory opens the file and never closes it."""

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer, font_handle=io.BytesIO(_font_bytes()), font_size=self.font_size,
            bcp47_lang_code="es-PE", obj_stream=obj_stream,
        )


@functools.cache
def _font_bytes() -> bytes:
    return FONT_FILE.read_bytes()


def stamp_font() -> EmbeddedFont:
    return EmbeddedFont(str(FONT_FILE), font_size=7)


def _stamp_style() -> TextStampStyle:
    font = stamp_font()
    return TextStampStyle(
        stamp_text="%(texto)s", border_width=1,
        text_box_style=TextBoxStyle(font=font, font_size=7),
    )


def existing_fields(pdf: bytes) -> set[str]:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return {name for name, _, _ in fields.enumerate_sig_fields(reader)}


def sign(
    pdf: bytes, loaded: LoadedSigner, place: Placement, *, stamp_text: str, reason: str, location: str,
    tsa_url: str | None = None,
) -> bytes:
    """``pdf`` plus one revision holding the signature (PAdES B-B; B-T with a TSA)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=place.field, reason=reason, location=location, md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES, use_pades_lta=False,
    )
    spec = None
    if place.field not in existing_fields(pdf):
        spec = fields.SigFieldSpec(place.field, on_page=place.page, box=place.box)
    timestamper = HTTPTimeStamper(tsa_url) if tsa_url else None
    pdf_signer = signers.PdfSigner(
        meta, signer=loaded.signer, timestamper=timestamper, stamp_style=_stamp_style(), new_field_spec=spec,
    )
    out = pdf_signer.sign_pdf(writer, appearance_text_params={"texto": stamp_text.replace("%", "%%")})
    return bytes(out.getvalue())


def prepare(pdf: bytes, place: Placement) -> bytes:
    """``pdf`` with an empty signature field at the signer's box, for an outside tool to sign."""
    if place.field in existing_fields(pdf):
        return pdf
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    fields.append_signature_field(writer, fields.SigFieldSpec(place.field, on_page=place.page, box=place.box))
    buffer = io.BytesIO()
    writer.write(buffer)  # type: ignore[no-untyped-call]
    return buffer.getvalue()
