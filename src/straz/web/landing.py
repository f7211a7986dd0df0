"""The login page and where each role lands after it (accounts.rules.landing_page)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest
from django.shortcuts import resolve_url

from straz.accounts.rules import landing_page


def landing_url(request: HttpRequest) -> str:
    """The first page of the logged-in user's work (the staff queue for anyone unknown)."""
    user = request.user
    role = getattr(user, "role", "")
    return resolve_url(landing_page(role, is_superuser=bool(getattr(user, "is_superuser", False))))


class LoginView(auth_views.LoginView):
    """Django's login, landing each role on its own work unless a safe `next` says otherwise."""

    template_name = "web/login.html"
    redirect_authenticated_user = True
    extra_context = {"nav": "login"}

    def get_default_redirect_url(self) -> str:
        return landing_url(self.request)
