"""Domain errors: a stable code for machines, a plain-language message for people."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base for every error an action raises on purpose."""

    code = "invalid"
    status = 400

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        field: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field
        # Machine-readable specifics (e.g. what screening found), shown next to the field.
        self.details = details or []


class ValidationFailed(DomainError):
    code = "invalid"
    status = 400


class ConfirmationNeeded(ValidationFailed):
    """Nothing is saved yet: the author should read `details` and send again with confirmation.

    Raised before a post, message or profile is saved when it seems to share personal details
    or risky medical claims; the same text sent with `confirmed=True` is saved.
    """

    code = "confirmation_needed"
    status = 422


class PermissionDeniedError(DomainError):
    code = "forbidden"
    status = 403


class NotFoundError(DomainError):
    code = "not_found"
    status = 404


class ConflictError(DomainError):
    code = "conflict"
    status = 409


class RateLimitedError(DomainError):
    code = "rate_limited"
    status = 429
