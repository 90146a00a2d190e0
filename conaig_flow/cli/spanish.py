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

MESSAGES = Path(__file__).resolve().parent / "messages"
DOMAIN = "click"


def use_spanish() -> None:
    os.environ["LANGUAGE"] = "es"
    gettext.bindtextdomain(DOMAIN, str(MESSAGES))
    gettext.textdomain(DOMAIN)
