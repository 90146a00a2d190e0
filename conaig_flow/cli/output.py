"""Plain-text tables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def emit_document(name: str, content: bytes, fmt: str, out: Path | None, written: str) -> None:
    """A rendered document: text formats to the terminal unless ``--out``; others to a file
    (``out`` or ``name``), reported as ``written`` («Documento escrito en …»)."""
    import click

    from conaig_flow.errors import InvalidInput

    if out is None and fmt in ("md", "html"):
        click.echo(content.decode("utf-8"), nl=False)
        return
    target = out or Path(name)
    try:
        target.write_bytes(content)
    except OSError as exc:
        raise InvalidInput(f"No se puede escribir «{target}»: {exc.strerror}.") from None
    click.echo(f"{written} {target} ({len(content)} bytes).")
