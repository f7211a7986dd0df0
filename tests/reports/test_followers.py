"""Citizens follow their report: an optional e-mail with consent, kept apart, told of status
changes through the outbox, unsubscribed in one click, erased with the report's personal
data; and a lookup by report number (issue 9, item 9; ADR 0036)."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from straz.accounts.audit import verify_chain
from straz.accounts.models import AuditEntry
from straz.notifications.delivery import deliver_due
from straz.notifications.models import MessageState, OutboxMessage
from straz.reports import followers, jobs, services
from straz.reports.followers import FollowRequest
from straz.reports.models import FollowerContact, Report
from straz.reports.rules import Status, follower_erase_due
from tests.reports.reportkit import IN_A, counts, submit

pytestmark = pytest.mark.django_db

EMAIL = "jana.novakova@example.cz"


@pytest.fixture
def served(
    district_a: Any, district_b: Any, categories: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STRAZ = {**settings.STRAZ, "REPORTS_PER_IP_PER_DAY": 1000}


def _follow(email: str = EMAIL, language: str = "cs") -> FollowRequest:
    return FollowRequest(email=email, language=language, site_url="https://straz.example")


def _form(**extra: Any) -> dict[str, Any]:
    return {
        "category": "illegal-dump",
        "lat": IN_A[0],
        "lon": IN_A[1],
        "description": "",
        "address_text": "",
        "submission_key": "",
        **extra,
    }


def _state() -> dict[str, int]:
    return {
        **counts(),
        "followers": FollowerContact.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }


# ------------------------------------------------------------------ the form


def test_form_offers_an_optional_email_with_an_unticked_consent_box(served: None) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/report/").content.decode()
    assert 'name="follow_email"' in page and 'type="email"' in page
    assert 'name="follow_consent"' in page
    consent_input = page.split('name="follow_consent"')[0].rsplit("<input", 1)[1]
    assert "checked" not in consent_input  # consent is never pre-ticked
    # The purpose, the basis, the retention and how to withdraw are stated next to it.
    assert "when the police change the status of the report" in page
    assert "The basis is your consent" in page
    assert "erased 30 days after the report is closed" in page
    assert "link to stop them and erase the address" in page


def test_form_with_email_and_consent_stores_the_contact_apart(served: None) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="pl", REMOTE_ADDR="203.0.113.50")
    resp = client.post(
        "/report/", _form(follow_email=f"  {EMAIL} ", follow_consent="on"), HTTP_HOST="testserver"
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    report = Report.objects.get()
    contact = FollowerContact.objects.get()
    assert contact.report_id == report.pk and contact.email == EMAIL
    assert contact.language == "pl"  # the reporter's language, for the e-mails
    assert contact.consented_at is not None and contact.consent_version
    assert len(contact.token) >= 40 and contact.site_url == "http://testserver"
    # Kept apart: nothing of the address on the report row, nor in the audit log.
    assert EMAIL not in json.dumps(
        Report.objects.filter(pk=report.pk).values().first(), default=str
    )
    entry = AuditEntry.objects.get(action="report.submitted", object_id=str(report.pk))
    assert entry.after["follower"] == contact.pk
    assert "jana" not in json.dumps(entry.after)
    sent = client.get("/report/sent/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "tell you by e-mail when its status changes" in sent


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"follow_email": EMAIL}, "follow_consent", "tick the box to agree"),
        ({"follow_consent": "on"}, "follow_email", "Enter the e-mail address"),
        ({"follow_email": "jana@", "follow_consent": "on"}, "follow_email", "valid e-mail"),
        (
            {"follow_email": "x" * 250 + "@example.cz", "follow_consent": "on"},
            "follow_email",
            "",
        ),
    ],
)
def test_form_refuses_a_bad_email_or_missing_consent_and_stores_nothing(
    served: None, extra: dict[str, str], field: str, message: str
) -> None:
    before = _state()
    resp = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.51").post(
        "/report/", _form(**extra)
    )
    assert resp.status_code == 422
    page = resp.content.decode()
    assert "The report was not sent" in page and message in page
    assert resp.context["form"].errors.get(field), resp.context["form"].errors
    assert _state() == before


def test_sent_page_shows_the_number_and_how_to_follow_it(served: None) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.52")
    assert client.post("/report/", _form()).status_code == 302
    report = Report.objects.get()
    page = client.get("/report/sent/").content.decode()
    assert f'data-report-id="{report.pk}"' in page
    assert "Find a report by its number" in page  # the hint names the lookup
    assert 'action="/r/"' in page and f'value="{report.pk}"' in page
    assert "tell you by e-mail" not in page  # no e-mail was given


# ------------------------------------------------------------------ API and Open311


def _api(payload: dict[str, Any], ip: str = "203.0.113.60") -> Any:
    return Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/reports", data=json.dumps(payload), content_type="application/json"
    )


def test_api_takes_email_with_consent(served: None) -> None:
    resp = _api(
        {
            "category": "illegal-dump",
            "lat": IN_A[0],
            "lon": IN_A[1],
            "email": EMAIL,
            "email_consent": True,
        }
    )
    assert resp.status_code == 201, resp.content
    assert EMAIL not in resp.content.decode()
    contact = FollowerContact.objects.get()
    assert contact.report_id == resp.json()["id"] and contact.language == "en"
    public = Client().get(f"/api/v1/reports/{contact.report_id}").content.decode()
    assert EMAIL not in public and contact.token not in public


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"email": EMAIL}, "tick the box"),
        ({"email": EMAIL, "email_consent": False}, "tick the box"),
        ({"email": "not-an-address", "email_consent": True}, "valid e-mail"),
        ({"email_consent": True}, "Enter the e-mail address"),
    ],
)
def test_api_refuses_email_without_consent_or_bad_email(
    served: None, extra: dict[str, Any], message: str
) -> None:
    before = _state()
    resp = _api({"category": "illegal-dump", "lat": IN_A[0], "lon": IN_A[1], **extra})
    assert resp.status_code == 422, resp.content
    assert message in resp.content.decode()
    assert _state() == before


def _open311(ip: str, **data: Any) -> Any:
    return Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en").post(
        "/open311/v2/requests.json",
        {"service_code": "illegal-dump", "lat": IN_A[0], "long": IN_A[1], **data},
    )


def test_open311_email_is_kept_only_with_the_consent_attribute(served: None) -> None:
    resp = _open311("203.0.113.70", email=EMAIL, **{"attribute[email_consent]": "yes"})
    assert resp.status_code == 200, resp.content
    contact = FollowerContact.objects.get()
    assert str(contact.report_id) == resp.json()[0]["service_request_id"]
    assert EMAIL not in resp.content.decode()
    # Without the attribute the address is dropped, as GeoReport clients send it as identity.
    resp = _open311("203.0.113.71", email="other@example.cz")
    assert resp.status_code == 200
    assert FollowerContact.objects.count() == 1
    assert "not stored" in resp.json()[0]["service_notice"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "bad@", "attribute[email_consent]": "yes"}, "valid e-mail"),
        ({"attribute[email_consent]": "yes"}, "Enter the e-mail address"),
        ({"email": EMAIL, "attribute[email_consent]": "maybe"}, "takes only the value “yes”"),
    ],
)
def test_open311_refuses_bad_email_with_consent(
    served: None, data: dict[str, str], message: str
) -> None:
    before = _state()
    resp = _open311("203.0.113.72", **data)
    assert resp.status_code == 400, resp.content
    assert message in resp.json()[0]["description"]
    assert _state() == before


# ------------------------------------------------------------------ status e-mails


def test_status_change_queues_an_email_in_the_reporters_language(
    served: None, officer: Any, settings: Any
) -> None:
    settings.STRAZ = {**settings.STRAZ, "PUBLIC_URL": ""}
    report_id = submit(
        follow=_follow(language="en"), description="Tajný popis pro policii"
    ).report_id
    assert OutboxMessage.objects.count() == 0  # nothing at submission
    services.transition_report(
        user=officer,
        report_id=report_id,
        target="verification",
        public_note="More patrols ordered.",
        note="Interni poznamka pro policii",
    )
    message = OutboxMessage.objects.get()
    contact = FollowerContact.objects.get()
    assert message.channel == "email" and message.address == EMAIL
    assert message.subject == f"Report {report_id}: Under verification"
    assert "changed to: Under verification." in message.body
    assert "More patrols ordered." in message.body  # the public note is public
    assert f"https://straz.example/r/{report_id}/" in message.body
    assert f"https://straz.example/r/stop/{contact.token}/" in message.body
    # Never police-only text.
    assert "Interni poznamka" not in message.body and "Tajný popis" not in message.body
    assert message.rule == followers.FOLLOW_RULE
    entry = AuditEntry.objects.filter(action="report.status_changed").latest("pk")
    assert entry.after["followers_told"] == 1
    # Delivered by the worker's outbox delivery, like every notification.
    mail.outbox.clear()
    assert deliver_due() == 1
    assert mail.outbox[0].to == [EMAIL] and mail.outbox[0].subject == message.subject


def test_status_email_speaks_czech_and_polish(served: None, officer: Any) -> None:
    from django.utils import translation

    for language in ("cs", "pl"):
        with translation.override(language):
            expected = str(services.STATUS_LABELS[Status.VERIFICATION])
        report_id = submit(
            follow=_follow(email=f"{language}@example.cz", language=language),
            client_ip=f"203.0.113.{80 + len(language)}",
            lat=IN_A[0] + (0.005 if language == "pl" else 0),
        ).report_id
        services.transition_report(user=officer, report_id=report_id, target="verification")
        message = OutboxMessage.objects.get(address=f"{language}@example.cz")
        assert expected in message.subject, (language, message.subject)


def test_followers_of_a_duplicate_are_told_of_the_first_reports_status(
    served: None, officer: Any
) -> None:
    first = submit(client_ip="203.0.113.90").report_id
    second = submit(client_ip="203.0.113.91", follow=_follow()).report_id
    assert Report.objects.get(pk=second).duplicate_of_id == first
    services.transition_report(user=officer, report_id=first, target="verification")
    message = OutboxMessage.objects.get()
    assert message.address == EMAIL and f"/r/{first}/" in message.body
    assert str(second) in message.body  # "your report N was added to this report"


def test_final_status_says_no_more_mail_and_hidden_report_gets_no_dead_link(
    served: None, officer: Any
) -> None:
    report_id = submit(category_code="dangerous-venue", follow=_follow(language="en")).report_id
    services.transition_report(user=officer, report_id=report_id, target="verification")
    hidden = OutboxMessage.objects.get()
    assert "not shown on the public map" in hidden.body and f"/r/{report_id}/" not in hidden.body
    services.transition_report(user=officer, report_id=report_id, target="not_confirmed")
    final = OutboxMessage.objects.latest("pk")
    assert "This is the final status" in final.body


# ------------------------------------------------------------------ unsubscribe


def test_unsubscribe_link_asks_then_erases_the_address_and_its_queued_mail(
    served: None, officer: Any
) -> None:
    report_id = submit(follow=_follow()).report_id
    services.transition_report(user=officer, report_id=report_id, target="verification")
    token = FollowerContact.objects.get().token
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(f"/r/stop/{token}/")
    assert page.status_code == 200 and "Stop the e-mails" in page.content.decode()
    assert EMAIL not in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert FollowerContact.objects.count() == 1  # a GET (a mail scanner) changes nothing
    done = client.post(f"/r/stop/{token}/")
    assert done.status_code == 200 and "your e-mail address was erased" in done.content.decode()
    assert FollowerContact.objects.count() == 0
    assert OutboxMessage.objects.count() == 0  # the pending e-mail was not sent
    entry = AuditEntry.objects.get(action="report.follower_erased")
    assert entry.object_id == str(report_id) and entry.after["reason"] == "unsubscribed"
    assert EMAIL not in json.dumps(entry.after)
    again = client.get(f"/r/stop/{token}/")
    assert again.status_code == 404 and "no longer valid" in again.content.decode()
    # No more mail after a further change.
    services.transition_report(user=officer, report_id=report_id, target="confirmed")
    assert OutboxMessage.objects.count() == 0
    assert list(verify_chain()) == []


def test_unsubscribe_keeps_the_delivery_log_without_the_address(served: None, officer: Any) -> None:
    report_id = submit(follow=_follow()).report_id
    services.transition_report(user=officer, report_id=report_id, target="verification")
    assert deliver_due() == 1
    assert followers.unsubscribe(token=FollowerContact.objects.get().token)
    sent = OutboxMessage.objects.get()
    assert sent.state == MessageState.DELIVERED and sent.address == "" and sent.body == ""


def test_unknown_unsubscribe_token_changes_nothing(served: None) -> None:
    submit(follow=_follow())
    before = _state()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for token in ("nope", "x" * 200):
        assert client.get(f"/r/stop/{token}/").status_code == 404
        assert client.post(f"/r/stop/{token}/").status_code == 404
    assert _state() == before


# ------------------------------------------------------------------ erasure


def test_contact_is_erased_after_the_report_is_closed_plus_retention(
    served: None, officer: Any, settings: Any
) -> None:
    settings.STRAZ = {**settings.STRAZ, "FOLLOW_RETENTION_DAYS": 30}
    open_id = submit(client_ip="203.0.113.100", follow=_follow("open@example.cz")).report_id
    closed_id = submit(
        client_ip="203.0.113.101", lat=IN_A[0] + 0.01, follow=_follow("closed@example.cz")
    ).report_id
    for target in ("verification", "not_confirmed"):
        services.transition_report(user=officer, report_id=closed_id, target=target)
    assert OutboxMessage.objects.filter(address="closed@example.cz").count() == 2
    now = timezone.now()
    assert jobs.erase_due_followers(now=now + timedelta(days=29)) == 0
    assert jobs.erase_due_followers(now=now + timedelta(days=31)) == 1
    assert list(FollowerContact.objects.values_list("report_id", flat=True)) == [open_id]
    assert OutboxMessage.objects.filter(address="closed@example.cz").count() == 0
    entry = AuditEntry.objects.get(action="reports.followers_erased")
    assert entry.after["count"] == 1 and entry.after["reason"] == "retention"
    # With the reporter's IP address at the latest, even while the report is open.
    assert jobs.erase_due_followers(now=now + timedelta(days=181)) == 1
    assert FollowerContact.objects.count() == 0


def test_duplicate_followers_are_erased_when_the_first_report_closes(
    served: None, officer: Any
) -> None:
    first = submit(client_ip="203.0.113.110").report_id
    submit(client_ip="203.0.113.111", follow=_follow())
    for target in ("verification", "not_confirmed"):
        services.transition_report(user=officer, report_id=first, target=target)
    assert jobs.erase_due_followers(now=timezone.now() + timedelta(days=31)) == 1


def test_erasure_rule_and_its_query_agree(served: None) -> None:
    """rules.follower_erase_due and followers.erase_due_q select the same contacts."""
    base = timezone.now().replace(microsecond=0)
    cases = list(
        itertools.product(
            [Status.NEW, Status.CONFIRMED, Status.NOT_CONFIRMED, Status.ELIMINATED],
            [0, 29, 30, 31],  # days since the last change
            [0, 100, 180, 181],  # days since creation
        )
    )
    ids = []
    for n, (status, changed_ago, created_ago) in enumerate(cases):
        report_id = submit(
            client_ip=f"198.51.100.{n % 250 + 1}", lat=IN_A[0] + n * 0.0001
        ).report_id
        created = base - timedelta(days=max(created_ago, changed_ago))
        Report.objects.filter(pk=report_id).update(
            status=status.value,
            created_at=created,
            updated_at=base - timedelta(days=changed_ago),
            duplicate_of=None,
        )
        followers.add_follower(
            report=Report.objects.get(pk=report_id), follow=_follow(f"f{n}@example.cz"), now=base
        )
        ids.append(report_id)
    for closed_days, ip_days in ((30, 180), (30, 0), (0, 180)):
        expected = set()
        for report in Report.objects.filter(pk__in=ids):
            if follower_erase_due(
                created_at=report.created_at,
                status=Status(report.status),
                last_change=report.updated_at,
                now=base,
                closed_retention_days=closed_days,
                ip_retention_days=ip_days,
            ):
                expected.add(report.pk)
        query = followers.erase_due_q(
            base, closed_retention_days=closed_days, ip_retention_days=ip_days
        )
        found = set(FollowerContact.objects.filter(query).values_list("report_id", flat=True))
        assert found == expected, (closed_days, ip_days)
        assert expected and expected != set(ids)  # neither side is vacuous


# ------------------------------------------------------------------ lookup by number


def test_lookup_by_number_opens_the_public_page(served: None) -> None:
    report_id = submit().report_id
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for typed in (str(report_id), f" #{report_id} "):
        resp = client.get("/r/", {"number": typed})
        assert resp.status_code == 302 and resp["Location"] == f"/r/{report_id}/"
    assert client.get("/r/").status_code == 200


def test_lookup_of_a_duplicate_leads_to_the_first_report(served: None) -> None:
    first = submit(client_ip="203.0.113.120").report_id
    second = submit(client_ip="203.0.113.121").report_id
    resp = Client().get("/r/", {"number": second})
    assert resp.status_code == 302 and resp["Location"] == f"/r/{first}/"


@pytest.mark.parametrize(
    ("typed", "status", "message"),
    [
        ("999999", 404, "No public report has the number 999999"),
        ("12a", 400, "made of digits only"),
        ("9" * 30, 400, "made of digits only"),
    ],
)
def test_lookup_of_an_unknown_number_says_so(
    served: None, typed: str, status: int, message: str
) -> None:
    resp = Client(HTTP_ACCEPT_LANGUAGE="en").get("/r/", {"number": typed})
    assert resp.status_code == status
    assert message in resp.content.decode()


def test_lookup_does_not_open_a_report_the_public_may_not_see(served: None) -> None:
    hidden = submit(category_code="dangerous-venue").report_id
    resp = Client(HTTP_ACCEPT_LANGUAGE="en").get("/r/", {"number": hidden})
    assert resp.status_code == 404 and "No public report has the number" in resp.content.decode()


def test_map_page_has_the_lookup_form(served: None) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert 'id="report-lookup"' in page and 'action="/r/"' in page
    assert "Find the report" in page
