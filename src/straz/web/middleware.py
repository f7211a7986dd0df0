"""Request-level guards that run before Django reads a body."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _


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
                message = _("The request is too large (%(size)d MB at most).") % {"size": limit // (1024 * 1024)}
            return JsonResponse({"detail": message}, status=413)
        return self.get_response(request)
