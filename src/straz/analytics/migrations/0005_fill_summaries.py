"""Fill the statistics summaries from the reports already stored (existing deployments)."""

from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    # The summaries are derived data: computed from the reports with the same code that
    # keeps them up to date (it reads only columns that exist at this point).
    from straz.analytics.threatmap.summaries import rebuild_summaries

    rebuild_summaries()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0004_reportcategorydurationstats"),
        ("reports", "0005_reportevent_hidden_kind"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
