"""`straz worker`: run the periodic jobs every wing registered (core.jobs), outbox delivery included."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from straz.core.filemodes import secure_data_dir
from straz.core.jobs import run_worker


class Command(BaseCommand):
    help = "Run background jobs: public-view expiry, overdue deadlines, retention, pruning."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every job once and exit")
        parser.add_argument("--quiet", action="store_true", help="print nothing unless a job fails")
        parser.add_argument(
            "--poll", type=float, default=5.0, help="seconds between rounds (default 5)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        secure_data_dir(settings.DATA_DIR)
        run_worker(quiet=options["quiet"], once=options["once"], poll=max(0.5, options["poll"]))
