"""The default risk scale, version 1 (issue 10): probability = accessibility + occurrence +
complexity, impact = lives + object + finances + community, each 1–7, risk = P × I, bands
low / medium / high / critical. Written out here so that later changes to the code's default
never alter what this migration stored."""

from django.db import migrations

FACTOR = {"min": 1, "max": 7}
DEFINITION = {
    "probability": [{"name": n, **FACTOR} for n in ("accessibility", "occurrence", "complexity")],
    "impact": [{"name": n, **FACTOR} for n in ("lives", "object", "finances", "community")],
    "bands": [
        {"name": "low", "from": 0},
        {"name": "medium", "from": 120},
        {"name": "high", "from": 240},
        {"name": "critical", "from": 400},
    ],
}


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    RiskScale = apps.get_model("softtargets", "RiskScale")
    if not RiskScale.objects.filter(name="default").exists():
        RiskScale.objects.create(name="default", version=1, definition=DEFINITION)


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("softtargets", "RiskScale").objects.filter(name="default", version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("softtargets", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
