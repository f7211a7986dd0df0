"""Existing automatic timeline texts become message codes, read in the reader's language.

A row whose text is one catalogue text (or several one after another) in Czech, Polish or
English, with parameters that can be recovered, gets its code and parameters and loses the
frozen text; every other row keeps its text as it is (free text stays free text; ADR 0031).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from straz.incidents.entries import parse_legacy

    TimelineEntry = apps.get_model("incidents", "TimelineEntry")
    languages = ("cs", "pl", "en")
    rows = TimelineEntry._base_manager.filter(code="").exclude(text="").values_list("pk", "text")
    for pk, text in rows.iterator(chunk_size=500):
        parsed = parse_legacy(text, languages)
        if parsed is not None:
            # The base manager: the append-only queryset refuses updates made by the app itself.
            TimelineEntry._base_manager.filter(pk=pk).update(code=parsed["code"], params=parsed["params"], text="")


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0010_timeline_entry_message"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
