"""click's own texts in Spanish ("Uso:", "Mostrar esta ayuda y salir.", its error messages),
through the gettext hooks click offers: click looks every text up with ``gettext.gettext``, so
binding the process's text domain to the catalog shipped here (``messages/es/LC_MESSAGES``,
made from click's messages by ``python -m conaig_flow.cli.catalog``) translates them all.

``LANGUAGE`` is set to Spanish for this process: everything the command says is Spanish,
whatever the terminal's locale (``LANGUAGE`` only chooses message catalogs; dates and numbers
are formatted by Babel in es-PE regardless)."""

from __future__ import annotations

import gettext
import os
from pathlib import Path

import click

MESSAGES = Path(__file__).resolve().parent / "messages"
DOMAIN = "click"


def use_spanish() -> None:
    os.environ["LANGUAGE"] = "es"
    gettext.bindtextdomain(DOMAIN, str(MESSAGES))
    gettext.textdomain(DOMAIN)


class SpanishChoice(click.Choice):  # type: ignore[type-arg]
    """A choice typed by its Spanish name («en-contra»), converted to the code the services
    take («against»). The old codes are still accepted (scripts written before keep working)
    but not shown: help and errors list only the Spanish names."""

    def __init__(self, names: dict[str, str]) -> None:
        """``names``: Spanish name → code."""
        self.names = dict(names)
        super().__init__(list(self.names), case_sensitive=False)

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if isinstance(value, str) and value in self.names.values():
            return value
        return self.names[str(super().convert(value, param, ctx))]


class WholeNumber(click.types.IntParamType):
    """click's integer, named in Spanish in its refusals («'x' no es un número entero válido»)."""

    name = "número entero"


class Decimal(click.types.FloatParamType):
    name = "número"


WHOLE_NUMBER = WholeNumber()
DECIMAL = Decimal()
