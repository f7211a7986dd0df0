"""Attachments keep no sender's file name (ADR 0022): blank the stored names, then drop the column.

Blanking first matters on databases that keep a dropped column's bytes around until the
table is rewritten; the files themselves were always stored under generated names.
"""

from typing import Any

from django.db import migrations


def forget_original_names(apps: Any, schema_editor: Any) -> None:
    Attachment = apps.get_model("reports", "Attachment")
    Attachment.objects.exclude(original_name="").update(original_name="")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_reportevent_hidden_kind"),
    ]

    operations = [
        migrations.RunPython(forget_original_names, migrations.RunPython.noop),
        migrations.RemoveField(model_name="attachment", name="original_name"),
    ]
