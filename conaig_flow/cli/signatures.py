"""Signing actas (PAdES), verifying signed PDFs and the audit checkpoints:
``conaig session prepare-signing|sign|signing-copy|upload-signed|archive|signers``,
``conaig document verify`` and ``conaig audit checkpoint|export``."""

from __future__ import annotations

from pathlib import Path

import click

from conaig_flow.cli.context import CliContext, pass_cli
from conaig_flow.cli.output import table
from conaig_flow.errors import InvalidInput
from conaig_flow.i18n import fecha_hora
from conaig_flow.services import users
from conaig_flow.services.sessions import signing as acta_signing
from conaig_flow.services.sessions.signing import SigningState
from conaig_flow.signing.verify import SignatureReport

AS = click.option("--as", "email", required=True, help="Correo del usuario de la Secretaría Técnica que actúa.")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"No se puede leer «{path}»: {exc.strerror}.") from None


def write_file(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise InvalidInput(f"No se puede escribir «{path}»: {exc.strerror}.") from None


def _echo_state(st: SigningState) -> None:
    state = "firmada por todos" if st.acta_state == "signed" else "con firmas pendientes"
    click.echo(f"{st.acta_code}: {state}." + (f" Punto de control de auditoría {st.checkpoint}." if st.checkpoint else ""))
    click.echo(table(["Clave", "Firma como", "Firmado por"],
                     [[s.key, s.caption, name or "(pendiente)"] for s, name in st.signers]))
    if st.archive.message:
        click.echo(st.archive.message)


@click.command("prepare-signing")
@click.argument("sid", type=int)
@AS
@pass_cli
def prepare_signing(c: CliContext, sid: int, email: str) -> None:
    """Preparar el acta aprobada para su firma digital (PDF/A con un recuadro por firmante)."""
    _echo_state(acta_signing.prepare(c.app, users.actor_for(c.app, email), sid))


@click.command("sign")
@click.argument("sid", type=int)
@click.option("--p12", "p12", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Archivo PKCS#12 (.p12/.pfx) con el certificado y la clave de quien firma.")
@click.option("--como", "slot", metavar="CLAVE", help="Lugar de firma (ver «conaig session signers»); por defecto, el que corresponde al certificado.")
@AS
@pass_cli
def sign(c: CliContext, sid: int, p12: Path, slot: str | None, email: str) -> None:
    """Firmar el acta con un certificado digital (PAdES); la contraseña se pide y no se guarda."""
    data = _read(p12)
    password = click.prompt("Contraseña del certificado", hide_input=True, default="", show_default=False)
    st = acta_signing.sign_with_pkcs12(c.app, users.actor_for(c.app, email), sid, data, password or None, slot_key=slot)
    click.echo("Firma aceptada.")
    _echo_state(st)


@click.command("signing-copy")
@click.argument("sid", type=int)
@click.argument("slot", metavar="CLAVE")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Archivo de salida.")
@AS
@pass_cli
def signing_copy(c: CliContext, sid: int, slot: str, out: Path | None, email: str) -> None:
    """El acta preparada para firmarla con una herramienta propia (Firma Perú, DNIe)."""
    name, content = acta_signing.prepare_external(c.app, users.actor_for(c.app, email), sid, slot)
    target = out or Path(name)
    write_file(target, content)
    click.echo(f"Documento para firmar escrito en {target}: fírmelo sin modificarlo y súbalo con «conaig session upload-signed».")


@click.command("upload-signed")
@click.argument("sid", type=int)
@click.argument("slot", metavar="CLAVE")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@AS
@pass_cli
def upload_signed(c: CliContext, sid: int, slot: str, file: Path, email: str) -> None:
    """Registrar el acta firmada fuera de la aplicación (el documento preparado más una firma)."""
    st = acta_signing.accept_external(c.app, users.actor_for(c.app, email), sid, slot, _read(file))
    click.echo("Firma aceptada.")
    _echo_state(st)


@click.command("archive")
@click.argument("sid", type=int)
@AS
@pass_cli
def archive(c: CliContext, sid: int, email: str) -> None:
    """Volver a intentar la copia de archivo (PAdES B-LTA) del acta firmada por todos."""
    from conaig_flow.services.sessions import acta_archive

    st = acta_archive.retry(c.app, users.actor_for(c.app, email), sid)
    click.echo(st.message or "")
    if st.level != acta_archive.LTA:
        raise click.exceptions.Exit(1)


@click.command("signers")
@click.argument("sid", type=int)
@pass_cli
def signers(c: CliContext, sid: int) -> None:
    """Quiénes firman el acta y quiénes ya firmaron."""
    _echo_state(acta_signing.state(c.app, sid))


@click.group("document")
def document_group() -> None:
    """Documentos firmados digitalmente."""


def print_reports(reports: list[SignatureReport]) -> None:
    for n, r in enumerate(reports, start=1):
        click.echo(f"Firma {n}: {r.verdict} — {r.reason}.")
        click.echo(f"  Firmante: {r.signer}")
        click.echo(f"  Certificado: {r.subject}")
        click.echo(f"  Emisor: {r.issuer}")
        when = fecha_hora(r.signed_at) if r.signed_at else "no declarada"
        click.echo(f"  Fecha de firma: {when}" + (f"; sello de tiempo: {fecha_hora(r.timestamp_at)}" if r.timestamp_at else ""))
        click.echo(f"  Nivel: PAdES {r.level}; campo «{r.field}»" + (
            f"; sello de tiempo de archivo: {fecha_hora(r.archive_timestamp_at)}" if r.archive_timestamp_at else ""))
        click.echo("  Documento modificado después de esta firma: " + (
            "sí, con cambios no permitidos" if r.modified_after else
            "no" if r.covers_whole_file else "solo con firmas o datos de validación posteriores"))


@document_group.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
@pass_cli
def document_verify(c: CliContext, file: Path, as_json: bool) -> None:
    """Verificar cada firma digital de un PDF (VÁLIDO / NO VÁLIDO / INDETERMINADO, con el motivo)."""
    reports = acta_signing.verify_document(c.app, _read(file))
    if as_json or c.as_json:
        c.emit_json([r.to_json() for r in reports])
    elif not reports:
        click.echo("El documento no tiene firmas digitales.")
    else:
        print_reports(reports)
    if not reports or any(r.verdict != "VÁLIDO" for r in reports):
        raise click.exceptions.Exit(1)
