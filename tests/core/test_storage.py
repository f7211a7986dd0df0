"""Files go through Django's storage API: disk by default, an S3-compatible bucket when configured (ADR 0038)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages

from straz.core.storage import (
    DurableFileSystemStorage,
    StorageConfigError,
    storage_kind,
    storages_setting,
)


def test_the_default_is_local_disk_under_media_root() -> None:
    conf = storages_setting({})
    assert conf["default"] == {"BACKEND": "straz.core.storage.DurableFileSystemStorage"}
    assert "staticfiles" in conf


def test_a_bucket_selects_s3_with_its_endpoint_and_private_objects() -> None:
    env = {
        "STRAZ_S3_BUCKET": "straz-media",
        "STRAZ_S3_ENDPOINT_URL": "https://s3.example.cz",
        "STRAZ_S3_REGION": "eu-central-1",
        "STRAZ_S3_PREFIX": "/plzen/",
        "STRAZ_S3_ADDRESSING_STYLE": "path",
    }
    assert storage_kind(env) == "s3"
    conf = storages_setting(env)["default"]
    assert conf["BACKEND"] == "storages.backends.s3.S3Storage"
    options = conf["OPTIONS"]
    assert options["bucket_name"] == "straz-media"
    assert options["endpoint_url"] == "https://s3.example.cz"
    assert options["region_name"] == "eu-central-1"
    assert options["location"] == "plzen"
    assert options["addressing_style"] == "path"
    assert options["default_acl"] is None and options["file_overwrite"] is False
    # Credentials are boto3's business (AWS_* variables, profiles, roles), never settings.
    assert not any("key" in name.lower() or "secret" in name.lower() for name in options)


@pytest.mark.parametrize(
    "env",
    [
        {"STRAZ_STORAGE": "s3"},
        {"STRAZ_STORAGE": "ftp"},
        {"STRAZ_S3_BUCKET": "b", "STRAZ_S3_ADDRESSING_STYLE": "sideways"},
    ],
)
def test_contradictory_storage_settings_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(StorageConfigError):
        storages_setting(env)


def test_filesystem_can_be_forced_even_with_a_bucket_named() -> None:
    assert storage_kind({"STRAZ_STORAGE": "filesystem", "STRAZ_S3_BUCKET": "b"}) == "filesystem"


def test_settings_use_the_storage_api_for_attachments() -> None:
    assert isinstance(storages["default"], DurableFileSystemStorage)


def test_durable_storage_writes_private_files(tmp_path: Path, settings: Any) -> None:
    settings.FILE_UPLOAD_PERMISSIONS = 0o600
    store = DurableFileSystemStorage(location=tmp_path)
    name = store.save("attachments/x.jpg", io.BytesIO(b"\xff\xd8\xffdata"))
    path = Path(store.path(name))
    assert path.read_bytes() == b"\xff\xd8\xffdata"
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db
def test_an_attachment_goes_to_and_comes_back_from_an_s3_bucket(
    settings: Any, district_a: Any, categories: Any
) -> None:
    """With S3 configured, intake saves the photo in the bucket and the staff view reads it back."""
    import boto3
    from moto import mock_aws

    from straz.reports import services
    from straz.reports.intake import IncomingAttachment
    from tests.web.conftest import jpeg_bytes

    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="straz-test")
        settings.STORAGES = storages_setting({"STRAZ_S3_BUCKET": "straz-test", "STRAZ_S3_REGION": "us-east-1"})
        result = services.submit_report(
            category_code="illegal-dump",
            lat=49.74,
            lon=13.37,
            attachment=IncomingAttachment(name="tyres.jpg", data=jpeg_bytes()),
            client_ip="203.0.113.9",
        )
        from straz.reports.models import Attachment

        attachment = Attachment.objects.get(report_id=result.report_id)
        keys = [
            o["Key"]
            for o in boto3.client("s3", region_name="us-east-1")
            .list_objects_v2(Bucket="straz-test")
            .get("Contents", [])
        ]
        assert keys == [attachment.path]
        handle = services.open_attachment(attachment)
        assert handle is not None and handle.read().startswith(b"\xff\xd8\xff")
        assert services.attachment_path(attachment) is None  # no local file anywhere


def test_deploy_check_warns_about_per_machine_state_on_a_shared_database(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from straz.core import checks
    from straz.core.checks import shared_state_check

    monkeypatch.setattr(checks, "_shared_database", lambda: True)
    settings.STRAZ_SECRET_KEY_SOURCE = "generated"
    settings.STORAGES = storages_setting({})
    assert {m.id for m in shared_state_check()} == {"straz.W001", "straz.W002"}
    settings.STRAZ_SECRET_KEY_SOURCE = "STRAZ_SECRET_KEY"
    settings.STORAGES = storages_setting({"STRAZ_S3_BUCKET": "b"})
    assert shared_state_check() == []
