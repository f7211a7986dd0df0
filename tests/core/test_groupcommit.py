"""Group commit: concurrent callers share one transaction, each in its own savepoint."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext

from straz.core.groupcommit import GroupCommit
from straz.territory.models import Officer

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_S = 20.0


def _in_thread(target: Callable[[], Any], results: dict[str, Any], name: str) -> threading.Thread:
    def run() -> None:
        results[f"{name}@thread"] = threading.get_ident()
        try:
            results[name] = target()
        except BaseException as exc:  # recorded for the assertion
            results[name] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _wait_for(predicate: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def _run_while_first_blocks(
    group: GroupCommit,
    first: Callable[[], Any],
    others: dict[str, Callable[[], Any]],
    languages: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The first caller's work blocks until every other caller has queued behind it."""
    release = threading.Event()
    results: dict[str, Any] = {}

    def blocking_first() -> Any:
        release.wait(WAIT_S)
        return first()

    def call_first() -> Any:
        with translation.override("en"):
            return group.run(blocking_first)

    threads = [_in_thread(call_first, results, "first")]
    _wait_for(lambda: group._busy)
    for name, fn in others.items():

        def call(fn: Callable[[], Any] = fn, language: str = (languages or {}).get(name, "en")) -> Any:
            with translation.override(language):
                return group.run(fn)

        threads.append(_in_thread(call, results, name))
    _wait_for(lambda: len(group._queue) == len(others))
    release.set()
    for t in threads:
        t.join(WAIT_S)
        assert not t.is_alive()
    return results


def _officer(name: str) -> Callable[[], int]:
    return lambda: Officer.objects.create(name=name).pk


def test_callers_waiting_behind_a_transaction_share_the_next_one() -> None:
    group = GroupCommit(transaction.atomic)
    others = {f"o{i}": _officer(f"o{i}") for i in range(4)}
    results = _run_while_first_blocks(group, _officer("first"), others)
    assert all(isinstance(results[k], int) for k in ("first", *others)), results
    # The four that queued while the first ran were committed together.
    assert (group.batches, group.items) == (2, 5)
    assert set(Officer.objects.values_list("name", flat=True)) == {"first", *others}


def test_a_refused_caller_undoes_only_its_own_writes() -> None:
    group = GroupCommit(transaction.atomic)

    def refused() -> None:
        Officer.objects.create(name="refused")
        raise ValueError("no")

    results = _run_while_first_blocks(
        group, _officer("first"), {"a": _officer("a"), "bad": refused, "b": _officer("b")}
    )
    assert isinstance(results["bad"], ValueError)
    assert isinstance(results["a"], int) and isinstance(results["b"], int)
    assert set(Officer.objects.values_list("name", flat=True)) == {"first", "a", "b"}


def test_a_failed_commit_fails_every_caller_of_the_batch_and_keeps_nothing() -> None:
    failing = threading.Event()

    def begin() -> Any:
        atomic = transaction.atomic()
        if failing.is_set():
            transaction.on_commit(lambda: None)  # the batch got this far

            class Broken:
                def __enter__(self) -> None:
                    atomic.__enter__()

                def __exit__(self, *exc: Any) -> None:
                    # The commit is never reached: roll back and fail as a lost disk would.
                    atomic.__exit__(RuntimeError, RuntimeError("disk gone"), None)
                    raise RuntimeError("disk gone")

            return Broken()
        return atomic

    group = GroupCommit(begin)
    release = threading.Event()
    results: dict[str, Any] = {}

    def first() -> int:
        release.wait(WAIT_S)
        failing.set()  # the next batch (the queued callers) fails to commit
        return Officer.objects.create(name="first").pk

    threads = [_in_thread(lambda: group.run(first), results, "first")]
    _wait_for(lambda: group._busy)
    for name in ("a", "b"):
        threads.append(_in_thread(lambda n=name: group.run(_officer(n)), results, name))  # type: ignore[misc]
    _wait_for(lambda: len(group._queue) == 2)
    release.set()
    for t in threads:
        t.join(WAIT_S)
    assert isinstance(results["first"], int)
    assert isinstance(results["a"], RuntimeError) and isinstance(results["b"], RuntimeError)
    assert list(Officer.objects.values_list("name", flat=True)) == ["first"]


def test_work_run_by_another_caller_speaks_its_own_callers_language() -> None:
    message = "This place is outside the area served. Reports can be sent only within it."
    with translation.override("cs"):
        czech = gettext(message)
    assert czech != message

    def said() -> tuple[str, int]:
        return gettext(message), threading.get_ident()

    # Which waiting caller leads the shared batch is up to the scheduler: try until the
    # Czech caller's work ran in an English caller's thread.
    for _attempt in range(20):
        group = GroupCommit(transaction.atomic)
        others = {f"en{i}": said for i in range(4)} | {"cs": said}
        results = _run_while_first_blocks(group, said, others, {"cs": "cs"})
        text, ran_in = results["cs"]
        assert text == czech
        assert all(results[name][0] == message for name in others if name != "cs")
        if ran_in != results["cs@thread"]:
            return
    pytest.fail("the Czech caller always led its own batch")


def test_inside_a_transaction_the_work_runs_at_once_in_its_own_savepoint() -> None:
    group = GroupCommit(transaction.atomic)

    def refused() -> None:
        Officer.objects.create(name="inner")
        raise ValueError("no")

    with transaction.atomic():
        Officer.objects.create(name="outer")
        with pytest.raises(ValueError):
            group.run(refused)
    assert list(Officer.objects.values_list("name", flat=True)) == ["outer"]
    assert group.batches == 0


def test_finish_runs_once_per_batch_with_the_successful_work_only() -> None:
    finished: list[list[Any]] = []

    def finish(values: list[Any]) -> None:
        finished.append(sorted(values))
        Officer.objects.create(name=f"total {len(values)}")

    group = GroupCommit(transaction.atomic, finish=finish)

    def refused() -> None:
        raise ValueError("no")

    results = _run_while_first_blocks(
        group, lambda: 0, {"a": lambda: 1, "bad": refused, "b": lambda: 2}
    )
    assert isinstance(results["bad"], ValueError)
    assert finished == [[0], [1, 2]]
    assert sorted(Officer.objects.values_list("name", flat=True)) == ["total 1", "total 2"]


def test_a_failing_finish_fails_the_whole_batch() -> None:
    def finish(values: list[Any]) -> None:
        if len(values) > 1:
            raise RuntimeError("counters unavailable")

    group = GroupCommit(transaction.atomic, finish=finish)
    results = _run_while_first_blocks(
        group, _officer("first"), {"a": _officer("a"), "b": _officer("b")}
    )
    assert isinstance(results["first"], int)
    assert isinstance(results["a"], RuntimeError) and isinstance(results["b"], RuntimeError)
    assert list(Officer.objects.values_list("name", flat=True)) == ["first"]


def test_a_lone_refused_caller_keeps_nothing_and_gets_its_error() -> None:
    group = GroupCommit(transaction.atomic)

    def refused() -> None:
        Officer.objects.create(name="refused")
        raise ValueError("no")

    with pytest.raises(ValueError):
        group.run(refused)
    assert group.run(_officer("kept")) > 0
    assert list(Officer.objects.values_list("name", flat=True)) == ["kept"]
    assert (group.batches, group.items) == (1, 1)
