"""Signatures refused with a clear Spanish message, nothing changed: a certificate of no one
in the signer set, revoked, expired or from an unknown CA (verdict stated); an upload that
changed the content, adds two signatures, signs another session's acta or is by another
entity; and ``conaig document verify`` on each of those files."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pikepdf
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from sqlalchemy import func, select

from conaig_flow.app import App
from conaig_flow.clock import FixedClock
from conaig_flow.errors import SignatureRefused
from conaig_flow.services.sessions import actas
from conaig_flow.services.sessions import signing as acta_signing
from conaig_flow.services.sessions import views as session_views
from conaig_flow.signing import pades
from conaig_flow.store.tables_signatures import PdfSignatureRow
from tests.conftest import run_cli
from tests.pki import PASSWORD, LocalPki
from tests.session_kit import setup_people
from tests.signing_kit import approved_session, pki, sign_outside, trust_pki

__all__ = ["pki"]


def _signatures(app: App) -> int:
    with app.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(PdfSignatureRow.__table__)).scalar() or 0)  # type: ignore[attr-defined]


def _unchanged(app: App, sid: int, pdf_before: bytes, count: int) -> None:
    assert _signatures(app) == count
    assert actas.document(app, sid, "acta", "pdf")[1] == pdf_before
    assert session_views.session_record(app, sid).acta_state == "approved"


@pytest.fixture
def ready(sqlite_app: App, clock: FixedClock, pki: LocalPki) -> tuple[App, int]:
    trust_pki(sqlite_app, pki)
    st = setup_people(sqlite_app)
    sid = approved_session(sqlite_app, clock, st)
    acta_signing.prepare(sqlite_app, st, sid)
    acta_signing.sign_with_pkcs12(sqlite_app, st, sid, pki.p12("secretaria"), PASSWORD)
    return sqlite_app, sid


ST = "st@example.pe"


@pytest.mark.parametrize(("who", "message"), [
    ("minsa", "no corresponde a nadie que deba firmar el ACTA N° 001-2022-CONAIG (Ley N° 27444, art. 102)"),
    ("revocada", "no se acepta: NO VÁLIDO — el certificado del firmante fue revocado"),
    ("vencida", "no se acepta: INDETERMINADO — el certificado del firmante estaba vencido"),
    ("desconocida", "no se acepta: INDETERMINADO — el certificado no fue emitido por una entidad de certificación de confianza"),
])
def test_a_certificate_outside_the_signer_set_or_not_valid_is_refused_and_nothing_changes(
    ready: tuple[App, int], pki: LocalPki, who: str, message: str,
) -> None:
    app, sid = ready
    from conaig_flow.services import users

    st = users.actor_for(app, ST)
    before = actas.document(app, sid, "acta", "pdf")[1]
    with pytest.raises(SignatureRefused, match=re.escape(message)):
        acta_signing.sign_with_pkcs12(app, st, sid, pki.p12(who), PASSWORD)
    _unchanged(app, sid, before, 1)


def test_uploads_that_change_the_content_add_two_signatures_or_come_from_another_entity_are_refused(
    ready: tuple[App, int], pki: LocalPki, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    app, sid = ready
    from conaig_flow.services import users

    st = users.actor_for(app, ST)
    before = actas.document(app, sid, "acta", "pdf")[1]
    _, copy = acta_signing.prepare_external(app, st, sid, "member:RREE")

    with pikepdf.open(io.BytesIO(copy)) as pdf:  # the text of the acta changed, then signed
        pdf.Root.Lang = pikepdf.String("en-US")
        edited = io.BytesIO()
        pdf.save(edited)
    changed = sign_outside(edited.getvalue(), pki, "rree", "firma-member-rree")
    with pytest.raises(SignatureRefused, match="no es el ACTA N° 001-2022-CONAIG preparado más una firma: su contenido cambió"):
        acta_signing.accept_external(app, st, sid, "member:RREE", changed)

    once = sign_outside(copy, pki, "rree", "firma-member-rree")
    twice = pades.sign(once, pades.load_pkcs12(pki.p12("mindef"), PASSWORD), pades.Placement("otra", 0, (20, 20, 200, 80)),
                       stamp_text="otra firma", reason="prueba", location="Lima")
    with pytest.raises(SignatureRefused, match="exactamente una firma nueva sobre el ACTA N° 001-2022-CONAIG; trae 2"):
        acta_signing.accept_external(app, st, sid, "member:RREE", twice)

    by_other = sign_outside(copy, pki, "mindef", "firma-member-rree")
    with pytest.raises(SignatureRefused, match=r"no es de Ministerio de Relaciones Exteriores \(RREE\)"):
        acta_signing.accept_external(app, st, sid, "member:RREE", by_other)

    writer = IncrementalPdfFileWriter(io.BytesIO(once))  # a change appended after the signature
    writer.root["/Lang"] = generic.TextStringObject("en-US")
    writer.update_root()
    appended = io.BytesIO()
    writer.write(appended)
    with pytest.raises(SignatureRefused, match="cambios añadidos después de la nueva firma"):
        acta_signing.accept_external(app, st, sid, "member:RREE", appended.getvalue())
    _unchanged(app, sid, before, 1)

    # conaig document verify: the verdict of each file
    home = str(app.settings.home)
    files = {"valido": once, "dos": twice, "modificado": appended.getvalue(), "revocado": pades.sign(
        copy, pades.load_pkcs12(pki.p12("revocada"), PASSWORD), pades.Placement("firma-member-rree", 0, (0, 0, 0, 0)),
        stamp_text="x", reason="x", location="Lima")}
    for name, content in files.items():
        (tmp_path / f"{name}.pdf").write_bytes(content)
    code, out, _ = run_cli(["--home", home, "--db", app.settings.db_url, "document", "verify", str(tmp_path / "valido.pdf")], capsys)
    assert code == 0 and out.count(": VÁLIDO — ") == 2 and "JORGE LUIS CASTRO VEGA" in out and "Emisor: " in out
    code, out, _ = run_cli(["--home", home, "--db", app.settings.db_url, "document", "verify", str(tmp_path / "revocado.pdf")], capsys)
    assert code == 1 and "Firma 2: NO VÁLIDO — el certificado del firmante fue revocado" in out
    code, out, _ = run_cli(["--home", home, "--db", app.settings.db_url, "--json", "document", "verify", str(tmp_path / "dos.pdf")], capsys)
    data = json.loads(out)
    assert code == 0 and [d["veredicto"] for d in data] == ["VÁLIDO"] * 3 and data[2]["firmante"] == "CARLA INÉS ROJAS DÍAZ"
    code, out, _ = run_cli(["--home", home, "--db", app.settings.db_url, "document", "verify", str(tmp_path / "modificado.pdf")], capsys)
    assert code == 1 and "Firma 2: NO VÁLIDO — el documento tuvo cambios no permitidos después de esta firma" in out
    assert "Documento modificado después de esta firma: sí, con cambios no permitidos" in out
    (tmp_path / "roto.pdf").write_bytes(once[:-2000])
    code, _, err = run_cli(["--home", home, "--db", app.settings.db_url, "document", "verify", str(tmp_path / "roto.pdf")], capsys)
    assert code != 0 and "Error:" in err


def test_a_signature_over_another_sessions_acta_is_refused(ready: tuple[App, int], clock: FixedClock, pki: LocalPki) -> None:
    app, sid = ready
    from conaig_flow.services import users

    st = users.actor_for(app, ST)
    other = approved_session(app, clock, st, day="2022-06-17", convene_on="2022-06-13T09:00")
    acta_signing.prepare(app, st, other)
    _, copy_other = acta_signing.prepare_external(app, st, other, "member:RREE")
    acta_signing.prepare_external(app, st, sid, "member:RREE")
    before = actas.document(app, sid, "acta", "pdf")[1]
    signed_other = sign_outside(copy_other, pki, "rree", "firma-member-rree")
    with pytest.raises(SignatureRefused, match="es el ACTA N° 002-2022-CONAIG, no el ACTA N° 001-2022-CONAIG"):
        acta_signing.accept_external(app, st, sid, "member:RREE", signed_other)
    _unchanged(app, sid, before, 1)


def test_a_signer_who_already_signed_is_refused(ready: tuple[App, int], pki: LocalPki) -> None:
    app, sid = ready
    from conaig_flow.services import users

    before = actas.document(app, sid, "acta", "pdf")[1]
    with pytest.raises(SignatureRefused, match="ya firmó el ACTA N° 001-2022-CONAIG"):
        acta_signing.sign_with_pkcs12(app, users.actor_for(app, ST), sid, pki.p12("secretaria"), PASSWORD)
    _unchanged(app, sid, before, 1)


def test_the_cli_signs_with_a_pkcs12_asking_for_its_password_and_lists_the_signers(
    ready: tuple[App, int], pki: LocalPki, tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from conaig_flow.cli import cli

    app, sid = ready
    p12 = tmp_path / "presidencia.p12"
    p12.write_bytes(pki.p12("presidencia"))
    base = ["--home", str(app.settings.home), "--db", app.settings.db_url]
    result = CliRunner().invoke(cli, [*base, "session", "sign", str(sid), "--p12", str(p12), "--as", ST], input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Firma aceptada." in result.output and "ROSA ELENA PAREDES SOTO" in result.output and PASSWORD not in result.output
    listing = CliRunner().invoke(cli, [*base, "session", "signers", str(sid)])
    assert "member:RREE" in listing.output and "(pendiente)" in listing.output and "con firmas pendientes" in listing.output
