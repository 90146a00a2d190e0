"""Jinja2 templates of the text reports (HTML, Markdown) and of the open-data dictionary.

Templates ship inside the package (``conaig_flow/reports/templates``); a folder given with
``--templates`` (or ``CONAIG_REPORT_TEMPLATES``) is searched first, so a secretariat can
change the wording or the layout of a report without touching the code.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from conaig_flow.domain.progress import Progress
from conaig_flow.i18n import fecha, fecha_hora
from conaig_flow.rendering.reports import text

PACKAGE_TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=16)
def environment(override: Path | None = None) -> Environment:
    """One environment per template folder and process: each template is compiled once (no
    ``auto_reload``; a server picks up edited templates when it restarts)."""
    loaders = [FileSystemLoader(str(override))] if override else []
    loaders.append(FileSystemLoader(str(PACKAGE_TEMPLATES)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["fecha"] = fecha
    env.filters["fecha_hora"] = fecha_hora
    env.filters["pct"] = text.percent
    env.filters["data_uri"] = lambda png: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    env.filters["md_cell"] = lambda value: str(value).replace("|", "\\|").replace("\n", " ")
    env.globals["text"] = text
    return env


def render(name: str, override: Path | None = None, **context: object) -> str:
    return environment(override).get_template(name).render(**context)


def objective_sections(progress: Progress) -> list[dict[str, object]]:
    """Section II's structure: objective → activity → its deliverables."""
    return [
        {
            "group": g,
            "activities": [
                (a, [text.item_cells(i) for i in text.items_of(progress, a.code)])
                for a in progress.by_activity
                if a.parent == g.code
            ],
        }
        for g in progress.by_objective
    ]
