"""SQLite with a kernel-queued write lock (ADR 0037).

SQLite lets one writer in at a time; a connection that finds the database locked sleeps
and retries (1, 2, 5 … 100 ms between tries). Under a steady stream of writes from several
threads and processes those sleeps, not the work, set the pace: a waiter keeps missing
the short moments the lock is free, and an unlucky report waited seconds. Here every
transaction first takes an exclusive `flock` on `<database>-writelock`, which the kernel
grants to a waiter the moment the holder releases it (or dies: a killed process's locks
go with it), and only then `BEGIN IMMEDIATE`, which then never has to wait for another
Straz writer. Other programs opening the file still meet SQLite's own busy timeout.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    """SQLite connection whose transactions queue on an exclusive file lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._write_lock_fd: int | None = None

    def _write_lock_path(self) -> str | None:
        if self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}-writelock"

    def _acquire_write_lock(self) -> None:
        path = self._write_lock_path()
        if path is None or self._write_lock_fd is not None:
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # blocks without the GIL until it is ours
        except BaseException:
            os.close(fd)
            raise
        self._write_lock_fd = fd

    def _release_write_lock(self) -> None:
        fd, self._write_lock_fd = self._write_lock_fd, None
        if fd is not None:
            # Closing the descriptor drops the lock, also if unlocking failed.
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _start_transaction_under_autocommit(self) -> None:
        self._acquire_write_lock()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private in the stubs
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]  # private in the stubs
        finally:
            self._release_write_lock()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]  # private in the stubs
        finally:
            self._release_write_lock()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]  # private in the stubs
        finally:
            self._release_write_lock()
