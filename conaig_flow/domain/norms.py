"""References to Peruvian legal norms, e.g. «Resolución Ministerial N° 123-2022-MINSA»."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NORM = re.compile(
    r"^(?P<type>(?:Resolución|Decreto|Directiva|Acuerdo|Ordenanza|Ley)\b[^\d°º]*?)\s+"
    r"N\s*[°º.]?\s*(?P<number>\d{1,6})-(?P<year>(?:19|20)\d{2})-(?P<issuer>[A-ZÑ][A-ZÑ0-9/\-]*)$"
)

EXAMPLE = "Resolución Ministerial N° 123-2022-MINSA"


@dataclass(frozen=True)
class NormReference:
    type: str
    number: str
    year: int
    issuer: str

    def __str__(self) -> str:
        return f"{self.type} N° {self.number}-{self.year}-{self.issuer}"


def parse_norm_reference(text: str) -> NormReference | None:
    """The normalised reference, or None when the text is not shaped like one."""
    match = _NORM.match(" ".join(text.split()))
    if match is None:
        return None
    return NormReference(
        type=match["type"].strip(),
        number=match["number"],
        year=int(match["year"]),
        issuer=match["issuer"],
    )
