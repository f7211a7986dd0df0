"""Settings every machine of a deployment shares come from the environment (ADR 0038)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SNIPPET = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({'key': settings.SECRET_KEY, 'source': settings.STRAZ_SECRET_KEY_SOURCE, "
    "'storage': settings.STORAGES['default'], 'email_host': settings.EMAIL_HOST, "
    "'email_port': settings.EMAIL_PORT, 'mail_dir': str(settings.EMAIL_FILE_PATH)}))"
)


def _settings(tmp_path: Path, **env: str) -> dict[str, object]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("STRAZ_", "DATABASE_URL"))}
    base.update(DJANGO_SETTINGS_MODULE="straz.settings", STRAZ_DATA_DIR=str(tmp_path / "data"))
    base.update(env)
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET], env=base, capture_output=True, text=True, timeout=120, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_secret_key_can_come_from_a_shared_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("shared-by-every-machine-" + "x" * 40 + "\n")
    got = _settings(tmp_path, STRAZ_SECRET_KEY_FILE=str(secret))
    assert got["key"] == "shared-by-every-machine-" + "x" * 40
    assert got["source"] == "STRAZ_SECRET_KEY_FILE"
    assert not (tmp_path / "data" / "secret_key").exists()


def test_a_bucket_and_a_mail_relay_from_the_environment(tmp_path: Path) -> None:
    got = _settings(
        tmp_path,
        STRAZ_SECRET_KEY="k" * 50,
        STRAZ_S3_BUCKET="straz-media",
        STRAZ_S3_ENDPOINT_URL="https://s3.example.cz",
        STRAZ_EMAIL_HOST="smtp.example.cz",
        STRAZ_EMAIL_PORT="587",
        STRAZ_EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    storage = got["storage"]
    assert isinstance(storage, dict)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "straz-media"
    assert (got["email_host"], got["email_port"]) == ("smtp.example.cz", 587)
    assert got["mail_dir"] == str(tmp_path / "mail")


def test_without_configuration_one_machine_keeps_its_own_generated_key(tmp_path: Path) -> None:
    got = _settings(tmp_path)
    assert got["source"] == "generated"
    assert (tmp_path / "data" / "secret_key").read_text().strip() == got["key"]
