"""Public consultation on a deliverable: organisations, contributions and their answers.

Pure rules: validation of organisation records, the open/closed window, which contributions
still need an answer, and participation figures.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

ORGANISATION_KINDS: dict[str, str] = {
    "gobierno_regional": "Gobierno regional",
    "gobierno_local": "Gobierno local",
    "sociedad_civil": "Sociedad civil",
    "colectivo": "Colectivo",
    "academia": "Academia",
    "cooperacion": "Cooperación internacional",
    "otro": "Otro",
}

#: Peru's 25 regions plus Lima Metropolitana.
REGIONS: tuple[str, ...] = (
    "Amazonas", "Áncash", "Apurímac", "Arequipa", "Ayacucho", "Cajamarca", "Callao", "Cusco",
    "Huancavelica", "Huánuco", "Ica", "Junín", "La Libertad", "Lambayeque", "Lima", "Loreto",
    "Madre de Dios", "Moquegua", "Pasco", "Piura", "Puno", "San Martín", "Tacna", "Tumbes",
    "Ucayali", "Lima Metropolitana",
)

DECISIONS: dict[str, str] = {
    "accepted": "Acogido",
    "partly_accepted": "Acogido parcialmente",
    "not_accepted": "No acogido",
}

MAX_CONTRIBUTION_CHARS = 20_000
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


def _fold(text: str) -> str:
    """Lower case without accents, single spaces: 'ÁNCASH ' -> 'ancash'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


_KIND_BY_FOLD = {**{_fold(k): k for k in ORGANISATION_KINDS}, **{_fold(v): k for k, v in ORGANISATION_KINDS.items()}}
_KIND_BY_FOLD.update({"gobierno regional": "gobierno_regional", "gobierno local": "gobierno_local",
                      "sociedad civil": "sociedad_civil", "cooperacion": "cooperacion", "otra": "otro"})
_REGION_BY_FOLD = {_fold(r): r for r in REGIONS}


@dataclass(frozen=True)
class OrganisationRecord:
    name: str
    kind: str
    region: str
    emails: tuple[str, ...]


@dataclass(frozen=True)
class RowProblem:
    row: int  # 1-based line number in the file (header is line 1)
    name: str
    reason: str


def validate_organisation(row: Mapping[str, str], line: int) -> OrganisationRecord | RowProblem:
    name = " ".join((row.get("nombre") or "").split())
    reasons: list[str] = []
    if not name:
        reasons.append("falta el nombre")
    kind_text = row.get("tipo") or ""
    kind = _KIND_BY_FOLD.get(_fold(kind_text))
    if kind is None:
        options = ", ".join(ORGANISATION_KINDS.values())
        reasons.append(f"tipo «{kind_text}» desconocido (se espera: {options})")
    region_text = row.get("region") or row.get("región") or ""
    region = _REGION_BY_FOLD.get(_fold(region_text))
    if region is None:
        reasons.append(f"región «{region_text}» desconocida (se espera una de las 25 regiones o Lima Metropolitana)")
    emails = tuple(e.strip().lower() for e in re.split(r"[;,\s]+", row.get("correos") or "") if e.strip())
    if not emails:
        reasons.append("falta al menos un correo de contacto")
    bad = [e for e in emails if not _EMAIL.match(e)]
    if bad:
        reasons.append(f"correo no válido: {', '.join(bad)}")
    if reasons:
        return RowProblem(line, name or "(sin nombre)", "; ".join(reasons))
    assert kind is not None and region is not None
    return OrganisationRecord(name, kind, region, emails)


def validate_organisations(
    rows: Sequence[Mapping[str, str]], existing_names: Iterable[str]
) -> tuple[list[OrganisationRecord], list[RowProblem]]:
    """Split rows into acceptable records and problems (duplicates included). Line 1 is the header."""
    taken = {_fold(n) for n in existing_names}
    good: list[OrganisationRecord] = []
    bad: list[RowProblem] = []
    for index, row in enumerate(rows, start=2):
        result = validate_organisation(row, index)
        if isinstance(result, RowProblem):
            bad.append(result)
        elif _fold(result.name) in taken:
            bad.append(RowProblem(index, result.name, "la organización ya está registrada (o se repite en el archivo)"))
        else:
            taken.add(_fold(result.name))
            good.append(result)
    return good, bad


def window_problem(opens_at: datetime, closes_at: datetime, now: datetime) -> str | None:
    """Why a contribution can't be received now, or None when the consultation is open."""
    from conaig_flow.i18n import fecha_hora

    if now < opens_at:
        return f"La consulta aún no está abierta: recibe aportes desde el {fecha_hora(opens_at)} (hora de Lima)."
    if now >= closes_at:
        return f"La consulta cerró el {fecha_hora(closes_at)} (hora de Lima); ya no se reciben aportes."
    return None


@dataclass(frozen=True)
class ContributionFacts:
    id: int
    supersedes_id: int | None
    answered: bool
    organisation_kind: str | None
    region: str | None


def current(contributions: Iterable[ContributionFacts]) -> list[ContributionFacts]:
    """The contributions in force: those not superseded by a later correction."""
    items = list(contributions)
    superseded = {c.supersedes_id for c in items if c.supersedes_id is not None}
    return [c for c in items if c.id not in superseded]


def unanswered(contributions: Iterable[ContributionFacts]) -> list[int]:
    return [c.id for c in current(contributions) if not c.answered]


@dataclass(frozen=True)
class Participation:
    invited_by_kind: dict[str, int]
    contributing_by_kind: dict[str, int]
    contributions_by_kind: dict[str, int]
    contributions_by_region: dict[str, int]
    total_contributions: int
    answered: int


def participation(
    invited_kinds: Iterable[str],
    contributing_orgs: Iterable[tuple[str, str]],
    contributions: Iterable[ContributionFacts],
) -> Participation:
    items = current(contributions)
    orgs = dict(contributing_orgs)  # organisation name -> kind: each organisation counted once
    return Participation(
        invited_by_kind=dict(Counter(invited_kinds)),
        contributing_by_kind=dict(Counter(orgs.values())),
        contributions_by_kind=dict(Counter(c.organisation_kind or "sin_clasificar" for c in items)),
        contributions_by_region=dict(Counter(c.region or "Sin región" for c in items)),
        total_contributions=len(items),
        answered=sum(1 for c in items if c.answered),
    )
