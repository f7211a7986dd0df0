"""Every visitor can get the running program's source (AGPL-3.0 §13)."""

from __future__ import annotations

import io
import tarfile

from django.test import Client, override_settings


def test_source_archive_holds_the_running_code() -> None:
    from straz.web.source import source_archive

    source_archive.cache_clear()
    resp = Client().get("/source/")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(resp.content), mode="r:gz") as tar:
        names = tar.getnames()
    assert any(n.endswith("src/straz/reports/services.py") for n in names)
    assert any(n.endswith("/LICENSE") for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_footer_links_to_the_source(db: object) -> None:
    assert 'href="/source/"' in Client().get("/districts/").content.decode()


@override_settings(STRAZ={"SOURCE_URL": "https://example.org/straz.git"})
def test_configured_repository_is_where_the_link_leads() -> None:
    resp = Client().get("/source/")
    assert resp.status_code == 302
    assert resp["Location"] == "https://example.org/straz.git"
