from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="crimerecord",
            name="public_lat",
            field=models.FloatField(default=0.0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="crimerecord",
            name="public_lon",
            field=models.FloatField(default=0.0),
            preserve_default=False,
        ),
    ]
