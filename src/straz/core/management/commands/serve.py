"""`straz serve`: the web application on a production-grade WSGI server (waitress)."""

from __future__ import annotations

import errno
import gc
import os
import socket
import threading
from typing import Any

import waitress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.wsgi import get_wsgi_application
from django.db import connections as db_connections

from straz.core.config import straz_settings
from straz.core.filemodes import secure_data_dir
from straz.core.jobs import run_worker
from straz.core.serving import bind_listening_socket, default_workers, supervise


class Command(BaseCommand):
    help = "Serve the web application (waitress)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="serving processes sharing the port (default: one per CPU up to 8, or STRAZ_SERVE_WORKERS)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help="threads per process (default: 4, or 8 with one process)",
        )
        parser.add_argument(
            "--with-worker", action="store_true", help="also run background jobs in this process"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        serve(
            host=opts["host"],
            port=opts["port"],
            threads=opts["threads"],
            workers=opts["workers"],
            with_worker=opts["with_worker"],
        )


def port_taken_message(host: str, port: int) -> str:
    """What to tell a person whose port is already in use, and how to pick another."""
    other = 8080 if port != 8080 else 8081
    return (
        f"Port {port} on {host} is already in use (another Straz or another program is "
        f"listening there). Stop that program or pick another port: "
        f"`straz demo --port {other}`, `straz serve --port {other}` or `make demo PORT={other}`."
    )


def check_port_free(host: str, port: int) -> None:
    """Fail early, before any work, with a clear message when nobody can listen on host:port."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise CommandError(f"Cannot listen on {host}: {exc}") from exc
    family, kind, proto, _name, address = infos[0]
    probe = socket.socket(family, kind, proto)
    try:
        probe.bind(address)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise CommandError(port_taken_message(host, port)) from exc
        raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from exc
    finally:
        probe.close()


def _workers(requested: int | None) -> int:
    if requested is None:
        configured = os.environ.get("STRAZ_SERVE_WORKERS", "").strip()
        requested = int(configured) if configured else default_workers()
    if requested < 1:
        raise CommandError("--workers must be at least 1")
    return requested


def serve(
    *,
    host: str,
    port: int,
    threads: int | None = None,
    workers: int | None = 1,
    with_worker: bool = False,
) -> None:
    """Run waitress until interrupted: in this process, or in `workers` forked processes
    on one shared socket (ADR 0037); optionally the job loop in a daemon thread of one."""
    processes = _workers(workers)
    # One process: its threads share one core (the GIL), so more of them mostly queue for
    # it; several processes: fewer threads each keep a request's locks held briefly.
    per_process = threads if threads is not None else (8 if processes == 1 else 4)
    check_port_free(host, port)
    secure_data_dir(settings.DATA_DIR)
    # Built here rather than imported from straz.wsgi: core may not import the shell, and
    # Django is already set up by the management command that calls us.
    application = get_wsgi_application()
    # Behind configured reverse proxies Django reads X-Forwarded-For itself (counting the
    # trusted hops, reports.intake); otherwise waitress drops such headers from clients.
    behind_proxy = straz_settings().trusted_proxy_count > 0
    # Everything loaded so far (Django, the URL map, templates, translations) lives as
    # long as the process: moving it out of the collector's generations keeps full
    # collections short (they doubled about one board request in five), and forked
    # processes share those pages instead of copying them.
    gc.collect()
    gc.freeze()
    adjustments: dict[str, Any] = {
        "threads": per_process,
        "ident": "straz",
        "clear_untrusted_proxy_headers": not behind_proxy,
    }
    if processes == 1:
        if with_worker:
            _start_job_thread()
        try:
            server = waitress.create_server(application, host=host, port=port, **adjustments)
        except OSError as exc:  # taken between the check and now
            raise _bind_error(exc, host, port) from exc
        # Printed only once the socket is ours: "serving" is then true.
        print(f"Straz is serving on http://{host}:{port}/  (Ctrl+C stops it)", flush=True)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
        return

    try:
        sock = bind_listening_socket(host, port)
    except OSError as exc:
        raise _bind_error(exc, host, port) from exc

    def run(index: int) -> None:
        if with_worker and index == 0:
            _start_job_thread()
        server = waitress.create_server(application, sockets=[sock], **adjustments)
        try:
            server.run()
        finally:
            server.close()

    print(
        f"Straz is serving on http://{host}:{port}/ with {processes} processes "
        f"of {per_process} threads  (Ctrl+C stops it)",
        flush=True,
    )
    try:
        # No child may inherit a database connection the supervisor (or a sibling) uses.
        supervise(processes, run, before_fork=db_connections.close_all)
    finally:
        sock.close()


def _start_job_thread() -> None:
    threading.Thread(
        target=run_worker, kwargs={"quiet": True}, daemon=True, name="straz-worker"
    ).start()


def _bind_error(exc: OSError, host: str, port: int) -> Exception:
    if exc.errno in (errno.EADDRINUSE, errno.EACCES):
        return CommandError(port_taken_message(host, port))
    return exc
