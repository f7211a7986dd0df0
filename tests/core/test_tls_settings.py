"""HTTPS settings come from the environment (ADR 0027): resolution and the real settings module."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import straz
from straz.core.config import ONE_YEAR_SECONDS, tls_settings

OFF = {
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
    "SECURE_SSL_REDIRECT": False,
    "SECURE_HSTS_SECONDS": 0,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
    "SECURE_HSTS_PRELOAD": False,
    "SECURE_PROXY_SSL_HEADER": None,
}

# The source tree under test, for the fresh interpreters these tests start.
SRC = str(Path(straz.__file__).resolve().parents[1])


def test_without_tls_nothing_is_switched_on() -> None:
    assert tls_settings({}, behind_proxy=False) == OFF
    assert tls_settings({}, behind_proxy=True) == OFF


def test_tls_switches_on_secure_cookies_redirect_and_a_year_of_hsts() -> None:
    got = tls_settings({"STRAZ_TLS": "1"}, behind_proxy=False)
    assert got == {
        **OFF,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": ONE_YEAR_SECONDS,
    }
    assert ONE_YEAR_SECONDS == 31_536_000


def test_the_proxy_ssl_header_is_believed_only_behind_trusted_proxies() -> None:
    assert tls_settings({"STRAZ_TLS": "on"}, behind_proxy=False)["SECURE_PROXY_SSL_HEADER"] is None
    assert tls_settings({"STRAZ_TLS": "on"}, behind_proxy=True)["SECURE_PROXY_SSL_HEADER"] == (
        "HTTP_X_FORWARDED_PROTO",
        "https",
    )


def test_each_switch_can_be_set_on_its_own() -> None:
    got = tls_settings(
        {
            "STRAZ_TLS": "1",
            "STRAZ_SSL_REDIRECT": "0",
            "STRAZ_HSTS_SECONDS": "600",
            "STRAZ_HSTS_INCLUDE_SUBDOMAINS": "yes",
            "STRAZ_HSTS_PRELOAD": "true",
        },
        behind_proxy=False,
    )
    assert got["SECURE_SSL_REDIRECT"] is False
    assert got["SECURE_HSTS_SECONDS"] == 600
    assert got["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and got["SECURE_HSTS_PRELOAD"] is True
    # Without HSTS the subdomain and preload flags mean nothing and stay off.
    no_hsts = tls_settings(
        {"STRAZ_TLS": "1", "STRAZ_HSTS_SECONDS": "0", "STRAZ_HSTS_INCLUDE_SUBDOMAINS": "1"},
        behind_proxy=False,
    )
    assert no_hsts["SECURE_HSTS_SECONDS"] == 0 and no_hsts["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    only_cookie = tls_settings({"STRAZ_SESSION_COOKIE_SECURE": "1"}, behind_proxy=False)
    assert only_cookie == {**OFF, "SESSION_COOKIE_SECURE": True}


def test_a_negative_hsts_is_refused() -> None:
    with pytest.raises(ValueError, match="STRAZ_HSTS_SECONDS"):
        tls_settings({"STRAZ_HSTS_SECONDS": "-1"}, behind_proxy=False)


def _settings_with(env: dict[str, str], data_dir: Path) -> dict[str, Any]:
    """Import straz.settings in a fresh interpreter with `env` and report what it set."""
    names = [*OFF, "STRAZ"]
    code = (
        "import json, straz.settings as s\n"
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STRAZ_")}
    clean["PYTHONPATH"] = os.pathsep.join([SRC, clean.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env, "STRAZ_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_settings_module_reads_tls_and_proxies_from_the_environment(tmp_path: Path) -> None:
    got = _settings_with(
        {
            "STRAZ_TLS": "1",
            "STRAZ_HSTS_INCLUDE_SUBDOMAINS": "1",
            "STRAZ_TRUSTED_PROXY_COUNT": "1",
            "STRAZ_TRUSTED_PROXIES": "10.1.0.0/16, 192.0.2.7",
            "STRAZ_ALLOWED_ORIGINS": "https://app.example.org",
            "STRAZ_API_TOKEN_DAYS": "30",
        },
        tmp_path / "var",
    )
    assert got["SESSION_COOKIE_SECURE"] is True and got["CSRF_COOKIE_SECURE"] is True
    assert got["SECURE_SSL_REDIRECT"] is True
    assert got["SECURE_HSTS_SECONDS"] == ONE_YEAR_SECONDS
    assert got["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert got["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert got["STRAZ"]["TRUSTED_PROXIES"] == ["10.1.0.0/16", "192.0.2.7"]
    assert got["STRAZ"]["ALLOWED_ORIGINS"] == ["https://app.example.org"]
    assert got["STRAZ"]["API_TOKEN_DAYS"] == 30


def test_the_settings_module_defaults_to_plain_http(tmp_path: Path) -> None:
    got = _settings_with({}, tmp_path / "var")
    assert {name: got[name] for name in OFF} == OFF
    assert got["STRAZ"]["TRUSTED_PROXIES"] == ["127.0.0.0/8", "::1/128"]
    assert got["STRAZ"]["API_TOKEN_DAYS"] == 90


def test_forwarded_headers_count_only_from_trusted_proxies(settings: Any) -> None:
    """A client at the app port cannot claim HTTPS (or an address) through X-Forwarded-*."""
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory

    from straz.core.middleware import UntrustedProxyHeadersMiddleware

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.STRAZ = {**settings.STRAZ, "TRUSTED_PROXY_COUNT": 1, "TRUSTED_PROXIES": ["10.0.0.0/24"]}
    seen: dict[str, Any] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update(secure=request.is_secure(), xff=request.META.get("HTTP_X_FORWARDED_FOR"))
        return HttpResponse()

    guard = UntrustedProxyHeadersMiddleware(view)
    headers = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    guard(RequestFactory().get("/", REMOTE_ADDR="198.51.100.9", **headers))
    assert seen == {"secure": False, "xff": None}
    guard(RequestFactory().get("/", REMOTE_ADDR="10.0.0.3", **headers))
    assert seen == {"secure": True, "xff": "203.0.113.5"}
    settings.STRAZ = {**settings.STRAZ, "TRUSTED_PROXY_COUNT": 0}
    guard(RequestFactory().get("/", REMOTE_ADDR="10.0.0.3", **headers))
    assert seen == {"secure": False, "xff": None}
