"""Regenerate click's Spanish catalog: ``python -m conaig_flow.cli.catalog`` reads the messages
of the installed click (Babel's extractor), keeps the translations already in ``click.po``,
lists the messages still without one, and compiles ``click.mo``. Run it after upgrading click;
``tests/test_cli_lazy.py`` fails while a message of click has no translation."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from conaig_flow.cli.spanish import DOMAIN, MESSAGES

PO = MESSAGES / "es" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")


def click_messages() -> list[str | tuple[str, str]]:
    """Every text click looks up with gettext (singular, or singular and plural)."""
    found: list[str | tuple[str, str]] = []
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(Path(click.__file__).parent), keywords=keywords
    ):
        msg = message if isinstance(message, str) else (message[0], message[1])
        if msg and msg not in found:
            found.append(msg)
    return found


def untranslated() -> list[str | tuple[str, str]]:
    """Messages of the installed click that the shipped catalog does not translate."""
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    missing: list[str | tuple[str, str]] = []
    for m in click_messages():
        entry = catalog.get(m[0] if isinstance(m, tuple) else m)
        strings = entry.string if entry is not None else ""
        if not (all(strings) if isinstance(strings, tuple) else strings):
            missing.append(m)
    return missing


def main() -> int:
    with PO.open("rb") as fh:
        old = read_po(fh)
    new = Catalog(locale="es", domain=DOMAIN, project="conaig-flow: textos de click", copyright_holder="conaig-flow",
                  fuzzy=False, last_translator="conaig-flow", language_team="es-PE")
    missing = []
    for m in click_messages():
        key = m[0] if isinstance(m, tuple) else m
        entry = old.get(key)
        if entry is None or not entry.string:
            missing.append(m)
            new.add(m, ("", "") if isinstance(m, tuple) else "")
        else:
            new.add(m, entry.string)
    with PO.open("wb") as fh:
        write_po(fh, new, width=100, no_location=True, omit_header=False)
    with MO.open("wb") as fh:
        write_mo(fh, new)
    for m in missing:
        print(f"sin traducción: {m!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
