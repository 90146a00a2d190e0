"""Backups of the database and the document store in one archive, taken while the system runs.

The archive (a gzip'd tar, readable by its owner only) holds ``manifest.json``, the database
(``conaig.db``: SQLite's online backup API, one consistent copy even while writers commit;
``conaig.pgdump``: ``pg_dump`` in its custom format, one REPEATABLE READ snapshot), the
document files under ``documents/`` and the installation's ``secret.key`` when there is one.

The database is copied first and the documents after it: a document's file is written before
the transaction that refers to it commits and is never removed, so every document the copied
database refers to is already on disk when the files are copied.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from conaig_flow.errors import DatabaseUnavailable, InvalidInput
from conaig_flow.store.db import Database

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "conaig.db"
PG_MEMBER = "conaig.pgdump"
SECRET = "secret.key"


@dataclass(frozen=True)
class BackupManifest:
    format: int
    dialect: str
    created_at: str
    database: str  # the masked URL it was taken from
    schema: str | None
    documents: int
    tables: dict[str, int]

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2)


def pg_tool(name: str) -> str:
    """The path of ``pg_dump`` / ``pg_restore``, or a clear error when it is not installed."""
    found = shutil.which(name)
    if found is None:
        raise InvalidInput(
            f"Para copiar o restaurar una base PostgreSQL se necesita «{name}», que no está instalado en este equipo "
            "(en Debian o Ubuntu: apt install postgresql-client, de la misma versión del servidor o posterior)."
        )
    return found


def libpq_url(db: Database) -> str:
    """The database URL as libpq (pg_dump) reads it: without SQLAlchemy's driver name."""
    url = make_url(db.url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def table_counts(db: Database) -> dict[str, int]:
    from conaig_flow.store.tables_all import metadata

    counts = {}
    with db.snapshot() as conn:
        for name in ("deliverables", "events", "documents", "deliverable_documents", "users", "outbox"):
            if name in metadata.tables:
                counts[name] = int(conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one())
    return counts


def current_schema(db: Database) -> str:
    with db.read() as conn:
        return str(conn.execute(text("SELECT current_schema()")).scalar_one())


def has_data(db: Database) -> bool:
    """Whether the database already holds conaig-flow tables with rows (a restore over it
    needs --force)."""
    try:
        with db.read() as conn:
            return conn.execute(text("SELECT 1 FROM deliverables LIMIT 1")).first() is not None or bool(
                conn.execute(text("SELECT 1 FROM definitions LIMIT 1")).first()
            )
    except DatabaseUnavailable:
        raise
    except Exception:  # no such table: an empty database
        return False


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o600) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def sqlite_copy(db: Database, target: Path) -> None:
    """SQLite's online backup API, all pages in one step (a consistent snapshot; writers
    are not blocked in WAL mode)."""
    assert db.path is not None
    source = sqlite3.connect(db.path, timeout=db.busy_timeout)
    try:
        dest = sqlite3.connect(target)
        try:
            with db.translate_errors():
                source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()


def pg_dump(db: Database, schema: str, target: Path) -> None:
    tool = pg_tool("pg_dump")
    done = subprocess.run(
        [tool, "--format=custom", "--no-owner", "--no-acl", f"--schema={schema}", f"--file={target}",
         f"--dbname={libpq_url(db)}"],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise DatabaseUnavailable(f"pg_dump no pudo copiar la base {db.safe_url}: {_first_line(done.stderr)}")


def pg_restore(db: Database, dump: Path, *, clean: bool) -> None:
    tool = pg_tool("pg_restore")
    args = [tool, "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction", f"--dbname={libpq_url(db)}"]
    if clean:
        args += ["--clean", "--if-exists"]
    done = subprocess.run([*args, str(dump)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DatabaseUnavailable(f"pg_restore no pudo restaurar la base {db.safe_url}: {_first_line(done.stderr)}")


def _first_line(text_: str) -> str:
    lines = [line for line in text_.strip().splitlines() if line.strip()]
    from conaig_flow.store.db import mask_url

    return mask_url(lines[0]) if lines else "sin detalle"


def write_archive(out: Path, manifest: BackupManifest, database: Path, documents: Path, secret: Path | None) -> int:
    """Write the archive atomically (a temporary file renamed at the end), owner-only.
    Returns the number of document files it holds."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".conaig-backup-")
    os.fchmod(fd, 0o600)
    count = 0
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            member = SQLITE_MEMBER if manifest.dialect == "sqlite" else PG_MEMBER
            tar.add(database, arcname=member, recursive=False)
            if documents.is_dir():
                for path in sorted(documents.rglob("*")):
                    if path.is_file() and not path.name.startswith(".incoming-"):
                        tar.add(path, arcname=f"documents/{path.relative_to(documents).as_posix()}", recursive=False)
                        count += 1
            if secret is not None and secret.is_file():
                _add_bytes(tar, SECRET, secret.read_bytes())
            final = BackupManifest(**{**manifest.__dict__, "documents": count})
            _add_bytes(tar, MANIFEST, final.to_json().encode("utf-8"), 0o644)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


@contextmanager
def opened_archive(path: Path) -> Iterator[tuple[BackupManifest, tarfile.TarFile]]:
    try:
        tar = tarfile.open(path, mode="r:gz")  # noqa: SIM115 - closed in the finally below
    except FileNotFoundError:
        raise InvalidInput(f"No existe la copia de seguridad «{path}».") from None
    except (tarfile.TarError, OSError) as exc:
        raise InvalidInput(f"«{path}» no es una copia de seguridad de conaig-flow ({exc}).") from None
    try:
        try:
            member = tar.extractfile(MANIFEST)
            assert member is not None
            data: dict[str, Any] = json.loads(member.read().decode("utf-8"))
            manifest = BackupManifest(**data)
        except (KeyError, AssertionError, ValueError, TypeError):
            raise InvalidInput(f"«{path}» no es una copia de seguridad de conaig-flow (falta su manifiesto).") from None
        if manifest.format != FORMAT:
            raise InvalidInput(f"La copia «{path}» tiene el formato {manifest.format}; esta versión lee el {FORMAT}.")
        yield manifest, tar
    finally:
        tar.close()


def extract_member(tar: tarfile.TarFile, name: str, target: Path) -> None:
    member = tar.extractfile(name)
    if member is None:
        raise InvalidInput(f"La copia de seguridad no contiene «{name}».")
    with member, target.open("wb") as fh:
        shutil.copyfileobj(member, fh)
        fh.flush()
        os.fsync(fh.fileno())


def extract_documents(tar: tarfile.TarFile, documents: Path) -> int:
    """Copy the archive's document files into the store (a file already there is kept: its
    name is its content's sha256)."""
    count = 0
    for info in tar.getmembers():
        if not info.isfile() or not info.name.startswith("documents/"):
            continue
        relative = Path(info.name).relative_to("documents")
        if ".." in relative.parts or relative.is_absolute() or len(relative.parts) != 2:
            raise InvalidInput(f"La copia de seguridad contiene una ruta no válida: «{info.name}».")
        target = documents / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            extract_member(tar, info.name, target)
        count += 1
    return count


def sqlite_replace(db: Database, source: Path) -> None:
    """Put a restored SQLite file in place of the database file (its WAL and shared-memory
    files of before removed)."""
    assert db.path is not None
    db.dispose()
    db.path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{db.path}{suffix}").unlink(missing_ok=True)
    os.replace(source, db.path)
