"""Group commit: concurrent requests of one process share one transaction (ADR 0037).

A write that must be durable before it is answered ends with a commit, and a commit waits
for the disk (fsync). Writers that serialise on one lock anyway (SQLite's single writer,
the audit chain head on PostgreSQL) each wait for every other writer's fsync too. Here
the requests of one process that arrive while a transaction is running wait, and the next
one to run takes them all into a single transaction: each in its own savepoint (a refusal
or an error undoes only its own writes), one lock wait and one commit for the lot, and
every caller is answered only after that commit.

There is no extra thread: the first waiting caller leads the next batch in its own thread
(with its own database connection) and the others sleep until their work is committed.
When nobody else is writing, a caller runs its work at once, exactly as without batching.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar

from django.db import transaction
from django.utils import timezone, translation

T = TypeVar("T")

# More would make the first caller of a long batch wait for all the others' work.
DEFAULT_MAX_BATCH = 16


class _Work(Generic[T]):
    __slots__ = ("error", "finished", "fn", "language", "tz", "value")

    def __init__(self, fn: Callable[[], T]) -> None:
        self.fn = fn
        # The caller's language and time zone: its messages (a refusal) are written in them
        # even when another request's thread runs the work.
        self.language = translation.get_language()
        self.tz = timezone.get_current_timezone()
        self.finished = False
        self.value: T | None = None
        self.error: BaseException | None = None


class GroupCommit:
    """Runs callables inside shared transactions opened by `begin()`; see the module doc."""

    def __init__(
        self,
        begin: Callable[[], AbstractContextManager[object]],
        *,
        finish: Callable[[list[Any]], None] | None = None,
        max_batch: int = DEFAULT_MAX_BATCH,
    ) -> None:
        """`finish`, if given, gets the values of the batch's successful work, in the
        transaction before its commit: work whose effects add up (counters) is done once
        for the batch there. If it fails, the whole batch fails."""
        self._begin = begin
        self._finish = finish
        self._max_batch = max(1, max_batch)
        self._cond = threading.Condition()
        self._queue: list[_Work[object]] = []
        self._busy = False
        # Figures for tests and benchmarks: batches run and work items committed in them.
        self.batches = 0
        self.items = 0

    def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` in a transaction shared with concurrent callers; return once committed.

        `fn`'s exception is raised here (its savepoint was rolled back; the others' work
        commits). If the shared commit itself fails, every caller of the batch gets that
        error and none of their work is kept.
        """
        if transaction.get_connection().in_atomic_block:
            # Already inside a transaction (a test, a bigger use case): nothing to share;
            # the work gets its own (nested) transaction as it would alone.
            with self._begin():
                value = fn()
                if self._finish is not None:
                    self._finish([value])
                return value
        work: _Work[object] = _Work(fn)
        with self._cond:
            self._queue.append(work)
            while True:
                while self._busy and not work.finished:
                    self._cond.wait()
                if work.finished:
                    break
                self._busy = True
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                self._cond.release()
                try:
                    self._run_batch(batch)
                finally:
                    self._cond.acquire()
                    self._busy = False
                    for item in batch:
                        item.finished = True
                    self._cond.notify_all()
        if work.error is not None:
            raise work.error
        return work.value  # type: ignore[return-value]

    def _run_batch(self, batch: list[_Work[object]]) -> None:
        if len(batch) == 1:
            self._run_alone(batch[0])
            return
        try:
            with self._begin():
                for item in batch:
                    try:
                        with (
                            translation.override(item.language),
                            timezone.override(item.tz),
                            transaction.atomic(),
                        ):
                            item.value = item.fn()
                    except Exception as exc:  # handed to the item's caller
                        item.error = exc
                if self._finish is not None:
                    self._finish([item.value for item in batch if item.error is None])
        except BaseException as exc:  # the shared commit (or the lock) failed: nothing kept
            for item in batch:
                if item.error is None:
                    item.error = exc
                    item.value = None
            if not isinstance(exc, Exception):
                raise
            return
        self.batches += 1
        self.items += sum(1 for item in batch if item.error is None)

    def _run_alone(self, item: _Work[object]) -> None:
        # Nobody to share with: the transaction is the work's own (no savepoint), and a
        # refusal rolls all of it back, exactly as without group commit.
        try:
            with (
                self._begin(),
                translation.override(item.language),
                timezone.override(item.tz),
            ):
                item.value = item.fn()
                if self._finish is not None:
                    self._finish([item.value])
        except Exception as exc:  # handed to the item's caller
            item.error = exc
            item.value = None
            return
        self.batches += 1
        self.items += 1
