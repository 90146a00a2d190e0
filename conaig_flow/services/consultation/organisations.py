"""Organisations outside the commission, imported from CSV or XLSX with a validation report."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.consultation import ORGANISATION_KINDS, RowProblem, validate_organisations
from conaig_flow.errors import InvalidInput, PermissionDenied
from conaig_flow.services.audit import record_refusal
from conaig_flow.store.tables_consultation import OrganisationRow

ORG = OrganisationRow.__table__  # type: ignore[attr-defined]
COLUMNS = ("nombre", "tipo", "correos", "region")


@dataclass(frozen=True)
class ImportReport:
    imported: int
    problems: list[RowProblem]


@dataclass(frozen=True)
class OrganisationView:
    id: int
    name: str
    kind: str
    kind_label: str
    region: str
    emails: list[str]


def read_rows(name: str, content: bytes) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8, comma or semicolon) or XLSX file, keyed by lower-case header."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True).active
        if sheet is None:
            raise InvalidInput(f"El archivo «{name}» no tiene hojas.")
        values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    elif name.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(f"El archivo «{name}» no está en UTF-8.") from None
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;")
        values = list(csv.reader(io.StringIO(text), dialect))
    else:
        raise InvalidInput(f"«{name}»: se espera un archivo .csv o .xlsx.")
    if not values:
        raise InvalidInput(f"El archivo «{name}» está vacío.")
    header = [h.strip().lower().replace("región", "region") for h in values[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"«{name}»: faltan las columnas {', '.join(missing)}; se esperan: {', '.join(COLUMNS)}."
        )
    return [dict(zip(header, row, strict=False)) for row in values[1:] if any(cell.strip() for cell in row)]


def import_organisations(app: App, actor: Actor, name: str, content: bytes, *, all_or_nothing: bool = False) -> ImportReport:
    """Import the valid rows in one transaction; list every refused row with its reason.

    A row is imported whole or not at all; with ``all_or_nothing`` one bad row refuses the file.
    """
    if actor.role not in ("secretariat", "admin"):
        reason = "Solo la Secretaría Técnica o un administrador pueden importar organizaciones."
        record_refusal(app, actor, "import-orgs", name, reason)
        raise PermissionDenied(reason)
    rows = read_rows(name, content)
    with app.db.write() as conn:
        existing = list(conn.execute(select(ORG.c.name)).scalars())
        good, bad = validate_organisations(rows, existing)
        if bad and all_or_nothing:
            return ImportReport(0, bad)
        now = app.clock.now()
        if good:
            conn.execute(
                insert(ORG),
                [{"name": o.name, "kind": o.kind, "region": o.region, "emails": json.dumps(list(o.emails)), "created_at": now}
                 for o in good],
            )
    return ImportReport(len(good), bad)


def import_file(app: App, actor: Actor, path: Path, *, all_or_nothing: bool = False) -> ImportReport:
    return import_organisations(app, actor, path.name, path.read_bytes(), all_or_nothing=all_or_nothing)


def list_organisations(app: App) -> list[OrganisationView]:
    with app.db.read() as conn:
        rows = conn.execute(select(ORG).order_by(ORG.c.name)).all()
    return [
        OrganisationView(r.id, r.name, r.kind, ORGANISATION_KINDS[r.kind], r.region, json.loads(r.emails))
        for r in rows
    ]
