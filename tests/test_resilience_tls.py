"""SMTP over STARTTLS and over implicit TLS, against aiosmtpd with a certificate from a test
authority made here; a certificate from another authority is refused with a clear error and
the message stays in the outbox."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.notify import outbox as ob
from conaig_flow.notify.dispatch import dispatch
from tests.notify_helpers import bulk_messages
from tests.smtp_capture import SmtpCapture
from tests.tls_certs import Authority, authority, server_context


@pytest.fixture(scope="module")
def trusted() -> Authority:
    return authority("conaig")


@pytest.fixture(scope="module")
def stranger() -> Authority:
    return authority("desconocida")


def _server(mode: str, ca: Authority, folder: Path) -> SmtpCapture:
    context = server_context(ca, folder)
    if mode == "implicit":
        return SmtpCapture(ssl_context=context)
    return SmtpCapture(tls_context=context, require_starttls=True, auth_require_tls=True)


@pytest.fixture
def tls_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, SmtpCapture]]:
    mode, who = request.param
    ca = request.getfixturevalue(who)
    server = _server(mode, ca, tmp_path)
    server.start()
    try:
        yield mode, server
    finally:
        server.stop()


def _use_tls(app: App, server: SmtpCapture, mode: str, ca_file: Path) -> None:
    app.settings = dataclasses.replace(
        app.settings, smtp_host="127.0.0.1", smtp_port=server.port, smtp_tls=mode, smtp_timeout=10.0,
        smtp_ca_file=ca_file,
    )


@pytest.mark.parametrize("tls_server", [("starttls", "trusted"), ("implicit", "trusted")], indirect=True)
def test_messages_go_out_over_tls_to_a_server_whose_certificate_the_configured_authority_signed(
    sqlite_app: App, tls_server: tuple[str, SmtpCapture], trusted: Authority, tmp_path: Path
) -> None:
    mode, server = tls_server
    bulk_messages(sqlite_app, 3)
    _use_tls(sqlite_app, server, mode, trusted.pem(tmp_path))
    report = dispatch(sqlite_app)
    assert (report.sent, report.errors) == (3, [])
    assert sorted(r.key for r in server.received) == ["carga:0", "carga:1", "carga:2"]  # STARTTLS was required
    assert ob.counts(sqlite_app) == {"sent": 3}


@pytest.mark.parametrize("tls_server", [("starttls", "stranger"), ("implicit", "stranger")], indirect=True)
def test_a_server_certificate_from_another_authority_is_refused_and_the_message_stays_pending(
    sqlite_app: App, tls_server: tuple[str, SmtpCapture], trusted: Authority, tmp_path: Path
) -> None:
    mode, server = tls_server
    bulk_messages(sqlite_app, 1)
    _use_tls(sqlite_app, server, mode, trusted.pem(tmp_path))
    report = dispatch(sqlite_app)
    assert report.sent == 0 and report.retried == 1
    assert server.received == []
    (row,) = ob.list_outbox(sqlite_app)
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error is not None
    assert f"certificado TLS del servidor de correo 127.0.0.1:{server.port} rechazado" in row.last_error
    assert "no se envió nada" in row.last_error


@pytest.mark.parametrize("tls_server", [("starttls", "trusted")], indirect=True)
def test_without_the_authority_the_system_trust_store_refuses_the_test_certificate(
    sqlite_app: App, tls_server: tuple[str, SmtpCapture]
) -> None:
    mode, server = tls_server
    bulk_messages(sqlite_app, 1)
    sqlite_app.settings = dataclasses.replace(
        sqlite_app.settings, smtp_host="127.0.0.1", smtp_port=server.port, smtp_tls=mode, smtp_timeout=10.0
    )
    assert dispatch(sqlite_app).sent == 0
    (row,) = ob.list_outbox(sqlite_app)
    assert row.status == "pending" and "rechazado" in (row.last_error or "")
