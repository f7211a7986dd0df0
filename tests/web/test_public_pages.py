"""Public pages: map, report page, find your district — languages, privacy, no CDN."""

from __future__ import annotations

import re
from typing import Any

import pytest

from straz.reports.intake import IncomingAttachment
from tests.web.conftest import IN_A, OUTSIDE, REPORTER_IP, SECRET_DESCRIPTION, browser, jpeg_bytes

pytestmark = pytest.mark.django_db

PAGES = ["/", "/report/", "/districts/", "/login/"]
# One phrase of the navigation in each language: proves the page was translated.
NAV_REPORT = {"cs": "Nahlásit problém", "pl": "Zgłoś problem", "en": "Report a problem"}
EMERGENCY = {
    "cs": "Neslouží k tísňovým voláním",
    "pl": "Nie służy do zgłoszeń alarmowych",
    "en": "Not for emergencies",
}


def without_scripts(html: str) -> str:
    """The page without <script> blocks (the JSON string table is keyed by English ids)."""
    return re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.S)


@pytest.mark.parametrize("language", ["cs", "pl", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_public_pages_render_in_each_language(
    categories: Any, district_a: Any, path: str, language: str
) -> None:
    response = browser(language).get(path)
    assert response.status_code == 200
    html = without_scripts(response.content.decode())
    assert f'<html lang="{language}">' in html
    assert NAV_REPORT[language] in html
    for other, phrase in NAV_REPORT.items():
        if other != language:
            assert phrase not in html


@pytest.mark.parametrize("language", ["cs", "pl", "en"])
def test_public_pages_point_to_112(categories: Any, language: str) -> None:
    html = browser(language).get("/").content.decode()
    assert EMERGENCY[language] in html
    assert 'href="tel:112"' in html


def test_language_switcher_sets_language(categories: Any) -> None:
    client = browser("cs")
    response = client.post("/i18n/setlang/", {"language": "pl", "next": "/report/"})
    assert response.status_code == 302 and response["Location"] == "/report/"
    assert NAV_REPORT["pl"] in client.get("/report/").content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_scripts_and_styles_only_from_this_server(
    categories: Any, district_a: Any, path: str
) -> None:
    html = browser("en").get(path).content.decode()
    sources = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources, "the page should load its assets"
    for src in sources:
        assert src.startswith("/") or src.startswith("data:"), f"external asset {src} on {path}"


@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/htmx/htmx.min.js",
        "/static/straz/map.js",
        "/static/straz/straz.css",
        "/static/straz/common.js",
        "/static/straz/report-form.js",
        "/static/straz/nearby.js",
        "/static/straz/map-search.js",
        "/static/straz/point-map.js",
        "/static/straz/districts.js",
    ],
)
def test_static_assets_are_served_locally(path: str) -> None:
    response = browser("en").get(path)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert len(body) > 200


def test_map_page_keeps_filters_from_the_url(categories: Any) -> None:
    html = (
        browser("en")
        .get("/?category=illegal-dump&status=confirmed&period=30d&layer=police")
        .content.decode()
    )
    assert '<option value="illegal-dump" selected>' in html
    assert '<option value="confirmed" selected>' in html
    assert '<option value="30d" selected>' in html
    assert 'value="police" data-testid="filter-layer-police" checked' in html


def test_map_page_ignores_unknown_filter_values(categories: Any) -> None:
    response = browser("en").get("/?category=<script>&status=bogus&period=99y&layer=x")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>&" not in html and " selected>" in html  # the default period stays selected
    assert '"category": ""' in html


def test_map_page_legend_uses_kmzb_statuses_in_polish(categories: Any) -> None:
    html = browser("pl").get("/").content.decode()
    for label in [
        "Nowe",
        "Weryfikacja",
        "Potwierdzone",
        "Niepotwierdzone",
        "Potwierdzone (wyeliminowane)",
        "Potwierdzone (przekazane poza Policję)",
    ]:
        assert f"{label}</li>" in html or f">{label}<" in html, label


def test_map_page_groups_categories(db: Any) -> None:
    from straz.reports.models import Category

    Category.objects.create(
        code="speeding",
        name_cs="Rychlost",
        name_pl="Prędkość",
        name_en="Speeding",
        group="road-traffic",
    )
    Category.objects.create(
        code="dump", name_cs="Skládka", name_pl="Wysypisko", name_en="Dump", group="environment"
    )
    html = browser("en").get("/").content.decode()
    assert '<optgroup label="Road traffic">' in html
    assert '<optgroup label="Environment">' in html


# ---------------------------------------------------------------- public report page


