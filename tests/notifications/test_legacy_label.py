"""A database from before the rename (app label `warnings`) keeps every outbox row."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection

from straz.notifications.models import (
    Channel,
    DeliveryAttempt,
    NotificationContact,
    OutboxMessage,
)

adopt = importlib.import_module(
    "straz.notifications.migrations.0002_adopt_legacy_warnings_tables"
).adopt_legacy_tables

TABLES = ("notificationcontact", "outboxmessage", "deliveryattempt")


@pytest.mark.django_db(transaction=True)
def test_rows_of_the_legacy_warnings_tables_move_to_notifications() -> None:
    NotificationContact.objects.create(
        role="hejtman", name="Hejtman", channel=Channel.EMAIL, address="h@example.org"
    )
    message = OutboxMessage.objects.create(
        channel=Channel.EMAIL, address="h@example.org", subject="III", dedupe_key="legacy-1"
    )
    DeliveryAttempt.objects.create(message=message, number=1, outcome="error", detail="down")
    with connection.cursor() as cursor:
        # Reproduce a pre-rename database: the rows live in warnings_* and the new tables are empty.
        for name in TABLES:
            cursor.execute(f"CREATE TABLE warnings_{name} AS SELECT * FROM notifications_{name}")
        for name in reversed(TABLES):
            cursor.execute(f"DELETE FROM notifications_{name}")
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('warnings', '0001_initial', CURRENT_TIMESTAMP)"
        )
    assert OutboxMessage.objects.count() == 0

    with connection.schema_editor() as editor:
        adopt(django_apps, editor)

    moved = OutboxMessage.objects.get()
    assert moved.pk == message.pk
    assert moved.message_id == message.message_id
    assert moved.state == "pending"
    assert [a.detail for a in moved.delivery_attempts.all()] == ["down"]
    assert NotificationContact.objects.get().address == "h@example.org"
    tables = set(connection.introspection.table_names())
    assert not any(t.startswith("warnings_") for t in tables)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'warnings'")
        assert cursor.fetchone()[0] == 0
    # The id sequence continues after the adopted rows.
    later = OutboxMessage.objects.create(
        channel=Channel.EMAIL, address="x@example.org", subject="later", dedupe_key="legacy-2"
    )
    assert later.pk > message.pk


@pytest.mark.django_db(transaction=True)
def test_a_new_database_is_left_alone() -> None:
    OutboxMessage.objects.create(
        channel=Channel.EMAIL, address="a@example.org", subject="s", dedupe_key="fresh"
    )
    with connection.schema_editor() as editor:
        adopt(django_apps, editor)
    assert OutboxMessage.objects.count() == 1
