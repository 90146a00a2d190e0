"""Hot-path statements run straight on the DBAPI cursor, compiled by SQLAlchemy once per dialect.

A state change runs three statements (read the deliverable, the versioned update, the event
insert). Through ``Connection.execute`` each one costs far more in SQLAlchemy's execution
machinery (cache key, parameter construction, execution context, result object, events) than
in the database itself (see bench/). ``PreparedStatement`` keeps the Core statement as the
single source of truth and asks SQLAlchemy, once per dialect, for everything that machinery
would produce each time:

- the SQL text exactly as SQLAlchemy compiles it for the dialect (``?`` on SQLite; named
  parameters and bind casts for psycopg 3 on PostgreSQL);
- the parameter order (positional dialects) or names (named ones);
- each parameter's bind processor and each result column's result processor (for the driver's
  column type codes), taken from the columns' types (``UTCDateTime`` included) with the same
  calls SQLAlchemy makes itself.

So the values that reach the driver, and the values that come back, are the ones
``Connection.execute`` would have produced (a test compares rows written both ways). The
statement runs inside the connection's current transaction (begun if it is not yet), and a
driver error is handed to SQLAlchemy's own handling, so callers see the same
``sqlalchemy.exc`` exceptions as before.

Only plain statements qualify: no Python-side defaults to pre-execute, no implicit RETURNING,
no expanding (``IN``) parameters; compiling refuses anything else. What these statements skip
of SQLAlchemy: its statement logging (``echo``) and the ``before/after_cursor_execute`` events,
neither of which conaig-flow uses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert, Update
from sqlalchemy.types import TypeEngine

Processor = Callable[[Any], Any]


class _Compiled(NamedTuple):
    sql: str
    #: the parameters' values in placeholder order, from the mapping given to ``execute``
    values: Callable[[Mapping[str, Any]], list[Any]]
    #: (position, bind processor) of the parameters that have one
    bind_processors: tuple[tuple[int, Processor], ...]
    #: None: the driver takes a sequence; else the parameters' names in the SQL text, in order
    driver_names: tuple[str, ...] | None
    dialect: Dialect
    #: for a SELECT: each result column's type as the dialect implements it
    result_types: tuple[TypeEngine[Any], ...]
    #: (position, result processor) of the columns that have one, by the driver's column type
    #: codes (``cursor.description``), which SQLAlchemy hands to ``result_processor`` too
    result_processors: dict[tuple[Any, ...], tuple[tuple[int, Processor], ...]]


def _getter(names: Sequence[str]) -> Callable[[Mapping[str, Any]], list[Any]]:
    if not names:
        return lambda params: []
    if len(names) == 1:
        (name,) = names
        return lambda params: [params[name]]
    get = itemgetter(*names)
    return lambda params: list(get(params))


class PreparedStatement:
    """One Core statement (SELECT, UPDATE or INSERT) executed on the DBAPI cursor.

    ``row_type`` builds the row a SELECT returns from its processed values (a NamedTuple
    class gives rows with attribute access, like SQLAlchemy's ``Row``).
    ``column_keys`` are the columns an INSERT sets (as ``Connection.execute`` derives them
    from the parameters' keys).
    """

    def __init__(
        self,
        statement: Select[Any] | Update | Insert,
        *,
        row_type: Callable[..., Any] | None = None,
        column_keys: Sequence[str] | None = None,
    ) -> None:
        if isinstance(statement, Insert):
            # no attempt to fetch the new primary key (PostgreSQL would add RETURNING)
            statement = statement.inline()
        self.statement = statement
        self.row_type = row_type
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._by_dialect: WeakKeyDictionary[Dialect, _Compiled] = WeakKeyDictionary()
        self._last: tuple[Dialect, _Compiled] | None = None  # most runs see one dialect

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
        assert isinstance(compiled, SQLCompiler)
        if (
            compiled.insert_prefetch
            or compiled.update_prefetch
            or compiled.implicit_returning
            or compiled.literal_execute_params
            or compiled.post_compile_params
        ):
            raise ValueError(f"statement needs SQLAlchemy's execution context: {compiled.string}")
        if compiled.positional:
            assert compiled.positiontup is not None
            names = list(compiled.positiontup)
            driver_names = None
        else:
            names = list(compiled.binds)
            driver_names = tuple(compiled.escaped_bind_names.get(name, name) for name in names)
        # what SQLAlchemy's compiled._bind_processors holds for each parameter
        binds = [compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
        result_types: tuple[TypeEngine[Any], ...] = ()
        if isinstance(self.statement, Select):
            result_types = tuple(column.type.dialect_impl(dialect) for column in self.statement.selected_columns)
        return _Compiled(
            compiled.string,
            _getter(names),
            tuple((i, p) for i, p in enumerate(binds) if p is not None),
            driver_names,
            dialect,
            result_types,
            {},
        )

    def compiled(self, dialect: Dialect) -> _Compiled:
        last = self._last
        if last is not None and last[0] is dialect:
            return last[1]
        try:
            done = self._by_dialect[dialect]
        except KeyError:
            done = self._by_dialect[dialect] = self._compile(dialect)
        self._last = (dialect, done)
        return done

    def _run(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, _Compiled]:
        c = self.compiled(conn.dialect)
        values = c.values(params)
        for i, process in c.bind_processors:
            values[i] = process(values[i])
        parameters: Sequence[Any] | dict[str, Any]
        parameters = tuple(values) if c.driver_names is None else dict(zip(c.driver_names, values, strict=True))
        if not conn.in_transaction():
            conn.begin()  # as Connection.execute would (autobegin)
        dbapi_connection = conn.connection.dbapi_connection
        assert dbapi_connection is not None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(c.sql, parameters)
        except Exception as exc:
            # wrapped as SQLAlchemy wraps it (sqlalchemy.exc.*), the cursor closed, a lost
            # connection invalidated
            conn._handle_dbapi_exception(exc, c.sql, parameters, cursor, None)
        return cursor, c

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Run an UPDATE or INSERT in ``conn``'s transaction; the number of rows it touched."""
        cursor, _ = self._run(conn, params)
        try:
            count: int = cursor.rowcount
        finally:
            cursor.close()
        return count

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        """Run a SELECT; its first row as ``row_type`` (types processed), or None."""
        cursor, c = self._run(conn, params)
        try:
            raw = cursor.fetchone()
            coltypes = tuple(d[1] for d in cursor.description)
        except Exception as exc:
            conn._handle_dbapi_exception(exc, c.sql, None, cursor, None)
        finally:
            cursor.close()
        if raw is None:
            return None
        processors = c.result_processors.get(coltypes)
        if processors is None:
            made = (t.result_processor(c.dialect, ct) for t, ct in zip(c.result_types, coltypes, strict=True))
            processors = c.result_processors[coltypes] = tuple((i, p) for i, p in enumerate(made) if p is not None)
        values = list(raw)
        for i, process in processors:
            values[i] = process(values[i])
        return self.row_type(*values) if self.row_type is not None else tuple(values)
