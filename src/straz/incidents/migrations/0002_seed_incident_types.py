"""Seed the standard joint activities (§18) from incidents/data/incident_types.json."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "incident_types.json"


def seed(apps, schema_editor):
    IncidentType = apps.get_model("incidents", "IncidentType")
    for order, row in enumerate(json.loads(DATA.read_text(encoding="utf-8"))):
        IncidentType.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_cs": row["name_cs"],
                "name_pl": row["name_pl"],
                "name_en": row["name_en"],
                "order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
