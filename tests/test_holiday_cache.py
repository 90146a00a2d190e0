"""The national holidays kept between processes give the same days as ``holidays`` itself."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conaig_flow.services.deliverables.calendar import national_holidays


def test_holidays_kept_in_the_cache_folder_are_the_same_as_computed(tmp_path: Path) -> None:
    computed = national_holidays(2021, 2023)
    first = national_holidays.__wrapped__(2021, 2023, tmp_path)
    kept = list(tmp_path.glob("feriados-PE-es-*-2021-2023.json"))
    assert len(kept) == 1
    again = national_holidays.__wrapped__(2021, 2023, tmp_path)  # read back from the file
    assert first == again == computed
    assert (date(2022, 7, 28), "Día de la Independencia") in again


def test_a_damaged_cache_file_is_computed_again(tmp_path: Path) -> None:
    national_holidays.__wrapped__(2022, 2022, tmp_path)
    kept = next(tmp_path.glob("feriados-PE-es-*-2022-2022.json"))
    kept.write_text("[[\"no es una fecha\"", encoding="utf-8")
    assert national_holidays.__wrapped__(2022, 2022, tmp_path) == national_holidays(2022, 2022)


def test_a_folder_that_cannot_be_written_still_gives_the_holidays(tmp_path: Path) -> None:
    blocked = tmp_path / "archivo"
    blocked.write_text("", encoding="utf-8")  # a file where the folder should be
    assert national_holidays.__wrapped__(2022, 2022, blocked / "cache") == national_holidays(2022, 2022)
