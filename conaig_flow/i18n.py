"""Spanish (es-PE) wording of dates, states and roles for everything a person reads."""

from __future__ import annotations

import math
import re
import unicodedata
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


#: What an outbox message is, by its kind (the code stored with it).
MESSAGE_KIND_LABELS: dict[str, str] = {
    "event": "aviso de un paso del entregable",
    "reminder": "recordatorio de plazo",
    "summary": "resumen de vencidos",
    "convocatoria": "convocatoria a sesión",
    "consultation": "consulta pública",
    "account": "cuenta de usuario",
}


def message_kind_label(kind: str) -> str:
    return MESSAGE_KIND_LABELS.get(kind, kind)


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


def cuenta(n: int, singular: str, plural: str | None = None) -> str:
    """'1 abstención', '0 abstenciones', '3 aportes vigentes': the count with the noun (and
    what agrees with it) in singular or plural. ``plural`` defaults to Spanish's regular plural
    of each word («vigente» → «vigentes», «abstención» → «abstenciones»)."""
    if n == 1:
        return f"{n} {singular}"
    if plural is None:
        words = singular.split()
        cut = next((i for i, w in enumerate(words) if w in _LINKS), len(words))  # «integrante con derecho a voto»
        plural = " ".join([*(_plural(w) for w in words[:cut]), *words[cut:]])
    return f"{n} {plural}"


_LINKS = frozenset({"de", "del", "con", "sin", "a", "al", "en", "para", "por", "que", "y", "o"})


_UNACCENT = str.maketrans("áéíóú", "aeiou")


def _plural(word: str) -> str:
    """The regular plural of a Spanish noun or adjective (not for invariable words)."""
    if not word[-1:].isalpha():
        return word
    last = word[-1]
    if last in "aeiouáéó":
        return word + "s"
    if last == "z":
        return word[:-1] + "ces"
    if last in "sx" and not word.endswith(("ás", "és", "ís", "ós", "ús")) and sum(c in "aeiouáéíóú" for c in word) > 1:
        return word  # «lunes», «análisis», «tórax»: a plural unchanged
    stem = word
    if word.endswith(("ón", "ín", "án", "én", "ás", "és", "ós", "ús")):  # «país» → «países» keeps its tilde
        stem = word[:-2] + word[-2].translate(_UNACCENT) + word[-1]
    return stem + "es"


#: First words of feminine institution names («la Defensoría», «la Autoridad», «la Oficina»).
_FEMININE_ENDINGS = ("a", "ía", "ión", "dad", "tud", "umbre")
_MASCULINE_A = frozenset({"Programa", "Sistema", "Consejo"})


def articulo(name: str) -> str:
    """The article an institution's name takes: 'el ' (Ministerio de Salud, Poder Judicial),
    'la ' (Defensoría del Pueblo, Autoridad Nacional…, Oficina Nacional…), '' (a name without
    article: an acronym, a single word, a name that already starts with one)."""
    if " " not in name.strip():
        return ""
    first = name.split(" ", 1)[0].capitalize()  # «MINISTERIO DE …» on a letterhead reads as «Ministerio»
    if first.lower() in ("el", "la", "los", "las"):
        return ""
    if first in _MASCULINE_A or not first.endswith(_FEMININE_ENDINGS):
        return "el "
    return "la "


def de(name: str) -> str:
    """The preposition «de» with the article an institution's name takes, to put before it:
    'del ' (Ministerio de Salud), 'de la ' (Defensoría del Pueblo), 'de ' (no article)."""
    return {"el ": "del ", "la ": "de la "}.get(articulo(name), "de ")


def action_name(label: str) -> str:
    """The name a person types for a lifecycle action at the command line, made from its label:
    «Observar (devolver para corrección)» → 'observar', «Dar conformidad técnica» →
    'dar-conformidad-tecnica' (lower case, no accents, no parenthesis, words joined by '-')."""
    text = re.sub(r"\([^)]*\)", " ", label)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return "-".join(re.findall(r"[a-z0-9]+", text))
