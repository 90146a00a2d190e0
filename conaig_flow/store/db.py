"""The database: engine creation (SQLite default, PostgreSQL by URL) and transactions.

SQLite is opened in WAL mode with ``synchronous=FULL`` (a committed transition survives a
power failure), foreign keys on and a busy timeout. Write transactions start with
``BEGIN IMMEDIATE`` so that two writers queue instead of failing on lock upgrade; read
transactions start deferred so that readers never wait for writers.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from conaig_flow.errors import DatabaseUnavailable, InvalidInput

SUPPORTED = "Use sqlite:///RUTA o postgresql://usuario@servidor/base."

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
)
#: Seconds a SQLite writer waits for another process's write lock before giving up.
DEFAULT_BUSY_TIMEOUT = 30.0
_BUSY = ("database is locked", "database table is locked", "database is busy")
_DAMAGED = ("file is not a database", "database disk image is malformed", "file is encrypted")
#: SQLite connections kept open between transactions (the pool holds 5, and 10 more on demand).
KEEP_IDLE = 4


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


_USERINFO_PASSWORD = re.compile(r"(//[^/:@?#]*:)[^@/?#]*(@)")
_QUERY_PASSWORD = re.compile(r"((?:^|[?&;\s])password=)[^&;\s]*", re.IGNORECASE)


def mask_url(url: str) -> str:
    """The URL as it may be shown or logged: any password replaced by ``***`` (in the user
    part or as a ``password=`` parameter), even when the URL does not parse."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        shown = _USERINFO_PASSWORD.sub(r"\1***\2", url)
    return _QUERY_PASSWORD.sub(r"\1***", shown)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class Database:
    """Owns the engine; hands out write and read transactions as Core connections. ``url``
    holds the password; ``safe_url`` is what is shown."""

    def __init__(
        self, url: str, *, synchronous: str = "FULL", echo: bool = False, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    ) -> None:
        self.url = normalise_url(url)
        try:
            parsed = make_url(self.url)
        except (ArgumentError, ValueError):
            raise InvalidInput(f"URL de base de datos no válida: «{mask_url(url)}». {SUPPORTED}") from None
        self.dialect = parsed.get_backend_name()
        self.safe_url = mask_url(self.url)
        if self.dialect not in ("sqlite", "postgresql"):
            raise InvalidInput(f"Base de datos no soportada: «{self.dialect}». {SUPPORTED}")
        kwargs: dict[str, Any] = {"echo": echo}
        self.path: Path | None = None  # the SQLite file
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                folder = Path(parsed.database).parent
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseUnavailable(
                        f"No se puede crear la carpeta de datos «{folder}» ({exc.strerror})."
                    ) from None
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout}
            self.path = Path(parsed.database) if parsed.database and parsed.database != ":memory:" else None
        else:
            kwargs["pool_pre_ping"] = True
        self.busy_timeout = busy_timeout
        self.engine: Engine = create_engine(self.url, **kwargs)
        # SQLite connections kept between transactions, by the BEGIN they were set up for
        self._idle: dict[str, list[Connection]] = {"IMMEDIATE": [], "DEFERRED": []}
        if self.is_sqlite:
            _configure_sqlite(self.engine, synchronous, busy_timeout)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.dialect == "postgresql"

    def connect(self) -> Connection:
        """A connection; a database that cannot be reached or opened is a DatabaseUnavailable."""
        try:
            return self.engine.connect()
        except DBAPIError as exc:
            translated = self.unavailable(exc)
            if translated is not None:
                raise translated from None
            if not isinstance(exc, OperationalError):
                raise
            detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise DatabaseUnavailable(
                f"No se puede conectar con la base de datos {self.safe_url}: {detail}"
            ) from None

    def unavailable(self, exc: BaseException) -> DatabaseUnavailable | None:
        """The Spanish error for a SQLite file that is busy (another process holds its write
        lock beyond the busy timeout) or is not a database / is damaged; None for any other."""
        if not self.is_sqlite:
            return None
        if isinstance(exc, DBAPIError):
            detail = str(exc.orig).strip().lower() if exc.orig is not None else ""
        elif isinstance(exc, sqlite3.Error):  # raised by the BEGIN issued on the driver's connection
            detail = str(exc).strip().lower()
        else:
            return None
        where = f"«{self.path}»" if self.path else self.safe_url
        if any(m in detail for m in _BUSY):
            return DatabaseUnavailable(
                f"La base de datos está ocupada por otro proceso ({where}): se esperó {self.busy_timeout:g} s sin "
                "poder escribir y no se cambió nada. Inténtelo de nuevo en unos momentos; si persiste, compruebe qué "
                "proceso la mantiene bloqueada."
            )
        if any(m in detail for m in _DAMAGED):
            return DatabaseUnavailable(
                f"El archivo {where} no es una base de datos SQLite válida o está dañado ({detail}). Restaure una copia "
                "de seguridad («conaig restore») o indique otra base de datos con --db."
            )
        return None

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        """Inside it, a busy or damaged SQLite file raises DatabaseUnavailable (see ``unavailable``)."""
        try:
            yield
        except (DBAPIError, sqlite3.Error) as exc:
            translated = self.unavailable(exc)
            if translated is None:
                raise
            raise translated from None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite): commit on success."""
        with self.translate_errors(), self._connection("IMMEDIATE") as conn, conn.begin():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read-only transaction (deferred on SQLite).

        On PostgreSQL the reads run in autocommit: at READ COMMITTED every statement takes a
        snapshot of its own anyway, so ``BEGIN`` and ``COMMIT`` would only add two round trips
        (about a third of a page's single-statement read). The pool resets the connection to
        transactions when it takes it back, so a later ``write()`` is a transaction as before.
        """
        with self.translate_errors(), self._connection("DEFERRED") as conn:
            if not self.is_sqlite:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            with conn.begin():
                yield conn

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """One read-only transaction whose statements all see the same committed state: on
        PostgreSQL ``REPEATABLE READ READ ONLY`` (the snapshot is taken by the first
        statement), on SQLite a deferred read transaction (in WAL mode its first read fixes
        the snapshot until it ends). For readings that must agree with each other (the audit)."""
        if self.is_sqlite:
            with self.read() as conn:
                yield conn
            return
        with self.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn

    @contextmanager
    def _connection(self, begin: str) -> Iterator[Connection]:
        """A Core connection for one transaction.

        On SQLite a connection that ended its transaction cleanly is kept for the next one
        of the same kind (taking one out of the pool and giving it back costs about as much as
        a transition's own SQL; see bench/), up to KEEP_IDLE of them in all, so the pool always
        has room for more; its BEGIN mode is set once, when it is first taken from the pool.
        A PostgreSQL connection goes back to the pool every time (pre-ping on checkout).
        """
        if not self.is_sqlite:
            with self.connect() as conn:
                yield conn
            return
        idle = self._idle[begin]
        try:
            conn = idle.pop()
        except IndexError:
            conn = self.connect().execution_options(conaig_begin=begin)
        clean = False
        try:
            yield conn
            clean = not conn.in_transaction() and not conn.invalidated
        finally:
            if clean and sum(map(len, self._idle.values())) < KEEP_IDLE:
                idle.append(conn)
            else:
                conn.close()

    def dispose(self) -> None:
        for idle in self._idle.values():
            while idle:
                idle.pop().close()
        self.engine.dispose()


def _configure_sqlite(engine: Engine, synchronous: str, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own
        # transaction handling would start it too late, and always deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cur.execute(pragma)
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("conaig_begin", "IMMEDIATE")
        # Straight on the DBAPI connection: BEGIN needs none of SQLAlchemy's statement
        # machinery, and this runs once per transaction (see bench/).
        conn.connection.driver_connection.execute(f"BEGIN {mode}")  # type: ignore[union-attr]


