"""The DejaVu Sans font files the reports draw and embed (charts, PDF): the copy matplotlib
ships in ``mpl-data/fonts/ttf``, found without importing matplotlib (which would cost about
half a second and is not otherwise needed)."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def fonts_dir() -> Path:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("No se encuentra el paquete matplotlib, que provee la fuente DejaVu Sans de los informes.")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


def font_file(name: str) -> Path:
    """``DejaVuSans.ttf``, ``DejaVuSans-Bold.ttf``, ``DejaVuSans-Oblique.ttf``."""
    return fonts_dir() / name
