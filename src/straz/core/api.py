"""The API's error envelope: every error answers `{"detail": "<translated message>"}`.

Wings add the labels of their own field names with `register_field_labels`, so that a
validation message names the field in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.parser import Parser

from straz.core.errors import DomainError
from straz.core.intake import require_json

LANGS = {code for code, _name in settings.LANGUAGES}


class ErrorOut(Schema):
    detail: str


class JsonBodyParser(Parser):
    """Ninja's JSON body parser that first insists on a JSON Content-Type (415 otherwise).

    Without it Ninja reads any body as JSON, `text/plain` included, which a page of another
    site may send from a visitor's browser without a CORS preflight (ADR 0027).
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        require_json(request)
        return super().parse_body(request)


_FIELD_LABELS: dict[str, str | Promise] = {
    "limit": gettext_lazy("limit"),
    "offset": gettext_lazy("offset"),
    "lang": gettext_lazy("language"),
    "Idempotency-Key": "Idempotency-Key",
    "idempotency_key": "Idempotency-Key",
}
_WHERE = {"body", "payload", "form", "query", "path", "header", "cookie", "file"}


def register_field_labels(labels: Mapping[str, str | Promise]) -> None:
    """Name a wing's API fields (lazily translated) for the validation messages."""
    _FIELD_LABELS.update(labels)

def describe_validation_errors(errors: list[dict[str, Any]]) -> str:
    """One clear, translated sentence for the first problem Pydantic found."""
    if not errors:
        return _("The request is invalid.")
    err = errors[0]
    kind = str(err.get("type", ""))
    names = [str(p) for p in err.get("loc", ()) if not isinstance(p, int) and str(p) not in _WHERE]
    raw = names[-1] if names else ""
    label = str(_FIELD_LABELS.get(raw, raw))
    ctx = err.get("ctx") or {}
    if kind == "json_invalid" or (
        not raw and kind in {"model_attributes_type", "dict_type", "model_type"}
    ):
        return _("The request body must be a JSON object.")
    if kind == "extra_forbidden":
        return _("Unknown field “%(field)s”.") % {"field": raw[:60]}
    if kind == "missing":
        return _("The field “%(field)s” is required.") % {"field": label}
    if raw == "lat" and kind.startswith(("greater", "less", "finite")):
        return _("The latitude must be between -90 and 90 degrees.")
    if raw == "lon" and kind.startswith(("greater", "less", "finite")):
        return _("The longitude must be between -180 and 180 degrees.")
    if kind == "string_too_long":
        return _("The %(field)s may have at most %(max)s characters.") % {
            "field": label,
            "max": ctx.get("max_length", "?"),
        }
    if kind == "string_too_short":
        return _("The %(field)s must not be empty.") % {"field": label}
    if kind.startswith(("greater", "less")):
        return _("The %(field)s is out of the allowed range.") % {"field": label}
    if kind.startswith(("float", "int", "finite", "decimal")):
        return _("The %(field)s must be a number.") % {"field": label}
    if kind.startswith(("datetime", "date", "timezone")):
        return _("The %(field)s must be a date and time such as 2026-05-01T18:30:00+02:00.") % {
            "field": label
        }
    if kind in {"literal_error", "enum"}:
        return _("The %(field)s has an invalid value.") % {"field": label}
    if kind.startswith("bool"):
        return _("The %(field)s must be true or false.") % {"field": label}
    if kind.startswith("string") or kind.startswith("str"):
        return _("The %(field)s must be text.") % {"field": label}
    if label:
        return _("The %(field)s is invalid.") % {"field": label}
    return _("The request is invalid.")


def request_language(request: HttpRequest) -> str:
    """The ?lang= of the request when it is one of ours, else the active language."""
    lang = request.GET.get("lang", "")
    return lang if lang in LANGS else translation.get_language() or settings.LANGUAGE_CODE


def _error(
    request: HttpRequest,
    message_factory: Callable[[], str] | str,
    status: int,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    with translation.override(request_language(request)):
        message = message_factory() if callable(message_factory) else str(message_factory)
    response = JsonResponse(
        {"detail": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def install_error_handlers(api: NinjaAPI) -> None:
    """Make every API error a `{"detail": "<translated message>"}` with the right status."""

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        return _error(request, lambda: describe_validation_errors(list(exc.errors)), 422)

    def on_domain_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return _error(request, exc.message, exc.status, exc.headers())

    def on_authentication(request: HttpRequest, exc: Any) -> HttpResponse:
        return _error(request, lambda: _("Log in or send a valid API token."), 401)

    def on_authorization(request: HttpRequest, exc: Any) -> HttpResponse:
        return _error(request, lambda: _("You are not allowed to do this."), 403)

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        # Ninja wraps whatever the body parser raises in a 400; a refusal of ours inside
        # it (JsonBodyParser's 415) keeps its own status and message.
        if isinstance(exc.__cause__, DomainError):
            return on_domain_error(request, exc.__cause__)
        if exc.status_code == 400:
            return _error(request, lambda: _("The request body must be a JSON object."), 400)
        return _error(request, str(exc), exc.status_code)

    def on_404(request: HttpRequest, exc: Any) -> HttpResponse:
        return _error(request, lambda: _("Not found."), 404)

    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(DomainError, on_domain_error)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(AuthorizationError, on_authorization)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_404)
