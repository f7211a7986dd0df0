"""The back office speaks the administrator's language (issue 9, item 7): permissions and
record titles, which Django would show in English."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/admin/auth/group/add/", "/admin/accounts/user/{pk}/change/"])
def test_the_permission_picker_names_permissions_in_czech(url: str, client_for: Any, admin_user: Any) -> None:
    html = client_for(admin_user).get(url.format(pk=admin_user.pk), HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert "Can add" not in html and "Can view" not in html
    assert "Mapa hrozeb | podnět | Přidat" in html  # app | model | action, all translated


def test_a_permission_label_follows_the_language() -> None:
    from straz.accounts.admin import permission_label

    permission = Permission.objects.get(codename="view_report")
    with translation.override("pl"):
        assert permission_label(permission) == "Mapa zagrożeń | zgłoszenie | Zobacz"
    with translation.override("en"):
        assert permission_label(permission) == "Threat map | report | View"


def test_record_titles_are_translated(categories: Any, district_a: Any) -> None:
    from straz.reports import services

    report_id = services.submit_report(
        category_code="illegal-dump", lat=49.7401, lon=13.3701, description="x", client_ip="203.0.113.9", source="api"
    ).report_id
    from straz.reports.models import Report

    report = Report.objects.get(pk=report_id)
    with translation.override("cs"):
        assert str(report) == f"Podnět č. {report_id} (Nový)"
        assert str(report.events.first()) == f"Nahlášeno · #{report_id}"
