"""The login's second step (TOTP): enrolment, the code page, removal, and the middleware
that sends a session there before any other page (ADR 0024)."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from straz.accounts import twofactor
from straz.accounts.models import User
from straz.web.landing import landing_url

CODE_FIELD = "code"
# Machine interfaces: a session that still owes its code is anonymous there (no redirect).
_MACHINE_PREFIXES = ("/api/", "/open311/")


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return landing_url(request)


def _verified(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_verified", lambda: False)())


def _qr_svg(device_url: str) -> str:
    # segno writes the QR code as plain SVG paths (no script, no external image); its
    # input is the otpauth URL, whose parts segno encodes as data, not markup.
    svg = segno.make(device_url, error="m").svg_inline(scale=4, title=_("QR code for the authenticator app"))
    return mark_safe(svg)  # noqa: S308 - generated SVG, no user markup


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Show the QR code and secret of a new TOTP device; a correct code confirms it."""
    user = cast(User, request.user)
    if twofactor.has_device(user):
        if not _verified(request):
            return _redirect_with_next("web:two-factor-verify", _next_url(request))
        return render(
            request,
            "web/two_factor_status.html",
            {"nav": "two-factor", "required": twofactor.must_verify(user)},
        )
    error = ""
    if request.method == "POST":
        if twofactor.confirm_enrolment(request=request, user=user, code=request.POST.get(CODE_FIELD, "")):
            return HttpResponseRedirect(_next_url(request))
        error = _("The code is not right. Check the clock of your phone and enter the current code.")
    device = twofactor.pending_device(user)
    return render(
        request,
        "web/two_factor_enrol.html",
        {
            "nav": "two-factor",
            "qr_svg": _qr_svg(device.config_url),
            "secret": twofactor.secret_text(device),
            "error": error,
            "next": _next_url(request),
        },
        status=400 if error else 200,
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The login's second step: the current code from the user's authenticator app."""
    user = cast(User, request.user)
    if not twofactor.has_device(user):
        return _redirect_with_next("web:two-factor", _next_url(request))
    if _verified(request):
        return HttpResponseRedirect(_next_url(request))
    error = ""
    if request.method == "POST":
        if twofactor.verify(request=request, user=user, code=request.POST.get(CODE_FIELD, "")):
            return HttpResponseRedirect(_next_url(request))
        error = _("The code is not right. Enter the current code from your authenticator app.")
        wait = twofactor.retry_wait_seconds(user)
        if wait:
            error += " " + ngettext(
                "After a wrong code the next one is accepted in %(seconds)d second.",
                "After a wrong code the next one is accepted in %(seconds)d seconds.",
                wait,
            ) % {"seconds": wait}
    return render(
        request,
        "web/two_factor_verify.html",
        {"nav": "two-factor", "error": error, "next": _next_url(request)},
        status=400 if error else 200,
    )


@login_required
@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    """Remove the user's own device (a verified session only: the middleware sees to it)."""
    user = cast(User, request.user)
    twofactor.remove_devices(user=user, actor=user)
    # Without a device this session is no longer verified: decide afresh what it needs.
    request.session.pop(twofactor.SESSION_KEY, None)
    return HttpResponseRedirect(reverse("web:two-factor"))


def _redirect_with_next(name: str, target: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': target})}")


class SecondFactorMiddleware:
    """A logged-in session that must pass the second factor sees nothing else first.

    Pages redirect to the code page (or to enrolment when the account has no device yet);
    the JSON API and Open311 treat such a session as anonymous. API tokens are a separate credential
    and are not affected.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not _verified(request)
            and not self._exempt(request.path_info)
            and twofactor.session_must_verify(request, cast(User, user))
        ):
            if request.path_info.startswith(_MACHINE_PREFIXES):
                request.user = AnonymousUser()
            else:
                name = "web:two-factor-verify" if twofactor.has_device(cast(User, user)) else "web:two-factor"
                return _redirect_with_next(name, request.get_full_path())
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        allowed = {
            reverse("web:two-factor"),
            reverse("web:two-factor-verify"),
            reverse("web:logout"),
            reverse("set_language"),
        }
        return path in allowed or path.startswith(settings.STATIC_URL)