def test_report_page_shows_public_facts(file_report: Any, district_a: Any) -> None:
    report = file_report(description=SECRET_DESCRIPTION, ip=REPORTER_IP)
    response = browser("en").get(f"/r/{report.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Illegal dump" in html
    assert 'data-status="new"' in html
    assert "Obvod A" in html
    assert "npor. Jana Nováková" in html and "+420 974 000 001" in html
    assert 'id="report-history"' in html


def test_report_page_never_shows_description_ip_notes_or_attachments(
    file_report: Any,
    officer: Any,
    client_for: Any,
) -> None:
    from straz.reports.services import add_note, transition_report

    report = file_report(
        description=SECRET_DESCRIPTION,
        ip=REPORTER_IP,
        attachment=IncomingAttachment(name="evidence-photo-91.jpg", data=jpeg_bytes()),
    )
    add_note(user=officer, report_id=report.pk, text="INTERNAL-NOTE-5521 suspect is the caretaker")
    transition_report(
        user=officer,
        report_id=report.pk,
        target="verification",
        public_note="More patrols ordered.",
        note="INTERNAL-NOTE-8830",
    )
    for language in ("cs", "pl", "en"):
        html = browser(language).get(f"/r/{report.pk}/").content.decode()
        assert "More patrols ordered." in html
        for secret in (
            SECRET_DESCRIPTION,
            "SECRET-DESCRIPTION",
            REPORTER_IP,
            "INTERNAL-NOTE",
            "evidence-photo",
            "officer-pass",
            "attachments/",
        ):
            assert secret not in html, (language, secret)
        # The officer acting is not named in public.
        assert ">officer<" not in html


def test_report_page_history_lists_status_steps(file_report: Any, officer: Any) -> None:
    from straz.reports.services import transition_report

    report = file_report()
    transition_report(user=officer, report_id=report.pk, target="verification")
    transition_report(user=officer, report_id=report.pk, target="confirmed")
    html = browser("pl").get(f"/r/{report.pk}/").content.decode()
    history = html[html.index('id="report-history"') :]
    assert history.index("Weryfikacja") < history.index("Potwierdzone")
    assert 'data-status="confirmed"' in html


def test_report_page_counts_people_who_reported_the_same(file_report: Any) -> None:
    first = file_report()
    file_report(point=(IN_A[0] + 0.0001, IN_A[1]))
    file_report(point=(IN_A[0], IN_A[1] + 0.0001))
    first.refresh_from_db()
    assert first.duplicate_count == 2
    html = browser("en").get(f"/r/{first.pk}/").content.decode()
    assert 'id="also-reported" data-count="2"' in html
    assert "2 more people" in html


def test_duplicate_report_has_no_page_of_its_own(file_report: Any) -> None:
    file_report()
    dup = file_report(point=(IN_A[0] + 0.0001, IN_A[1]))
    assert dup.duplicate_of_id is not None
    assert browser("en").get(f"/r/{dup.pk}/").status_code == 404


def test_report_page_is_404_when_not_public(file_report: Any) -> None:
    venue = file_report(category="dangerous-venue")
    assert not venue.is_public
    response = browser("cs").get(f"/r/{venue.pk}/")
    assert response.status_code == 404
    assert "Nebezpečný podnik" not in response.content.decode()
    assert browser("cs").get("/r/999999/").status_code == 404


def test_report_page_disappears_after_public_retention(file_report: Any, officer: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from straz.reports.models import Report
    from straz.reports.services import transition_report

    report = file_report()
    transition_report(user=officer, report_id=report.pk, target="verification")
    transition_report(user=officer, report_id=report.pk, target="not_confirmed")
    assert browser("en").get(f"/r/{report.pk}/").status_code == 200
    Report.objects.filter(pk=report.pk).update(public_until=timezone.now() - timedelta(seconds=1))
    assert browser("en").get(f"/r/{report.pk}/").status_code == 404


def test_approximated_report_page_hides_exact_point(file_report: Any) -> None:
    report = file_report(category="drug-use", point=(49.741234, 13.371234))
    assert (report.public_lat, report.public_lon) != (report.lat, report.lon)
    html = browser("en").get(f"/r/{report.pk}/").content.decode()
    assert 'id="approximate-notice"' in html
    for value in (report.lat, report.lon):
        assert f"{value:.4f}" not in html and str(value) not in html


# ---------------------------------------------------------------- find your district


def test_district_lookup_by_point_shows_officer_card(district_a: Any) -> None:
    html = browser("en").get("/districts/", {"lat": IN_A[0], "lon": IN_A[1]}).content.decode()
    assert 'data-district-code="PD-A"' in html
    assert "npor. Jana Nováková" in html and "a@policie.example" in html


def test_district_lookup_outside_every_district_says_so_in_polish(district_a: Any) -> None:
    html = browser("pl").get("/districts/", {"lat": OUTSIDE[0], "lon": OUTSIDE[1]}).content.decode()
    assert 'id="district-error"' in html and "data-district-code" not in html


def test_district_lookup_by_place_name(district_a: Any) -> None:
    from straz.territory.models import Place

    Place.objects.create(name="Náměstí Republiky", lat=IN_A[0], lon=IN_A[1])
    html = browser("en").get("/districts/", {"q": "namesti republiky"}).content.decode()
    assert 'data-district-code="PD-A"' in html


def test_district_lookup_htmx_returns_only_the_card(district_a: Any) -> None:
    response = browser("en").get(
        "/districts/", {"lat": IN_A[0], "lon": IN_A[1]}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html and 'data-district-code="PD-A"' in html


def test_district_lookup_rejects_bad_coordinates(district_a: Any) -> None:
    response = browser("en").get("/districts/", {"lat": "abc", "lon": "1"})
    assert response.status_code == 200
    assert "The coordinates must be numbers." in response.content.decode()
