"""Confirmation before an action that cannot be undone (convene, conclude a session, deactivate
a user), without JavaScript: the page's form carries ``confirmacion=pedida`` and a required
checkbox ``confirmo=si``. A browser will not send the form unticked; a form that asked for the
confirmation and arrives without it (a browser that skips validation) is refused here, and
nothing is changed. Clients of the JSON API and scripts, which never saw the question, are not
asked."""

from __future__ import annotations

from conaig_flow.errors import InvalidInput

ASKED = "pedida"


def require_confirmation(asked: str, confirmed: str, what: str) -> None:
    """Raise a Spanish refusal when the form asked to confirm ``what`` and the box is unticked."""
    if asked == ASKED and confirmed != "si":
        raise InvalidInput(f"Marque la casilla de confirmación para {what}: esta acción no se puede deshacer.")
