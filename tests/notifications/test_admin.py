"""Back office: contacts are edited with an audit entry; messages are read-only but retryable."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.urls import reverse

from straz.accounts.models import AuditEntry, Role, User
from straz.notifications import outbox
from straz.notifications.models import MessageState, NotificationContact, OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(admin_user: Any) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_adding_a_contact_is_audited_and_a_bad_webhook_url_is_refused(admin_client_: Client) -> None:
    url = reverse("admin:notifications_notificationcontact_add")
    form = {
        "role": "hejtman", "region_code": "CZ032", "orp_code": "", "name": "Hejtman Plzeň",
        "channel": "webhook", "address": "ftp://kraj.example/hook", "active": "on",
    }
    response = admin_client_.post(url, form)
    assert response.status_code == 200  # the form again, with the error
    assert NotificationContact.objects.count() == 0

    form["address"] = "https://kraj.example/hook"
    response = admin_client_.post(url, form)
    assert response.status_code == 302
    contact = NotificationContact.objects.get()
    entry = AuditEntry.objects.get(action="notification_contact.created")
    assert entry.object_id == str(contact.pk)
    assert entry.after["address"] == "https://kraj.example/hook"


def test_messages_are_read_only_and_retry_now_is_audited(admin_client_: Client, admin_user: Any) -> None:
    with transaction.atomic():
        message = outbox.enqueue(
            channel="email", address="hejtman@kraj.example", subject="III", body="",
            payload={}, rule="§23(2)", source_type="incident", source_id="1", dedupe_key="k1",
        )
    OutboxMessage.objects.filter(pk=message.pk).update(state=MessageState.FAILED, attempts=8)
    change_url = reverse("admin:notifications_outboxmessage_change", args=[message.pk])
    assert admin_client_.get(change_url).status_code == 200
    admin_client_.post(change_url, {"subject": "edited"})
    message.refresh_from_db()
    assert message.subject == "III"
    assert admin_client_.get(reverse("admin:notifications_outboxmessage_add")).status_code == 403

    response = admin_client_.post(
        reverse("admin:notifications_outboxmessage_changelist"),
        {"action": "retry_selected_now", "_selected_action": [str(message.pk)]},
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.state == MessageState.PENDING and message.attempts == 0
    entry = AuditEntry.objects.get(action="outbox.retry_now")
    assert entry.actor == admin_user
    assert entry.before["attempts"] == 8


def test_staff_with_the_change_permission_may_retry_and_others_may_not() -> None:
    with transaction.atomic():
        message = outbox.enqueue(
            channel="email", address="hejtman@kraj.example", subject="III", body="",
            payload={}, rule="§23(2)", source_type="incident", source_id="1", dedupe_key="k2",
        )
    OutboxMessage.objects.filter(pk=message.pk).update(state=MessageState.FAILED, attempts=8)
    clerk = User.objects.create_user(
        username="clerk", password="clerk-pass", role=Role.ADMIN, is_staff=True
    )
    clerk.user_permissions.add(
        Permission.objects.get(codename="view_outboxmessage", content_type__app_label="notifications")
    )
    client = Client()
    client.force_login(clerk)
    changelist = reverse("admin:notifications_outboxmessage_changelist")
    retry = {"action": "retry_selected_now", "_selected_action": [str(message.pk)]}
    assert "retry_selected_now" not in client.get(changelist).content.decode()
    client.post(changelist, retry)
    message.refresh_from_db()
    assert message.state == MessageState.FAILED

    clerk.user_permissions.add(
        Permission.objects.get(codename="change_outboxmessage", content_type__app_label="notifications")
    )
    clerk = User.objects.get(pk=clerk.pk)  # a fresh object: permissions are cached per instance
    client.force_login(clerk)
    assert "retry_selected_now" in client.get(changelist).content.decode()
    assert client.post(changelist, retry).status_code == 302
    message.refresh_from_db()
    assert message.state == MessageState.PENDING and message.attempts == 0
