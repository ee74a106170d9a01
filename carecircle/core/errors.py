"""Domain errors: a stable code for machines, a plain-language message for people."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base for every error an action raises on purpose."""

    code = "invalid"
    status = 400

    def __init__(self, message: Any, *, code: str | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field


class ValidationFailed(DomainError):
    code = "invalid"
    status = 400


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
