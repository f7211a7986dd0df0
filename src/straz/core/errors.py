"""Errors of every use case: a translated user message plus an HTTP status (the DomainError family)."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal the user should see: `message` is already translated, `status` is HTTP."""

    status: int = 400

    def __init__(
        self, message: str, status: int | None = None, *, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        # The input field the message is about (form names: category, lat, lon, description,
        # address_text, occurred_at, attachment), so that forms can show it next to the field.
        self.field = field
        if status is not None:
            self.status = status

    def headers(self) -> dict[str, str]:
        """Extra response headers (e.g. Retry-After)."""
        return {}


class ValidationFailed(DomainError):
    """The input is invalid; nothing was changed."""

    status = 422


class RateLimited(DomainError):
    """Too many reports from one client; `retry_after` is in seconds."""

    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class NotFound(DomainError):
    """No such object, or not within the caller's scope (the two are not told apart)."""

    status = 404


class Forbidden(DomainError):
    """The caller's role may not do this."""

    status = 403


class Conflict(DomainError):
    """The request contradicts the object's current state (e.g. an illegal transition)."""

    status = 409


class PayloadTooLarge(DomainError):
    """An uploaded file or body is larger than allowed."""

    status = 413


class UnsupportedMediaType(DomainError):
    """The body is sent as a type this endpoint does not take (e.g. text/plain for JSON)."""

    status = 415
