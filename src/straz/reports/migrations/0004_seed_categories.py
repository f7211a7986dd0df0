# Data migration: a clean install has the shipped report categories.

from django.db import migrations


def load(apps, schema_editor):
    from straz.reports.seed import seed_categories

    seed_categories(apps.get_model("reports", "Category"))


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_mapcell_periods_without_rowid")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
