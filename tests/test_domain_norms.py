"""References to Peruvian legal norms (pure), on references written out by hand."""

from __future__ import annotations

from conaig_flow.domain.norms import NormReference, parse_norm_reference


def test_a_ministerial_resolution_is_read_and_written_back_in_one_form() -> None:
    ref = parse_norm_reference("  Resolución   Ministerial N°  123-2022-MINSA ")
    assert ref == NormReference("Resolución Ministerial", "123", 2022, "MINSA")
    assert str(ref) == "Resolución Ministerial N° 123-2022-MINSA"


def test_a_supreme_decree_with_a_leading_zero_keeps_its_number_as_written() -> None:
    ref = parse_norm_reference("Decreto Supremo Nº 004-2019-JUS")
    assert ref is not None and (ref.type, ref.number, ref.year, ref.issuer) == ("Decreto Supremo", "004", 2019, "JUS")
    assert str(ref) == "Decreto Supremo N° 004-2019-JUS"


def test_a_text_not_shaped_like_a_norm_is_not_one() -> None:
    assert parse_norm_reference("aprobado en sesión") is None
    assert parse_norm_reference("Resolución Ministerial 123-2022-MINSA") is None  # no «N°»
    assert parse_norm_reference("Resolución Ministerial N° 123-1899-MINSA") is None  # no such year
