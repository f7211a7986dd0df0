"""Several waitress processes on one listening socket, under one supervising process (ADR 0037).

Python runs one thread of a process at a time (the GIL), so one process uses one core
however many threads it has. `straz serve --workers N` binds the socket once, then forks
N processes that each run waitress with their own thread pool on that socket; the kernel
hands each new connection to one of them. The first process keeps the socket and only
watches: a process that dies is replaced, and SIGTERM/SIGINT stop them all.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

# A process that dies faster than this after its start is not restarted in a tight loop.
_RESPAWN_PAUSE_S = 1.0
_PR_SET_PDEATHSIG = 1


# Each thread of each process may hold a database connection: 8 processes of 4 threads
# stay well inside PostgreSQL's default of 100 connections. Bigger machines say --workers.
MAX_DEFAULT_WORKERS = 8


def default_workers() -> int:
    """One serving process per CPU this process may run on (at least one, at most eight)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_DEFAULT_WORKERS))


def bind_listening_socket(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """A listening TCP socket on host:port, as waitress would open it (SO_REUSEADDR)."""
    family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        if os.name == "posix":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def _die_with_parent() -> None:
    """Ask Linux to stop this child when the supervisor dies (even by SIGKILL)."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _child(parent: int, index: int, run: Callable[[int], None]) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _die_with_parent()
    if os.getppid() != parent:  # the supervisor died before the request above took effect
        os._exit(0)
    code = 0
    try:
        run(index)
    except KeyboardInterrupt:
        pass
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def supervise(
    workers: int, run: Callable[[int], None], *, before_fork: Callable[[], None] | None = None
) -> None:
    """Fork `workers` processes running `run(index)` and keep them running until stopped.

    `before_fork` runs in the supervisor before every fork (close database connections,
    so that no child inherits a connection another process also uses).
    """
    parent = os.getpid()
    children: dict[int, int] = {}  # pid -> index
    started: dict[int, float] = {}  # index -> monotonic start
    stopping = False

    def spawn(index: int) -> None:
        if before_fork is not None:
            before_fork()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(parent, index, run)
        children[pid] = index
        started[index] = time.monotonic()

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for index in range(workers):
            spawn(index)
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:  # pragma: no cover - PEP 475 retries os.wait
                continue
            index = children.pop(pid, -1)
            if index < 0 or stopping:
                continue
            print(
                f"Straz serving process {index} (pid {pid}) ended "
                f"({_describe(status)}); starting a new one",
                file=sys.stderr,
                flush=True,
            )
            if time.monotonic() - started.get(index, 0.0) < _RESPAWN_PAUSE_S:
                time.sleep(_RESPAWN_PAUSE_S)
            if not stopping:
                spawn(index)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in list(children):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
