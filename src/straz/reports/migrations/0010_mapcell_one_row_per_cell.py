"""Map aggregates v3 (ADR 0032): one row per cell with packed (category, status) entries."""

from django.db import migrations, models

SQLITE_TABLE = """
CREATE TABLE "reports_mapcell" (
    "cell" bigint NOT NULL,
    "layer" smallint NOT NULL,
    "period_days" smallint NOT NULL,
    "leaves" BLOB NOT NULL,
    PRIMARY KEY ("layer", "period_days", "cell")
) WITHOUT ROWID
"""


def without_rowid(apps, schema_editor):
    # The key is the whole row's address: a WITHOUT ROWID table stores rows in the
    # primary-key B-tree itself (ADR 0007).
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute('DROP TABLE "reports_mapcell"')
    schema_editor.execute(SQLITE_TABLE)


def recount(apps, schema_editor):
    # The old rows cannot be converted cell by cell (they hold no report ids): count afresh.
    Report = apps.get_model("reports", "Report")
    CrimeRecord = apps.get_model("reports", "CrimeRecord")
    if not (Report.objects.exists() or CrimeRecord.objects.exists()):
        return
    from straz.reports.map import aggregates

    aggregates.rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_reportevent_corrected_kind"),
    ]

    operations = [
        migrations.DeleteModel(name="MapCell"),
        migrations.CreateModel(
            name="MapCell",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "layer",
                        "period_days",
                        "cell",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("cell", models.BigIntegerField()),
                ("layer", models.SmallIntegerField()),
                ("period_days", models.SmallIntegerField()),
                ("leaves", models.BinaryField()),
            ],
            options={"managed": True},
        ),
        migrations.RunPython(without_rowid, migrations.RunPython.noop),
        migrations.RunPython(recount, migrations.RunPython.noop),
    ]
