"""Server-side pages of a long list: which page, how many in all, the links to the others
(keeping the search and filters), and the free-text search every list offers."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlencode

from conaig_flow.errors import InvalidInput

PAGE_SIZE = 25
#: The longest search text accepted (longer is a mistake or an attack, not a search).
MAX_QUERY = 200


def page_number(text: str) -> int:
    """The page asked for (``pagina=``): empty is the first; anything else must be a whole number ≥ 1."""
    text = text.strip()
    if not text:
        return 1
    if not text.isdigit() or int(text) < 1 or len(text) > 9:
        raise InvalidInput(f"Número de página no válido «{text[:20]}»: se espera un número entero desde 1.")
    return int(text)


def search_text(text: str) -> str:
    """The search typed, trimmed (``buscar=``); refused when too long."""
    text = " ".join(text.split())
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"La búsqueda tiene {len(text)} caracteres; el máximo es {MAX_QUERY}.")
    return text


def folded(text: str) -> str:
    """Lower case without accents: «Huamán» and «huaman» match."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class Paging:
    path: str
    page: int  # already within 1..pages
    total: int
    per_page: int = PAGE_SIZE
    params: dict[str, str] = field(default_factory=dict)  # the search and filters to keep

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first_shown(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last_shown(self) -> int:
        return min(self.total, self.offset + self.per_page)

    def link(self, page: int) -> str:
        query = {k: v for k, v in self.params.items() if v}
        if page > 1:
            query["pagina"] = str(page)
        return f"{self.path}?{urlencode(query)}" if query else self.path

    def window(self) -> list[int | None]:
        """Page numbers to offer: the first, the last, two either side of this one; None is a gap."""
        wanted = {1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)}
        out: list[int | None] = []
        previous = 0
        for n in sorted(wanted):
            if n - previous > 1:
                out.append(None)
            out.append(n)
            previous = n
        return out


def paging(path: str, requested: int, total: int, params: dict[str, str], per_page: int = PAGE_SIZE) -> Paging:
    """The page to show: a page past the last shows the last."""
    pages = max(1, -(-total // per_page))
    return Paging(path, min(requested, pages), total, per_page, params)
