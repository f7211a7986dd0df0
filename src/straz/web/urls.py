"""Cross-wing pages: staff login and logout with its second factor, the source download."""

from django.contrib.auth import views as auth_views
from django.urls import path

from straz.web import landing, source, twofactor

app_name = "web"

urlpatterns = [
    path("source/", source.source_download, name="source"),
    path(
        "login/",
        landing.LoginView.as_view(),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The login's second step (ADR 0024).
    path("staff/two-factor/", twofactor.enrol, name="two-factor"),
    path("staff/two-factor/verify/", twofactor.verify, name="two-factor-verify"),
    path("staff/two-factor/remove/", twofactor.remove, name="two-factor-remove"),
]
