"""Databases made before the app was renamed from `warnings` keep their outbox.

Until the rename the app label was `warnings`, so its tables were `warnings_*`. A database
from that time gets the new, empty `notifications_*` tables from 0001; this migration moves
every row across (undelivered messages included: nothing acknowledged is lost), resets the
id sequences on PostgreSQL, drops the old tables and forgets the old app's migration rows
and content types. On a new database it does nothing.
"""

from django.db import migrations

# Parents before children, so that foreign keys hold while rows are copied.
TABLES = ("notificationcontact", "outboxmessage", "deliveryattempt")


def adopt_legacy_tables(apps, schema_editor):
    connection = schema_editor.connection
    existing = set(connection.introspection.table_names())
    quote = schema_editor.quote_name
    if not any(f"warnings_{name}" in existing for name in TABLES):
        return
    with connection.cursor() as cursor:
        for name in TABLES:
            old, new = f"warnings_{name}", f"notifications_{name}"
            if old not in existing:
                continue
            columns = [c.name for c in connection.introspection.get_table_description(cursor, new)]
            listed = ", ".join(quote(c) for c in columns)
            cursor.execute(f"INSERT INTO {quote(new)} ({listed}) SELECT {listed} FROM {quote(old)}")  # noqa: S608 - names come from introspection
        for name in reversed(TABLES):
            old = f"warnings_{name}"
            if old in existing:
                cursor.execute(f"DROP TABLE {quote(old)}")
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["warnings"])
        if connection.vendor == "postgresql":
            for name in TABLES:
                table = f"notifications_{name}"
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {quote(table)}",  # noqa: S608
                    [table],
                )
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="warnings").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(adopt_legacy_tables, migrations.RunPython.noop)]
