"""Map aggregates v2: rolling periods, cell-first key, integer sums; WITHOUT ROWID on SQLite."""

from django.db import migrations, models

SQLITE_TABLE = """
CREATE TABLE "reports_mapcell" (
    "layer" smallint NOT NULL,
    "period_days" smallint NOT NULL,
    "res" smallint NOT NULL,
    "cell" bigint NOT NULL,
    "category_id" integer NOT NULL,
    "status" smallint NOT NULL,
    "count" integer NOT NULL,
    "sum_lat_e6" bigint NOT NULL,
    "sum_lon_e6" bigint NOT NULL,
    PRIMARY KEY ("layer", "period_days", "res", "cell", "category_id", "status")
) WITHOUT ROWID
"""


def without_rowid(apps, schema_editor):
    # The key is the whole row's address: a WITHOUT ROWID table stores rows in the
    # primary-key B-tree itself, halving size and lookups for the map's point probes.
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute('DROP TABLE "reports_mapcell"')
    schema_editor.execute(SQLITE_TABLE)


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0002_crimerecord_public_location"),
    ]

    operations = [
        migrations.DeleteModel(name="MapCell"),
        migrations.CreateModel(
            name="MapCell",
            fields=[
                ("pk", models.CompositePrimaryKey("layer", "period_days", "res", "cell", "category_id", "status", blank=True, editable=False, primary_key=True, serialize=False)),
                ("layer", models.SmallIntegerField()),
                ("period_days", models.SmallIntegerField()),
                ("res", models.SmallIntegerField()),
                ("cell", models.BigIntegerField()),
                ("category_id", models.IntegerField()),
                ("status", models.SmallIntegerField()),
                ("count", models.IntegerField()),
                ("sum_lat_e6", models.BigIntegerField()),
                ("sum_lon_e6", models.BigIntegerField()),
            ],
            options={"managed": True},
        ),
        migrations.CreateModel(
            name="MapWindow",
            fields=[
                ("pk", models.CompositePrimaryKey("layer", "days", blank=True, editable=False, primary_key=True, serialize=False)),
                ("layer", models.SmallIntegerField()),
                ("days", models.SmallIntegerField()),
                ("aged_until", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(without_rowid, migrations.RunPython.noop),
    ]
