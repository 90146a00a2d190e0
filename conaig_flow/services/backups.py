"""Taking a backup while the system runs, and restoring one into an empty home or database
(over existing data only when asked to), then verifying the restored history."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from conaig_flow.app import App
from conaig_flow.errors import InvalidInput
from conaig_flow.services import audit
from conaig_flow.store import backup as store
from conaig_flow.store import migrate

COUNTED = ("deliverables", "events", "documents", "deliverable_documents", "users", "outbox")


@dataclass(frozen=True)
class BackupReport:
    path: Path
    manifest: store.BackupManifest
    documents: int


@dataclass(frozen=True)
class RestoreReport:
    manifest: store.BackupManifest
    documents: int
    audit: audit.AuditResult


def _sqlite_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {n: int(conn.execute(f"SELECT count(*) FROM {n}").fetchone()[0]) for n in COUNTED if n in names}
    finally:
        conn.close()


def take(app: App, out: Path) -> BackupReport:
    """Copy the database (one consistent snapshot), then the documents and the installation's
    key, into the archive ``out`` (which must not exist yet)."""
    app.definitions()  # NotInitialised (a clear message) when there is nothing to copy
    if out.exists():
        raise InvalidInput(f"Ya existe «{out}»: la copia no lo reemplaza. Indique otro nombre (p. ej. con la fecha).")
    db = app.db
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".conaig-backup-") as tmp:
        copy = Path(tmp) / ("conaig.db" if db.is_sqlite else "conaig.pgdump")
        schema: str | None = None
        if db.is_sqlite:
            store.sqlite_copy(db, copy)
            counts = _sqlite_counts(copy)  # exactly what the copy holds
        else:
            schema = store.current_schema(db)
            counts = store.table_counts(db)  # read just before the dump's own snapshot
            store.pg_dump(db, schema, copy)
        manifest = store.BackupManifest(
            format=store.FORMAT, dialect=db.dialect, created_at=app.clock.now().isoformat(), database=db.safe_url,
            schema=schema, documents=0, tables=counts,
        )
        secret = app.settings.home / "secret.key"
        documents = store.write_archive(out, manifest, copy, app.documents.root, secret if secret.exists() else None)
    return BackupReport(out, manifest, documents)


def restore(app: App, archive: Path, *, force: bool = False) -> RestoreReport:
    """Restore ``archive`` into this installation's database and document store. Refused when
    the database already holds data, unless ``force``; then verified (``audit verify``)."""
    db = app.db
    with store.opened_archive(archive) as (manifest, tar):
        if manifest.dialect != db.dialect:
            kinds = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
            raise InvalidInput(
                f"La copia «{archive}» es de una base {kinds.get(manifest.dialect, manifest.dialect)} y la base de "
                f"destino ({db.safe_url}) es {kinds.get(db.dialect, db.dialect)}: restáurela en una base del mismo tipo."
            )
        if store.has_data(db) and not force:
            raise InvalidInput(
                f"La base de destino ({db.safe_url}) ya tiene datos: no se restaura encima de ellos. Use una carpeta o "
                "base vacía, o --force para reemplazarlos por los de la copia."
            )
        if db.is_sqlite:
            assert db.path is not None
            db.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=db.path.parent, prefix=".conaig-restore-")
            os.close(fd)
            try:
                store.extract_member(tar, store.SQLITE_MEMBER, Path(tmp))
                store.sqlite_replace(db, Path(tmp))
            finally:
                Path(tmp).unlink(missing_ok=True)
        else:
            with tempfile.TemporaryDirectory(prefix="conaig-restore-") as folder:
                dump = Path(folder) / store.PG_MEMBER
                store.extract_member(tar, store.PG_MEMBER, dump)
                store.pg_restore(db, dump, clean=force)
        documents = store.extract_documents(tar, app.documents.root)
        secret = app.settings.home / store.SECRET
        if store.SECRET in tar.getnames() and (force or not secret.exists()):
            secret.parent.mkdir(parents=True, exist_ok=True)
            store.extract_member(tar, store.SECRET, secret)
            secret.chmod(0o600)
    migrate.upgrade(db)  # a copy taken by an older version gets this version's schema
    app.forget_definitions()
    return RestoreReport(manifest, documents, audit.verify(app))
