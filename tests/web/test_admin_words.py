"""The back office speaks the administrator's language (issue 9, item 7).

Field and model names are translatable, records have titles rather than "Model object (1)",
stored codes are shown by their names (or, where the stored value itself is what matters,
as code marked `translate="no"`), and the language scan skips only such marked content.
"""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.test import Client
from django.utils.functional import Promise

from straz.accounts import audit
from straz.accounts.models import User
from tests.helpers.english_words import english_words_in, visible_texts

# The wings whose models the back office shows (their permissions appear for every model).
WINGS = ("accounts", "analytics", "incidents", "notifications", "reports", "territory")


def _wing_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.app_label in WINGS]


def test_every_model_of_the_wings_has_a_translatable_name() -> None:
    untranslated = [
        m.__name__
        for m in _wing_models()
        if not isinstance(m._meta.verbose_name, Promise) or not isinstance(m._meta.verbose_name_plural, Promise)
    ]
    assert not untranslated, untranslated


def test_every_field_the_back_office_shows_has_a_translatable_name() -> None:
    untranslated = []
    for model in admin.site._registry:
        if model._meta.app_label not in WINGS:
            continue
        for field in model._meta.get_fields():
            if field.auto_created or not field.concrete:
                continue  # the id and reverse relations: Django names them
            if not isinstance(field.verbose_name, Promise):
                untranslated.append(f"{model.__name__}.{field.name}")
    assert not untranslated, untranslated


def test_every_record_the_back_office_shows_has_a_title_of_its_own() -> None:
    """No "AlarmDeclaration object (1)": each registered model, and each model a registered
    one points at, says what the record is."""
    shown = {m for m in admin.site._registry if m._meta.app_label in WINGS}
    pointed = {
        f.related_model
        for m in shown
        for f in m._meta.get_fields()
        if f.concrete and f.is_relation and f.related_model is not None and f.related_model._meta.app_label in WINGS
    }
    untitled = sorted(m.__name__ for m in shown | pointed if m.__str__ is models.Model.__str__)
    assert not untitled, untitled


def _admin_page(client: Client, url: str) -> Any:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, url
    return lxml.html.document_fromstring(response.content.decode())


def _cells(page: Any, column: str) -> list[str]:
    return [" ".join(td.text_content().split()) for td in page.find_class(f"field-{column}")]


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
def test_audit_log_names_the_record_kind_and_the_person(admin_client: Client) -> None:
    clerk = User.objects.create_user(username="jd7", first_name="Jana", last_name="Dvořáková", role="dispatcher")
    audit.record(action="incident_event.created", object_type="incident_event", object_id=7, actor=clerk)
    audit.record(action="report.expired", object_type="report", object_id=8, actor_label="system:retention")
    page = _admin_page(admin_client, "/admin/accounts/auditentry/")
    kinds = _cells(page, "object_kind")
    assert "event (territory)" in kinds and "report" in kinds
    assert "incident_event" not in kinds
    actors = _cells(page, "actor_shown")
    assert "Jana Dvořáková" in actors
    # A machine actor's stored label is a code: shown as stored and marked not to translate.
    assert page.xpath('//td[contains(@class, "field-actor_shown")]/code[@translate="no"][text()="system:retention"]')
    # The filter names the kinds too.
    filters = page.xpath('//*[@id="changelist-filter"]//a/text()')
    assert "event (territory)" in [" ".join(t.split()) for t in filters]


