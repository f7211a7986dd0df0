"""API tokens get an expiry and a read-only scope; tokens issued before expire in 90 days."""

from datetime import timedelta
from typing import Any

from django.db import migrations, models
from django.utils import timezone

# Tokens issued before expiry existed get the default lifetime from the day of the upgrade,
# so that nobody is locked out at once and none lives forever.
GRACE = timedelta(days=90)


def give_existing_tokens_an_expiry(apps: Any, schema_editor: Any) -> None:
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=timezone.now() + GRACE)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_read_entry")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires at"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="read_only",
            field=models.BooleanField(default=False, verbose_name="read-only"),
        ),
        migrations.RunPython(give_existing_tokens_an_expiry, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires at"),
        ),
    ]
