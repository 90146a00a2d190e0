"""Turning pydantic errors into Spanish messages that name the file and the path inside it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from conaig_flow.errors import DefinitionIssue


def format_path(loc: Sequence[str | int]) -> str:
    """('activities', 3, 'responsible', 2) -> 'activities[3].responsible[2]'."""
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's mark of a mapping's key: the path already names it
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _choices(ctx: dict[str, Any]) -> str:
    """pydantic's "'a', 'b' or 'c'" in Spanish: "'a', 'b' o 'c'"."""
    expected = str(ctx.get("expected", ""))
    head, sep, last = expected.rpartition(" or ")
    return f"{head} o {last}" if sep else expected


def _spanish(error: Any) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    got = error.get("input")
    shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
    messages = {
        "missing": "falta este campo obligatorio",
        "extra_forbidden": "campo no reconocido (revise la ortografía; no forma parte del formato)",
        "string_type": f"se esperaba un texto, se encontró {shown}",
        "string_too_short": "el texto no puede estar vacío",
        "int_type": f"se esperaba un número entero, se encontró {shown}",
        "int_parsing": f"se esperaba un número entero, se encontró {shown}",
        "bool_type": f"se esperaba verdadero o falso (true/false), se encontró {shown}",
        "bool_parsing": f"se esperaba verdadero o falso (true/false), se encontró {shown}",
        "list_type": f"se esperaba una lista, se encontró {shown}",
        "dict_type": f"se esperaba un mapa de claves y valores, se encontró {shown}",
        "model_type": f"se esperaba un mapa de claves y valores, se encontró {shown}",
        "date_type": f"se esperaba una fecha AAAA-MM-DD, se encontró {shown}",
        "date_parsing": f"se esperaba una fecha AAAA-MM-DD, se encontró {shown}",
        "date_from_datetime_parsing": f"se esperaba una fecha AAAA-MM-DD, se encontró {shown}",
        "time_type": f"se esperaba una hora HH:MM (00:00 a 23:59), se encontró {shown}",
        "time_parsing": f"se esperaba una hora HH:MM (00:00 a 23:59), se encontró {shown}",
        "datetime_type": f"se esperaba una fecha y hora AAAA-MM-DDTHH:MM, se encontró {shown}",
        "datetime_parsing": f"se esperaba una fecha y hora AAAA-MM-DDTHH:MM, se encontró {shown}",
        "float_type": f"se esperaba un número, se encontró {shown}",
        "float_parsing": f"se esperaba un número, se encontró {shown}",
        "int_from_float": f"se esperaba un número entero, se encontró {shown}",
        "less_than_equal": f"se esperaba un valor menor o igual a {ctx.get('le', '')}",
        "literal_error": f"se esperaba uno de {_choices(ctx)}, se encontró {shown}",
        "enum": f"se esperaba uno de {_choices(ctx)}, se encontró {shown}",
        "too_short": "la lista no puede estar vacía",
        "string_pattern_mismatch": f"el valor {shown} no tiene el formato esperado ({ctx.get('pattern', '')})",
        "greater_than_equal": f"se esperaba un valor mayor o igual a {ctx.get('ge', '')}",
        "greater_than": f"se esperaba un valor mayor que {ctx.get('gt', '')}",
    }
    if kind.startswith("date") and isinstance(got, str) and "outside expected range" in str(error.get("msg", "")):
        return f"la fecha {shown} no existe (ese mes no tiene ese día, o el mes no existe); se espera AAAA-MM-DD"
    if kind in messages:
        return messages[kind]
    if kind == "value_error":
        # Raised by our own validators: their text is already Spanish.
        return str(ctx.get("error", error.get("msg", "")))
    return f"valor no válido ({error.get('msg', kind)})"


def issues_from_validation(file: str, exc: ValidationError) -> list[DefinitionIssue]:
    return [
        DefinitionIssue(file, format_path(e["loc"]), _spanish(e))
        for e in exc.errors(include_url=False)
    ]
