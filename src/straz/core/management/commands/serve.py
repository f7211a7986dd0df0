"""`straz serve`: the web application on a production-grade WSGI server (waitress)."""

from __future__ import annotations

import gc
import threading
from typing import Any

import waitress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
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


def serve(*, host: str, port: int, threads: int = 8, with_worker: bool = False) -> None:
    """Run waitress until interrupted; optionally the job loop in a daemon thread."""
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
    print(f"Straz is serving on http://{host}:{port}/  (Ctrl+C stops it)", flush=True)
    waitress.serve(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="straz",
        clear_untrusted_proxy_headers=not behind_proxy,
    )
