"""Spanish (es-PE) wording of dates, states and roles for everything a person reads."""

from __future__ import annotations

import math
from datetime import date, datetime
from functools import lru_cache

from conaig_flow.clock import LIMA

LOCALE = "es_PE"


#: Formatted days and minutes kept per process: Babel takes about 0.3 ms per date (pattern
#: parsing, locale lookups), and a page shows the same few dates over and over.
_CACHED = 8192


def fecha(value: date | datetime) -> str:
    """'30 de junio de 2022' (a datetime is shown on its Lima calendar day)."""
    if isinstance(value, datetime):
        value = value.astimezone(LIMA).date()
    return _fecha(value)


@lru_cache(maxsize=_CACHED)
def _fecha(day: date) -> str:
    from babel.dates import format_date  # Babel's locale data: only when a date is worded

    return format_date(day, format="d 'de' MMMM 'de' y", locale=LOCALE)


def fecha_hora(value: datetime) -> str:
    """'30 de junio de 2022, 23:59' in Lima time."""
    local = value.astimezone(LIMA)
    # The pattern shows the day and the minute only: one cache entry per Lima minute.
    return _fecha_hora(local.year, local.month, local.day, local.hour, local.minute)


@lru_cache(maxsize=_CACHED)
def _fecha_hora(year: int, month: int, day: int, hour: int, minute: int) -> str:
    from babel.dates import format_datetime

    return format_datetime(datetime(year, month, day, hour, minute, tzinfo=LIMA),
                           format="d 'de' MMMM 'de' y, HH:mm", locale=LOCALE)


ROLE_LABELS: dict[str, str] = {
    "officer": "enlace de entidad",
    "secretariat": "Secretaría Técnica",
    "reviewer": "revisor consultivo",
    "member": "integrante de la comisión",
    "admin": "administrador",
    "system": "sistema",
}


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def days_phrase(days: int) -> str:
    """'faltan 7 días', 'vence hoy', '3 días de atraso'."""
    if days > 1:
        return f"faltan {days} días"
    if days == 1:
        return "falta 1 día"
    if days == 0:
        return "vence hoy"
    if days == -1:
        return "1 día de atraso"
    return f"{-days} días de atraso"


def size_text(n: int, decimals: int = 1) -> str:
    """'25 MB', '1.5 MB', '300 KB' (a size below a kilobyte never reads '0 KB')."""
    if n >= 1_048_576:
        mb = n / 1_048_576
        return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.{decimals}f} MB"
    return f"{max(1, round(n / 1024))} KB"


def size_over_limit(n: int, limit: int) -> str:
    """The size of something over ``limit``, precise enough never to read as the limit or less
    ('pesa 25.04 MB; el máximo es 25 MB', not 'pesa 25.0 MB')."""
    if n < 1_048_576:
        kb = round(n / 1024)
        return f"{kb if kb * 1024 > limit else math.ceil(n / 1024)} KB"
    for decimals in (1, 2, 3):
        if round(n / 1_048_576, decimals) * 1_048_576 > limit:
            return size_text(n, decimals)
    return size_text(n, 4)
