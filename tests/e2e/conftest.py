"""Browser fixtures: pages that save a screenshot under test-results/ when a test fails."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers.fixtures import browser, straz_server_factory  # noqa: F401

RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember each phase's outcome on the test item (for screenshots on failure)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


class BrowserSession:
    """Isolated browser contexts (one per persona) that refuse any non-local request."""

    def __init__(self, chromium: Any) -> None:
        self.browser = chromium
        self.contexts: list[Any] = []
        self.pages: list[Any] = []
        self.external_requests: list[str] = []
        self.page_errors: list[str] = []

    def new_page(self, base_url: str, locale: str = "cs-CZ") -> Any:
        """A fresh context (own cookies) and page; the internet is blocked and recorded."""
        context = self.browser.new_context(
            base_url=base_url, locale=locale, viewport={"width": 1280, "height": 800}
        )
        context.set_default_timeout(15_000)

        def guard(route: Any) -> None:
            host = urlsplit(route.request.url).hostname or ""
            if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
                route.continue_()
            else:
                self.external_requests.append(route.request.url)
                route.abort()

        context.route(re.compile(r".*"), guard)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.page_errors.append(f"{page.url}: {exc}"))
        self.contexts.append(context)
        self.pages.append(page)
        return page

    def screenshot_all(self, name: str) -> None:
        RESULTS_DIR.mkdir(exist_ok=True)
        for i, page in enumerate(self.pages):
            try:
                page.screenshot(path=str(RESULTS_DIR / f"{name}-{i}.png"), full_page=True)
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"screenshot of page {i} failed: {exc}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browser_session(browser: Any, request: pytest.FixtureRequest) -> Iterator[BrowserSession]:  # noqa: F811
    """Pages for the personas of one test; screenshots of all of them if it fails."""
    session = BrowserSession(browser)
    yield session
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        session.screenshot_all(re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name))
    session.close()


@pytest.fixture
def e2e_server(straz_server_factory: Callable[..., Any]) -> Any:  # noqa: F811
    """A private server, so that reports of other tests cannot merge with ours as duplicates."""
    return straz_server_factory(label="e2e")
