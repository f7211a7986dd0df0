"""Public and staff pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from straz.web import views

app_name = "web"

urlpatterns = [
    path("", views.map_page, name="map"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", views.staff_queue, name="staff-queue"),
]
