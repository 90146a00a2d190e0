"""The transition's statements run on the DBAPI cursor (store/prepared.py) store and read back
exactly what SQLAlchemy Core's ``Connection.execute`` does, on SQLite and PostgreSQL alike:
the same stored values (byte for byte, as the driver returns them), the same values read back
(types and time zones included), the same exceptions, inside the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy.exc
from sqlalchemy import Connection, insert, select, update

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA
from conaig_flow.services.deliverables import deliverables
from conaig_flow.store.prepared import PreparedStatement
from conaig_flow.store.tables import DeliverableRow, EventRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]
E = EventRow.__table__  # type: ignore[attr-defined]

#: instants that a formatting shortcut could get wrong: whole seconds (isoformat drops the
#: microseconds), microseconds, another time zone (stored in UTC), the turn of a day in Lima.
INSTANTS = [
    datetime(2022, 6, 30, 23, 59, 59, tzinfo=LIMA),
    datetime(2022, 7, 1, 4, 59, 59, 1, tzinfo=UTC),
    datetime(2021, 12, 31, 19, 0, 0, 999999, tzinfo=LIMA),
]


def _two_drafts(app: App) -> tuple[int, int]:
    a, b = (d.id for d in deliverables.list_deliverables(app, activity="A1.1")[:2])
    return a, b


def _raw(conn: Connection, table: str, where: str, value: int) -> dict[str, Any]:
    """A row exactly as the driver returns it, no SQLAlchemy type processing."""
    cursor = conn.exec_driver_sql(
        f"SELECT * FROM {table} WHERE {where} = {'?' if conn.dialect.name == 'sqlite' else '%(v)s'}",
        (value,) if conn.dialect.name == "sqlite" else {"v": value},
    )
    rows = cursor.mappings().all()
    assert len(rows) == 1
    return dict(rows[0])


def _stored_as(conn: Connection, table: str, column: str, row_id: int) -> str:
    """SQLite's storage class of a value (PostgreSQL: the column's type)."""
    if conn.dialect.name == "sqlite":
        return str(conn.exec_driver_sql(f"SELECT typeof({column}) FROM {table} WHERE id = ?", (row_id,)).scalar_one())
    return str(conn.exec_driver_sql(f"SELECT pg_typeof({column})::text FROM {table} WHERE id = %(i)s", {"i": row_id}).scalar_one())


def test_the_deliverable_read_on_the_cursor_equals_sqlalchemys_row(app: App) -> None:
    with app.db.read() as conn:
        ids = [r.id for r in conn.execute(select(D.c.id).order_by(D.c.id)).all()]
        assert len(ids) > 20
        for did in ids:
            core = conn.execute(select(D).where(D.c.id == did)).one()
            fast = deliverables._SELECT_DELIVERABLE.first(conn, {"deliverable_id": did})
            assert fast is not None
            assert tuple(fast) == tuple(core)
            assert [type(v) for v in fast] == [type(v) for v in core]
            for name in ("due_at", "created_at", "updated_at"):
                assert getattr(fast, name).utcoffset() == getattr(core, name).utcoffset()
            assert fast._fields == tuple(core._fields)
        assert deliverables._SELECT_DELIVERABLE.first(conn, {"deliverable_id": max(ids) + 1000}) is None


@pytest.mark.parametrize("instant", INSTANTS, ids=["whole-second-lima", "microsecond-utc", "micro-lima-new-year"])
def test_the_versioned_update_stores_what_sqlalchemy_core_stores(app: App, instant: datetime) -> None:
    a, b = _two_drafts(app)
    with app.db.write() as conn:
        before = _raw(conn, "deliverables", "id", a)
        params = {"expected_version": 1, "new_state": "submitted", "new_version": 2,
                  "new_head_hash": "ab" * 32, "new_updated_at": instant}
        assert deliverables._ADVANCE_ROW.execute(conn, {**params, "row_id": a}) == 1
        core = update(D).where(D.c.id == b, D.c.version == 1).values(
            state="submitted", version=2, head_hash="ab" * 32, updated_at=instant
        )
        assert conn.execute(core).rowcount == 1
        # a stale version touches no row, like Core's statement
        assert deliverables._ADVANCE_ROW.execute(conn, {**params, "row_id": a}) == 0
    with app.db.read() as conn:
        fast_row, core_row = _raw(conn, "deliverables", "id", a), _raw(conn, "deliverables", "id", b)
        for column in ("state", "version", "head_hash", "updated_at"):
            assert fast_row[column] == core_row[column], column
            assert type(fast_row[column]) is type(core_row[column]), column
        assert _stored_as(conn, "deliverables", "updated_at", a) == _stored_as(conn, "deliverables", "updated_at", b)
        # the columns the update does not set are untouched
        assert {k: v for k, v in fast_row.items() if k not in params and k not in ("state", "version", "head_hash", "updated_at")} == {
            k: v for k, v in before.items() if k not in ("state", "version", "head_hash", "updated_at")
        }
        back = deliverables._SELECT_DELIVERABLE.first(conn, {"deliverable_id": a})
        assert back is not None and back.updated_at == instant and back.updated_at.tzinfo == UTC


@pytest.mark.parametrize("instant", INSTANTS, ids=["whole-second-lima", "microsecond-utc", "micro-lima-new-year"])
@pytest.mark.parametrize("optional", [None, "Observación: «falta el anexo» — ñandú"], ids=["nulls", "text"])
def test_the_event_insert_stores_what_sqlalchemy_core_stores(app: App, instant: datetime, optional: str | None) -> None:
    a, b = _two_drafts(app)
    fields = {
        "seq": 1, "actor_email": "st@example.pe", "actor_role": "secretariat", "actor_entity": "MIMP",
        "trigger": "submit", "from_state": "draft", "to_state": "submitted", "comment": optional,
        "documents": '["' + "c" * 64 + '"]', "norm_reference": optional, "session_ref": optional, "agreement_id": None,
        "at": instant, "prev_hash": "0" * 64, "hash": "f" * 64,
    }
    with app.db.write() as conn:
        assert deliverables._APPEND_EVENT.execute(conn, {**fields, "deliverable_id": a}) == 1
        conn.execute(insert(E), {**fields, "deliverable_id": b})
    with app.db.read() as conn:
        fast, core = _raw(conn, "events", "deliverable_id", a), _raw(conn, "events", "deliverable_id", b)
        assert fast.keys() == core.keys()
        for column in fast:
            if column in ("id", "deliverable_id"):
                continue
            assert fast[column] == core[column], column
            assert type(fast[column]) is type(core[column]), column
            assert _stored_as(conn, "events", column, fast["id"]) == _stored_as(conn, "events", column, core["id"]), column
        read_back = conn.execute(select(E.c.at).where(E.c.deliverable_id == a)).scalar_one()
        assert read_back == instant and read_back.tzinfo == UTC


def test_a_driver_error_is_raised_as_sqlalchemys_and_the_transaction_rolls_back(app: App) -> None:
    a, _ = _two_drafts(app)
    fields = {
        "deliverable_id": a, "seq": 1, "actor_email": "st@example.pe", "actor_role": "secretariat",
        "actor_entity": "MIMP", "trigger": "submit", "from_state": "draft", "to_state": "submitted", "comment": None,
        "documents": "[]", "norm_reference": None, "session_ref": None, "agreement_id": None, "at": INSTANTS[0],
        "prev_hash": "0" * 64, "hash": "f" * 64,
    }
    with pytest.raises(sqlalchemy.exc.IntegrityError), app.db.write() as conn:
        deliverables._APPEND_EVENT.execute(conn, fields)
        deliverables._APPEND_EVENT.execute(conn, fields)  # the same (deliverable, seq) twice
    with app.db.read() as conn:
        assert conn.execute(select(E.c.id).where(E.c.deliverable_id == a)).all() == []
    # the store is usable afterwards (on SQLite the failed connection was not kept)
    with app.db.write() as conn:
        assert deliverables._APPEND_EVENT.execute(conn, fields) == 1


def test_a_statement_on_a_connection_without_a_transaction_begins_one(app: App) -> None:
    a, _ = _two_drafts(app)
    params = {"row_id": a, "expected_version": 1, "new_state": "submitted", "new_version": 2,
              "new_head_hash": "ab" * 32, "new_updated_at": INSTANTS[1]}
    with app.db.engine.connect() as conn:
        assert not conn.in_transaction()
        assert deliverables._ADVANCE_ROW.execute(conn, params) == 1
        assert conn.in_transaction()
        conn.rollback()
    with app.db.read() as conn:
        assert conn.execute(select(D.c.state, D.c.version).where(D.c.id == a)).one() == ("draft", 1)


def test_a_statement_that_needs_sqlalchemys_execution_context_is_refused(sqlite_app: App) -> None:
    # "documents" has a Python-side default: leaving it out needs SQLAlchemy to pre-execute it
    partial = PreparedStatement(insert(E), column_keys=[c.key for c in E.c if c.key not in ("id", "documents")])
    with sqlite_app.db.read() as conn, pytest.raises(ValueError, match="execution context"):
        partial.compiled(conn.dialect)
