"""The periodic-job registry: wings register, the worker runs each once a round, a failure stays local."""

from __future__ import annotations

import pytest

from straz.core import jobs


def test_every_wing_registers_its_jobs_at_start_up() -> None:
    names = {job.name for job in jobs.registered_jobs()}
    assert {
        "expire-public-reports",
        "flag-overdue-reports",
        "deliver-outbox",
        "remind-incident-report-deadlines",
    } <= names


def test_a_failing_job_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []

    def broken() -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(jobs, "_REGISTRY", {})
    jobs.register_job("broken", 1.0, broken)
    jobs.register_job("fine", 1.0, lambda: ran.append("fine"))
    jobs.run_worker(quiet=True, once=True)
    assert ran == ["fine"]


def test_a_job_needs_a_positive_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "_REGISTRY", {})
    with pytest.raises(ValueError, match="interval"):
        jobs.register_job("never", 0, lambda: None)
    assert jobs.registered_jobs() == []
