"""Areas get a normalised name so that search finds them accent- and case-insensitively."""

from django.db import migrations, models

from straz.territory.rules import normalise_place_name


def fill_normalised_names(apps, schema_editor):  # type: ignore[no-untyped-def]
    area_model = apps.get_model("territory", "Area")
    for area in area_model.objects.only("pk", "name").iterator():
        area_model.objects.filter(pk=area.pk).update(normalised_name=normalise_place_name(area.name))


class Migration(migrations.Migration):
    dependencies = [
        ("territory", "0003_area_kinds_region_orp"),
    ]

    operations = [
        migrations.AddField(
            model_name="area",
            name="normalised_name",
            field=models.CharField(db_index=True, default="", editable=False, max_length=200),
        ),
        migrations.RunPython(fill_normalised_names, migrations.RunPython.noop),
    ]
