"""An acta ready to be signed: a CONAIG session where RREE casts a voto singular."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.stamp import TextStampStyle

from conaig_flow.app import App
from conaig_flow.clock import FixedClock
from conaig_flow.domain.actors import Actor
from conaig_flow.services.sessions import actas, voto_singular
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import votes as session_votes
from conaig_flow.signing.pades import stamp_font
from tests.pki import PASSWORD, LocalPki, serve_pki
from tests.session_kit import arrive, convened_session, lima, setup_people, voting_codes


@pytest.fixture(scope="session")
def pki() -> Iterator[LocalPki]:
    yield from serve_pki()


def trust_pki(app: App, pki: LocalPki, **settings: object) -> None:
    pki.write_root(app.settings.home / "confianza")
    if settings:
        app.settings = dataclasses.replace(app.settings, **settings)  # type: ignore[arg-type]


def root_asn1(pki: LocalPki) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(pki.root.cert.public_bytes(serialization.Encoding.DER))


def approved_session(app: App, clock: FixedClock, st: Actor | None = None, *, day: str = "2022-05-20",
                     convene_on: str = "2022-05-16T09:00") -> int:
    """A session of 11 members: RREE votes against with its grounds (a voto singular)."""
    st = st or setup_people(app)
    sid = convened_session(app, clock, st, day=day, others=("Informe de avance del primer trimestre",), convene_on=convene_on)
    codes = [*voting_codes(app)[:10], "RREE"]
    arrive(app, st, sid, codes, "09:50", day=day)
    session_attendance.open_session(app, st, sid, at=lima(f"{day}T10:00"))
    for code in codes:
        if code == "RREE":
            session_votes.vote(app, st, sid, 1, code, "against", singular=True, at=lima(f"{day}T10:30"))
        else:
            session_votes.vote(app, st, sid, 1, code, "for", at=lima(f"{day}T10:30"))
    session_votes.close(app, st, sid, at=lima(f"{day}T12:00"))
    voto_singular.hand_grounds(app, st, sid, 1, "RREE", "El informe omite la política exterior")
    actas.approve_acta(app, st, sid)
    return sid


def sign_outside(pdf: bytes, pki: LocalPki, who: str, field: str, tsa_url: str | None = None) -> bytes:
    """What a signer's own tool does with the prepared PDF: sign its empty field (pyHanko
    straight, not through conaig-flow), with a signature timestamp when given a TSA."""
    signer = signers.SimpleSigner.load_pkcs12_data(pki.p12(who), (), passphrase=PASSWORD.encode())
    style = TextStampStyle(stamp_text="Firmado digitalmente por %(signer)s\n%(ts)s",
                           text_box_style=TextBoxStyle(font=stamp_font()))
    out = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name=field, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"),
        signer=signer, stamp_style=style, timestamper=HTTPTimeStamper(tsa_url) if tsa_url else None,
    ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), existing_fields_only=True)
    return bytes(out.getvalue())
