"""Audit checkpoints as files outside the database, signed with the installation's Ed25519 key.

The key is a PEM file: ``CONAIG_AUDIT_KEY`` names it, else ``<home>/auditoria/clave-auditoria.pem``
(created on first use, readable by its owner only). It is never written to a table. Each
checkpoint is one JSON file ``<home>/auditoria/puntos-de-control/000001.json`` holding the
payload, its Ed25519 signature and the public key that made it.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from conaig_flow.domain.checkpoint import canonical
from conaig_flow.errors import InvalidInput


@dataclass(frozen=True)
class StoredCheckpoint:
    seq: int
    path: Path
    payload: dict[str, Any]
    signature: bytes
    public_key: str  # PEM
    raw: bytes  # the file as written


class CheckpointFiles:
    def __init__(self, folder: Path, key_path: Path) -> None:
        self.folder = folder
        self.key_path = key_path

    def _private_key(self) -> Ed25519PrivateKey:
        if not self.key_path.exists():
            self.key_path.parent.mkdir(parents=True, exist_ok=True)
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
        try:
            loaded = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        except (ValueError, TypeError):
            raise InvalidInput(f"La clave de auditoría «{self.key_path}» no es una clave Ed25519 en formato PEM.") from None
        if not isinstance(loaded, Ed25519PrivateKey):
            raise InvalidInput(f"La clave de auditoría «{self.key_path}» no es una clave Ed25519.")
        return loaded

    def public_key(self) -> Ed25519PublicKey:
        return self._private_key().public_key()

    def public_key_pem(self) -> str:
        return self.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")

    def write(self, payload: dict[str, Any]) -> StoredCheckpoint:
        """Write the next checkpoint (its ``seq`` must be the last one's plus one)."""
        key = self._private_key()
        self.folder.mkdir(parents=True, exist_ok=True)
        seq = int(payload["numero"])
        path = self.folder / f"{seq:06d}.json"
        signature = key.sign(canonical(payload))
        public = self.public_key_pem()
        document = {"punto_de_control": payload, "firma_ed25519": base64.b64encode(signature).decode("ascii"),
                    "clave_publica": public}
        raw = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)  # never overwrite one
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        return StoredCheckpoint(seq, path, payload, signature, public, raw)

    def read_all(self) -> list[StoredCheckpoint]:
        if not self.folder.is_dir():
            return []
        out = []
        for path in sorted(self.folder.glob("*.json")):
            raw = path.read_bytes()
            try:
                document = json.loads(raw)
                payload = document["punto_de_control"]
                out.append(StoredCheckpoint(int(path.stem), path, payload, base64.b64decode(document["firma_ed25519"]),
                                            str(document.get("clave_publica", "")), raw))
            except (ValueError, KeyError, TypeError):
                out.append(StoredCheckpoint(int(path.stem) if path.stem.isdigit() else 0, path, {}, b"", "", raw))
        return out

    def signature_ok(self, stored: StoredCheckpoint) -> bool:
        """Whether the installation's key signed this payload (not merely the key in the file)."""
        try:
            self.public_key().verify(stored.signature, canonical(stored.payload))
        except InvalidSignature:
            return False
        return True
