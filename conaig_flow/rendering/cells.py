"""Spreadsheet and CSV cells that can never run as formulas (OWASP "CSV injection").

A spreadsheet program evaluates a cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return. Text typed by people (a citizen's contribution, a title, a comment) is
exported to the secretariat's XLSX matrix and to open-data CSV/XLSX, so every such text is
written as text:

- in XLSX, as a string cell (openpyxl would store ``=…`` as a formula and ``#N/A`` as an
  error) with Excel's "quote prefix" set, so editing the cell keeps it text; the value is
  unchanged;
- in CSV, which has no cell types, with a leading apostrophe (the OWASP recommendation), so
  the text is kept whole and a spreadsheet shows it as typed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_value(value: object) -> object:
    """``value`` fit for a CSV cell: text that could start a formula gets a leading apostrophe."""
    return "'" + value if isinstance(value, str) and starts_formula(value) else value


def append_row(ws: Any, values: Iterable[object]) -> None:
    """``ws.append(values)``, with every text cell kept as text (never a formula or an error).

    The text cells are made before the row is appended (``ws.append`` takes cells as well as
    values): reading the row back after appending it needs ``ws.max_row``, which openpyxl
    computes over every cell of the sheet, so a sheet of n rows cost n² (a 2,000-row report
    sheet took most of half a minute)."""
    from openpyxl.cell.cell import Cell

    row: list[object] = []
    for value in values:
        if isinstance(value, str):
            cell = Cell(ws, value=value)
            if cell.data_type != "s":
                cell.data_type = "s"
            if starts_formula(value):
                cell.quotePrefix = True
            row.append(cell)
        else:
            row.append(value)
    ws.append(row)
