"""A real test PKI made with ``cryptography``: a root CA, an intermediate CA, a certificate per
signer (RSA keys in PKCS#12 files with a password), a revoked one, an expired one, one from an
unknown CA, and a timestamp authority. The CRLs, an OCSP responder for the intermediate's
certificates and the TSA are served over HTTP on 127.0.0.1 (the certificates name those
addresses in their CRL distribution points and authority information access)."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper

PASSWORD = "clave-de-prueba"
UTC = dt.UTC


def _name(cn: str, org: str | None = None, unit: str | None = None, dni: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "PE")]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    if dni:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"PNOPE-{dni}"))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


@dataclass
class Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class LocalPki:
    base_url: str
    root: Issued
    intermediate: Issued
    other_root: Issued
    tsa: Issued
    certs: dict[str, Issued] = field(default_factory=dict)
    revoked: set[int] = field(default_factory=set)
    #: the CRL server and the OCSP responder do not answer (the certification entity is
    #: unreachable); the TSA does
    offline: bool = False

    def p12(self, who: str, password: str = PASSWORD) -> bytes:
        issued = self.certs[who]
        chain = [self.other_root.cert] if who == "desconocida" else [self.intermediate.cert]
        return pkcs12.serialize_key_and_certificates(
            who.encode(), issued.key, issued.cert, chain,  # type: ignore[arg-type]
            serialization.BestAvailableEncryption(password.encode()),
        )

    def crl(self, issuer: Issued) -> bytes:
        now = dt.datetime.now(UTC)
        builder = x509.CertificateRevocationListBuilder().issuer_name(issuer.cert.subject)
        builder = builder.last_update(now - dt.timedelta(hours=1)).next_update(now + dt.timedelta(days=7))
        if issuer is self.intermediate:
            for serial in self.revoked:
                builder = builder.add_revoked_certificate(
                    x509.RevokedCertificateBuilder().serial_number(serial)
                    .revocation_date(now - dt.timedelta(days=1)).build()
                )
        return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def ocsp_response(self, request_der: bytes) -> bytes:
        """The intermediate CA answering for its own certificates (RFC 6960, the nonce echoed)."""
        req = ocsp.load_der_ocsp_request(request_der)
        issued = next((i for i in self.certs.values() if i.cert.serial_number == req.serial_number), None)
        if issued is None and self.tsa.cert.serial_number == req.serial_number:
            issued = self.tsa
        if issued is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(
                serialization.Encoding.DER)
        now = dt.datetime.now(UTC)
        revoked = issued.cert.serial_number in self.revoked
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=issued.cert, issuer=self.intermediate.cert, algorithm=req.hash_algorithm,
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=now - dt.timedelta(minutes=5), next_update=now + dt.timedelta(days=1),
            revocation_time=now - dt.timedelta(days=1) if revoked else None, revocation_reason=None,
        ).responder_id(ocsp.OCSPResponderEncoding.HASH, self.intermediate.cert)
        for ext in req.extensions:
            if isinstance(ext.value, x509.OCSPNonce):
                builder = builder.add_extension(ext.value, critical=False)
        return builder.sign(self.intermediate.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)  # type: ignore[arg-type]

    def write_root(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "raiz-de-prueba.pem"
        path.write_bytes(self.root.pem)
        return path

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/tsa"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _build(subject: x509.Name, key: rsa.RSAPrivateKey, issuer: Issued | None, *, ca: bool, crl_url: str | None,
           not_before: dt.datetime, not_after: dt.datetime, eku: x509.ObjectIdentifier | None = None,
           ocsp_url: str | None = None) -> Issued:
    builder = (
        x509.CertificateBuilder().subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False  # type: ignore[arg-type]
        )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    else:
        usage = x509.KeyUsage(True, eku is None, False, False, False, False, False, False, False)
    builder = builder.add_extension(usage, critical=True)
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([eku]), critical=True)
    if crl_url:
        builder = builder.add_extension(x509.CRLDistributionPoints([
            x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        ]), critical=False)
    if ocsp_url:
        builder = builder.add_extension(x509.AuthorityInformationAccess([
            x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))
        ]), critical=False)
    signer_key = issuer.key if issuer else key
    return Issued(builder.sign(signer_key, hashes.SHA256()), key)  # type: ignore[arg-type]


#: Who gets a certificate: key → (common name, organisation, unit, DNI).
PEOPLE = {
    "secretaria": ("ANA MARÍA QUISPE HUAMÁN", "Ministerio de la Mujer y Poblaciones Vulnerables", "DGIGND", "40111222"),
    "presidencia": ("ROSA ELENA PAREDES SOTO", "Ministerio de la Mujer y Poblaciones Vulnerables", "MIMP", "40222333"),
    "rree": ("JORGE LUIS CASTRO VEGA", "Ministerio de Relaciones Exteriores", "RREE", "40333444"),
    "mindef": ("CARLA INÉS ROJAS DÍAZ", "Ministerio de Defensa", "MINDEF", "40444555"),
    "minsa": ("PEDRO PABLO LUNA RÍOS", "Ministerio de Salud", "MINSA", "40555666"),
    "revocada": ("LUCÍA TORRES MEZA", "Ministerio de Relaciones Exteriores", "RREE", "40666777"),
    "vencida": ("MARIO SALAS PINTO", "Ministerio de Relaciones Exteriores", "RREE", "40777888"),
    "desconocida": ("FALSO FIRMANTE", "Ministerio de Relaciones Exteriores", "RREE", "40888999"),
    # another person of RREE who bears the presidency signer's name (two signers, one name)
    "homonima": ("ROSA ELENA PAREDES SOTO", "Ministerio de Relaciones Exteriores", "RREE", "40999000"),
}


def make_pki(base_url: str) -> LocalPki:
    now = dt.datetime.now(UTC)
    start, end = now - dt.timedelta(days=30), now + dt.timedelta(days=365)
    root = _build(_name("Raíz de Prueba ECERNEP-T", "Entidad de Certificación de Prueba"), _key(), None, ca=True,
                  crl_url=None, not_before=start, not_after=end + dt.timedelta(days=365))
    inter = _build(_name("EREP de Prueba PERSONAS", "Entidad de Registro de Prueba"), _key(), root, ca=True,
                   crl_url=f"{base_url}/raiz.crl", not_before=start, not_after=end + dt.timedelta(days=180))
    other = _build(_name("Raíz Desconocida"), _key(), None, ca=True, crl_url=None, not_before=start, not_after=end)
    tsa = _build(_name("TSA de Prueba", "Entidad de Certificación de Prueba"), _key(), inter, ca=False,
                 crl_url=f"{base_url}/intermedia.crl", not_before=start, not_after=end,
                 eku=ExtendedKeyUsageOID.TIME_STAMPING, ocsp_url=f"{base_url}/ocsp")
    pki = LocalPki(base_url, root, inter, other, tsa)
    for who, (cn, org, unit, dni) in PEOPLE.items():
        issuer = other if who == "desconocida" else inter
        nb, na = (now - dt.timedelta(days=400), now - dt.timedelta(days=35)) if who == "vencida" else (start, end)
        pki.certs[who] = _build(_name(cn, org, unit, dni), _key(), issuer, ca=False,
                                crl_url=f"{base_url}/intermedia.crl", not_before=nb, not_after=na,
                                ocsp_url=f"{base_url}/ocsp" if issuer is inter else None)
    pki.revoked.add(pki.certs["revocada"].cert.serial_number)
    return pki


class _Handler(BaseHTTPRequestHandler):
    pki: LocalPki
    stamper: DummyTimeStamper

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def _send(self, body: bytes, ctype: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        crls = {"/raiz.crl": self.pki.root, "/intermedia.crl": self.pki.intermediate}
        if self.pki.offline:
            self.send_error(503)
            return
        if self.path not in crls:
            self.send_error(404)
            return
        self._send(self.pki.crl(crls[self.path]), "application/pkix-crl")

    def do_POST(self) -> None:
        if self.path == "/ocsp":
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.pki.offline:
                self.send_error(503)
                return
            self._send(self.pki.ocsp_response(body), "application/ocsp-response")
            return
        if self.path != "/tsa":
            self.send_error(404)
            return
        req = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
        resp = asyncio.run(self.stamper.async_request_tsa_response(req))
        self._send(resp.dump(), "application/timestamp-reply")


def serve_pki() -> Iterator[LocalPki]:
    """A PKI whose CRLs and TSA answer on 127.0.0.1 (a free port) while the generator runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    pki = make_pki(f"http://127.0.0.1:{server.server_address[1]}")
    tsa_cert = asn1_x509.Certificate.load(pki.tsa.cert.public_bytes(serialization.Encoding.DER))
    tsa_key = asn1_keys.PrivateKeyInfo.load(pki.tsa.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    inter = asn1_x509.Certificate.load(pki.intermediate.cert.public_bytes(serialization.Encoding.DER))
    handler = type("Handler", (_Handler,), {"pki": pki, "stamper": DummyTimeStamper(tsa_cert, tsa_key, certs_to_embed=[inter])})
    server.RequestHandlerClass = handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield pki
    finally:
        server.shutdown()
        server.server_close()
