"""Migration reports.0006 forgets the file names senders gave their attachments (ADR 0022)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("reports", "0005_reportevent_hidden_kind")]
AFTER = [("reports", "0006_attachment_drop_original_name")]


@pytest.mark.django_db(transaction=True)
def test_stored_original_names_are_dropped() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    report_model = old.get_model("reports", "Report")
    attachment_model = old.get_model("reports", "Attachment")
    now = timezone.now()
    # The seeded categories are gone when an earlier transactional test flushed the tables.
    category, _ = old.get_model("reports", "Category").objects.get_or_create(
        code="migration-test",
        defaults={"name_cs": "Test", "name_pl": "Test", "name_en": "Test"},
    )
    report = report_model.objects.create(
        category_id=category.pk,
        status="new",
        lat=49.74,
        lon=13.37,
        public_lat=49.74,
        public_lon=13.37,
        h3_r9=1,
        created_at=now,
        updated_at=now,
        source="api",
        is_public=False,
    )
    attachment_model.objects.create(
        report_id=report.pk,
        path="attachments/2026/11/0123456789abcdef.jpg",
        content_type="image/jpeg",
        size=10,
        sha256="0" * 64,
        original_name="Novakovi-doma.jpg",
        created_at=now,
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    with connection.cursor() as cursor:
        columns = [
            c.name
            for c in connection.introspection.get_table_description(cursor, "reports_attachment")
        ]
        cursor.execute("SELECT * FROM reports_attachment")
        rows = cursor.fetchall()
    assert "original_name" not in columns
    assert rows and "Novakovi-doma" not in repr(rows)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
