"""Request-level guards that run before the views see any input."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from xml.sax.saxutils import escape

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from straz.core.config import straz_settings
from straz.core.intake import is_trusted_proxy


class BodySizeLimitMiddleware:
    """Refuse oversized bodies with 413 and a clear message, without reading them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.STRAZ_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            # This runs before LocaleMiddleware, so pick the user's language here.
            with translation.override(translation.get_language_from_request(request)):
                message = _("The request is too large (%(size)d MB at most).") % {
                    "size": limit // (1024 * 1024)
                }
            return JsonResponse({"detail": message}, status=413)
        return self.get_response(request)


# How a NUL shows in each kind of body: raw, JSON-escaped, or percent-encoded in a form.
_NUL_MARKERS = {
    "application/json": (b"\x00", b"\\u0000"),
    "application/x-www-form-urlencoded": (b"\x00", b"%00"),
    "text/": (b"\x00",),
}


def _has_nul(request: HttpRequest) -> bool:
    """True when the path, query or a text part of the body carries a NUL character."""
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if request.method not in {"POST", "PUT", "PATCH"}:
        return False
    content_type = request.META.get("CONTENT_TYPE", "")
    for prefix, markers in _NUL_MARKERS.items():
        if content_type.startswith(prefix):
            body = request.body
            return any(marker in body for marker in markers)
    if content_type.startswith("multipart/form-data"):
        # Files may hold NUL bytes legitimately; only the text fields are checked.
        return any("\x00" in value for values in request.POST.lists() for value in values[1])
    return False


class NulByteGuardMiddleware:
    """Refuse NUL characters in any text input with 400 (PostgreSQL cannot store them)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _has_nul(request):
            return self.get_response(request)
        with translation.override(translation.get_language_from_request(request)):
            message = _("The request contains a NUL character, which is not allowed in any field.")
        path = request.path
        if path.startswith("/open311/"):
            if path.endswith(".xml"):
                xml = (
                    '<?xml version="1.0" encoding="utf-8"?>\n'
                    f"<errors><error><code>400</code><description>{escape(message)}</description></error></errors>"
                )
                return HttpResponse(xml, status=400, content_type="application/xml; charset=utf-8")
            return JsonResponse([{"code": 400, "description": message}], status=400, safe=False)
        if path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


# Headers a reverse proxy writes about the original request; from anyone else they are lies.
_PROXY_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


class UntrustedProxyHeadersMiddleware:
    """Drop X-Forwarded-* headers unless the request comes from a configured proxy (ADR 0027).

    A client that reaches the application port directly could otherwise claim another
    address (rate limits) or HTTPS (SECURE_PROXY_SSL_HEADER). core.intake.client_ip
    checks the same rule itself; this guard covers Django's own readers of these headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        behind_proxy = straz_settings().trusted_proxy_count > 0
        if not behind_proxy or not is_trusted_proxy(str(request.META.get("REMOTE_ADDR") or "")):
            for name in _PROXY_HEADERS:
                request.META.pop(name, None)
        return self.get_response(request)


@functools.cache
def _wing_private_paths() -> tuple[re.Pattern[str], ...]:
    """Staff-only paths the wings declare on their AppConfig (`private_paths()`, regexes).

    A wing whose staff routes share a prefix with a public one (the soft-target registry
    answers the public with its public projection, its sub-resources only staff) names
    them here, as it registers its map layers and record kinds."""
    found: list[re.Pattern[str]] = []
    for config in apps.get_app_configs():
        declare = getattr(config, "private_paths", None)
        if declare is not None:
            found += [re.compile(p) for p in declare()]
    return tuple(found)


def is_private_request(request: HttpRequest) -> bool:
    """True when the response may carry staff data and must stay out of every shared cache.

    That is any request of a logged-in user, any request with credentials of its own (an
    API token in the Authorization header), and any path under the staff-only prefixes the
    shell lists in STRAZ_PRIVATE_PATH_PREFIXES or matching a wing's `private_paths()`
    (even the refusal an anonymous caller gets).
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    if request.META.get("HTTP_AUTHORIZATION"):
        return True
    prefixes = getattr(settings, "STRAZ_PRIVATE_PATH_PREFIXES", ())
    if any(request.path.startswith(prefix) for prefix in prefixes):
        return True
    return any(p.fullmatch(request.path) for p in _wing_private_paths())


class PrivateCacheMiddleware:
    """Staff responses say ``Cache-Control: private, no-store``; public pages keep theirs.

    A browser's back button or a shared proxy must not keep a copy of a staff page (police
    data, callers' numbers). The header replaces whatever the view set, and ``Expires`` goes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_private_request(request):
            response["Cache-Control"] = "private, no-store"
            if "Expires" in response:
                del response["Expires"]
        return response
