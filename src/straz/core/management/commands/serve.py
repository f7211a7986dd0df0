"""`straz serve`: the web application on a production-grade WSGI server (waitress)."""

from __future__ import annotations

import errno
import gc
import socket
import threading
from typing import Any

import waitress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.wsgi import get_wsgi_application

from straz.core.config import straz_settings
from straz.core.filemodes import secure_data_dir
from straz.core.jobs import run_worker


class Command(BaseCommand):
    help = "Serve the web application (waitress)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--with-worker", action="store_true", help="also run background jobs in this process"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        serve(
            host=opts["host"],
            port=opts["port"],
            threads=opts["threads"],
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


def serve(*, host: str, port: int, threads: int = 8, with_worker: bool = False) -> None:
    """Run waitress until interrupted; optionally the job loop in a daemon thread."""
    check_port_free(host, port)
    secure_data_dir(settings.DATA_DIR)
    # Built here rather than imported from straz.wsgi: core may not import the shell, and
    # Django is already set up by the management command that calls us.
    application = get_wsgi_application()
    if with_worker:
        threading.Thread(
            target=run_worker, kwargs={"quiet": True}, daemon=True, name="straz-worker"
        ).start()
    # Behind configured reverse proxies Django reads X-Forwarded-For itself (counting the
    # trusted hops, reports.intake); otherwise waitress drops such headers from clients.
    behind_proxy = straz_settings().trusted_proxy_count > 0
    # Everything loaded so far (Django, the URL map, templates, translations) lives as
    # long as the process: moving it out of the collector's generations keeps full
    # collections short (they doubled about one board request in five).
    gc.collect()
    gc.freeze()
    try:
        server = waitress.create_server(
            application,
            host=host,
            port=port,
            threads=threads,
            ident="straz",
            clear_untrusted_proxy_headers=not behind_proxy,
        )
    except OSError as exc:  # taken between the check and now
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise CommandError(port_taken_message(host, port)) from exc
        raise
    # Printed only once the socket is ours: "serving" is then true.
    print(f"Straz is serving on http://{host}:{port}/  (Ctrl+C stops it)", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
