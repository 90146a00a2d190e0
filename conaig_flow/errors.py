"""The exception tree of conaig-flow, documented in one place.

ConaigError                      base; ``exit_code`` for the CLI, ``http_status`` for the web
├── DefinitionError              a plan or lifecycle file is malformed (exit 2, nothing written)
├── InvalidInput                 a value given by a user is not acceptable (exit 2)
│   ├── DocumentRejected         an uploaded document breaks a size or type limit
│   └── SignatureRefused         a PDF signature not accepted (verdict and reason in the message)
├── NotFound                     the thing asked for does not exist, or is not visible to the actor
├── PermissionDenied             the actor's role or entity may not do this
│   └── ServiceStepOnly          a step only a session agreement or a consultation fires,
│                                attempted by hand (says how it is done)
├── TransitionNotAllowed         the trigger does not exist from the deliverable's current state
├── RequirementsNotMet           the transition exists but something it requires is missing
├── ConcurrencyConflict          somebody else changed the row first (optimistic locking)
├── SigningConflict              another signature of the same document was accepted meanwhile
├── TooManyRequests              a rate limit was reached (public consultation forms)
│   └── TooManyAttempts          sign-in throttled after repeated failures (per account/address)
├── SessionRuleViolation         the rules of the collegiate body refuse it (both titular and
│   │                            alterno, out-of-agenda item without everyone, notice too short…)
│   └── QuorumNotMet             too few voting members present to open the session or vote
├── AuthenticationRequired       no valid web session (missing, expired or ended)
│   └── InvalidCredentials       wrong email or password at sign-in
├── AccountDisabled              the right password of a deactivated account (403)
├── CsrfRejected                 a web form or API call without the session's CSRF token
├── NotInitialised               the database holds no plan yet
└── DatabaseUnavailable          the database cannot be reached or opened (exit 7)

Every message is Spanish: it is read by the people who use the system.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ConaigError(Exception):
    exit_code: int = 1
    http_status: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DefinitionIssue:
    """One problem found in a definition file: where it is and what was expected."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


class DefinitionError(ConaigError, ValueError):
    exit_code = 2
    http_status = 422

    def __init__(self, issues: Sequence[DefinitionIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class InvalidInput(ConaigError, ValueError):
    exit_code = 2
    http_status = 422


class DocumentRejected(InvalidInput):
    pass


class SignatureRefused(InvalidInput):
    """A PDF signature that is not accepted; nothing was recorded."""


class NotFound(ConaigError, LookupError):
    exit_code = 4
    http_status = 404


class PermissionDenied(ConaigError, PermissionError):
    exit_code = 3
    http_status = 403


class ServiceStepOnly(PermissionDenied):
    """A lifecycle step that only a session's agreement (``in_session``) or the opening or
    closing of a consultation fires, attempted by hand; the message says how it is done."""


class TransitionNotAllowed(ConaigError):
    exit_code = 5
    http_status = 409

    def __init__(self, trigger: str, state: str, allowed: Sequence[str], message: str) -> None:
        self.trigger = trigger
        self.state = state
        self.allowed = list(allowed)
        super().__init__(message)


class RequirementsNotMet(ConaigError):
    exit_code = 5
    http_status = 422

    def __init__(self, trigger: str, missing: Sequence[str], label: str | None = None) -> None:
        """``label``: the action as people read it (the lifecycle's label of ``trigger``)."""
        self.trigger = trigger
        self.missing = list(missing)
        lines = "\n".join(f"  - {m}" for m in self.missing)
        super().__init__(f"No se puede «{label or trigger}»; falta lo siguiente:\n{lines}")


class ConcurrencyConflict(ConaigError):
    exit_code = 6
    http_status = 409

    def __init__(self, deliverable_id: int, expected_version: int) -> None:
        self.deliverable_id = deliverable_id
        self.expected_version = expected_version
        super().__init__(
            f"El entregable {deliverable_id} fue modificado por otra persona mientras usted "
            f"trabajaba (versión {expected_version} ya no es la vigente). "
            "Vuelva a consultarlo e inténtelo de nuevo."
        )


class SigningConflict(ConaigError):
    exit_code = 6
    http_status = 409


class TooManyRequests(ConaigError):
    exit_code = 7
    http_status = 429


class NotInitialised(ConaigError):
    exit_code = 2
    http_status = 503

    def __init__(self) -> None:
        super().__init__(
            "La base de datos no tiene un plan cargado. Ejecute primero «conaig init»."
        )


class SessionRuleViolation(ConaigError):
    exit_code = 5
    http_status = 409


class QuorumNotMet(SessionRuleViolation):
    """«No hay quórum en primera convocatoria: se requieren 11 integrantes con voto (art. 99.1
    de la Ley N° 27444); hay 10.» ``basis`` is the rule's article, from the plan."""

    def __init__(self, required: int, present: int, when: str, basis: str = "") -> None:
        self.required = required
        self.present = present
        self.basis = basis
        cited = f" ({basis})" if basis else ""
        super().__init__(
            f"No hay quórum {when}: se requieren {required} integrantes con voto{cited}; hay {present}. "
            "No se puede instalar la sesión ni tomar votaciones sin quórum."
        )


class AuthenticationRequired(ConaigError):
    exit_code = 3
    http_status = 401


class InvalidCredentials(AuthenticationRequired):
    pass


class TooManyAttempts(TooManyRequests):
    exit_code = 3
    http_status = 429

    def __init__(self, message: str, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AccountDisabled(ConaigError):
    """The password was right, but the account is deactivated."""

    exit_code = 3
    http_status = 403


class CsrfRejected(ConaigError):
    exit_code = 3
    http_status = 403


class DatabaseUnavailable(ConaigError):
    exit_code = 7
    http_status = 503
