"""The acta's small lifecycle and its number (pure).

draft (generated when the session closes) → approved (at the end of the same session or at
the start of the next) → signed (by the presidency and the secretariat; any member who asks
signs too).
"""

from __future__ import annotations

ACTA_STATES = {"draft": "Borrador", "approved": "Aprobada", "signed": "Firmada"}
ACTA_TRANSITIONS = {("draft", "approve"): "approved", ("approved", "sign"): "approved"}
REQUIRED_SIGNERS = ("presidency", "secretariat")
SIGNER_LABELS = {"presidency": "Presidencia", "secretariat": "Secretaría Técnica", "member": "Integrante"}


def acta_code(pattern: str, number: int, year: int, commission: str) -> str:
    """``ACTA N° {number:03d}-{year}-{commission}`` → ``ACTA N° 003-2022-CONAIG``."""
    return pattern.format(number=number, year=year, commission=commission)


def state_after_signature(signed_roles: set[str]) -> str:
    """An approved acta becomes signed once every required signer has signed."""
    return "signed" if all(r in signed_roles for r in REQUIRED_SIGNERS) else "approved"