@pytest.mark.django_db
def test_audit_payload_is_shown_as_stored_and_marked_not_to_translate(admin_client: Client) -> None:
    entry = audit.record(
        action="category.changed", object_type="category", object_id="x", before={"state": "new"}, after={"state": "<b>"}
    )
    response = admin_client.get(f"/admin/accounts/auditentry/{entry.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    page = lxml.html.document_fromstring(response.content.decode())
    shown = [" ".join(pre.text_content().split()) for pre in page.xpath('//pre[@translate="no"]')]
    assert shown == ['{ "state": "new" }', '{ "state": "<b>" }']
    assert b"&lt;b&gt;" in response.content  # escaped, not markup


@pytest.mark.django_db
def test_category_groups_and_codes_in_the_back_office(admin_client: Client) -> None:
    from straz.reports.models import Category

    Category.objects.create(code="stray", name_cs="Zvíře", name_pl="Zwierzę", name_en="Stray animal", group="animals")
    page = _admin_page(admin_client, "/admin/reports/category/")
    assert "Animals" in _cells(page, "group_name")
    assert "animals" not in _cells(page, "group_name")
    assert page.xpath('//*[@id="changelist-filter"]//a[contains(@href, "group=animals")][normalize-space()="Animals"]')
    assert page.xpath('//*[contains(@class, "field-category_code")]//code[@translate="no"][text()="stray"]')


@pytest.mark.django_db
def test_report_history_in_the_back_office_names_statuses(admin_client: Client, categories: Any) -> None:
    from django.utils import timezone

    from straz.reports.models import Report, ReportEvent

    now = timezone.now()
    report = Report.objects.create(
        category=categories["dump"], lat=49.74, lon=13.37, public_lat=49.74, public_lon=13.37, h3_r9=1,
        created_at=now, updated_at=now, status="verification",
    )
    ReportEvent.objects.create(report=report, at=now, kind="status", from_status="new", to_status="verification")
    page = _admin_page(admin_client, f"/admin/reports/report/{report.pk}/change/")
    assert _cells(page, "status_before") == ["New"]
    assert _cells(page, "status_after") == ["Under verification"]


@pytest.mark.django_db
def test_outbox_names_what_a_message_is_about(admin_client: Client) -> None:
    from straz.notifications.models import OutboxMessage

    message = OutboxMessage.objects.create(
        channel="email", address="opis@example.cz", subject="Level III", rule="§23(2)",
        source_type="event", source_id="4", dedupe_key="event:4:decl:1",
    )
    page = _admin_page(admin_client, f"/admin/notifications/outboxmessage/{message.pk}/change/")
    assert "event (territory)" in [" ".join(d.text_content().split()) for d in page.find_class("readonly")]
    assert page.xpath('//code[@translate="no"][text()="event:4:decl:1"]')
    listing = _admin_page(admin_client, "/admin/notifications/outboxmessage/")
    assert listing.xpath('//*[@id="changelist-filter"]//a[contains(@href, "source_type=event")][normalize-space()="event (territory)"]')


def test_scan_skips_only_content_marked_not_to_translate() -> None:
    html = (
        '<html lang="cs"><body><p>Stav</p>'
        '<pre translate="no">{"state": "confirmed"}</pre>'
        "<p>{\"state\": \"confirmed\"}</p></body></html>"
    )
    texts = visible_texts(html)
    assert texts == ["Stav", '{"state": "confirmed"}']
    # JSON that is not marked is read like any text: its English words count.
    assert "confirmed" in english_words_in(texts)


@pytest.mark.django_db
def test_a_category_is_still_edited_in_the_back_office_and_its_code_kept(admin_client: Client) -> None:
    from straz.reports.models import Category

    category = Category.objects.create(code="stray", name_cs="Zvíře", name_pl="Zwierzę", name_en="Stray", group="animals")
    page = _admin_page(admin_client, f"/admin/reports/category/{category.pk}/change/")
    assert page.xpath('//*[contains(@class, "field-category_code")]//code[@translate="no"][text()="stray"]')
    assert not page.xpath('//input[@name="code"]')
    form = {
        "catalogue": "cz", "name_cs": "Toulavé zvíře", "name_pl": "Zwierzę", "name_en": "Stray",
        "description_cs": "", "description_pl": "", "description_en": "", "group": "animals",
        "order": "0", "color": "", "is_active": "on", "code": "renamed",
    }
    response = admin_client.post(f"/admin/reports/category/{category.pk}/change/", form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302, response.content.decode()[:2000]
    category.refresh_from_db()
    assert (category.name_cs, category.code) == ("Toulavé zvíře", "stray")
