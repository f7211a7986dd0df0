"""Pytest fixtures for live-server and browser tests; import them into a test module.

    from tests.helpers.fixtures import straz_server, straz_server_factory  # noqa: F401

Each xdist worker gets its own servers (own port, data dir and database).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.live_server import LiveServer

# Every live server gets these: reports from one test IP must not hit the 1-a-day limit,
# which the intake tests check on their own.
LIVE_ENV = {
    "STRAZ_REPORTS_PER_IP_PER_DAY": "100000",
    "STRAZ_REPORTS_PER_SHARED_IP_PER_DAY": "100000",
    # Staff personas log in with a password only; tests/e2e/test_login_two_factor.py
    # starts its own server with the second factor required (ADR 0024).
    "STRAZ_REQUIRE_2FA": "0",
}

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _start(base: Path, env: dict[str, str], label: str) -> LiveServer:
    server = LiveServer(base_dir=base, extra_env={**LIVE_ENV, **env}, label=label)
    try:
        server.prepare()
        server.start()
    except BaseException:
        server.destroy()
        raise
    return server


@pytest.fixture(scope="session")
def straz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A Straz server shared by the tests of one worker (do not kill it; use the factory)."""
    server = _start(tmp_path_factory.mktemp("live"), {}, "shared")
    yield server
    server.destroy()


@pytest.fixture
def straz_server_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., LiveServer]]:
    """Start private servers with extra environment; all are destroyed after the test."""
    servers: list[LiveServer] = []

    def make(env: dict[str, str] | None = None, label: str = "own") -> LiveServer:
        server = _start(tmp_path_factory.mktemp(label), env or {}, label)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.destroy()


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (headless, no downloads); per test, like
    `chromium_path`, which fails under CI when the browser is missing."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, headless=True, args=BROWSER_ARGS)
        yield b
        b.close()
