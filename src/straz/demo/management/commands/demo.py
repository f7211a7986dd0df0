"""`straz demo`: migrate the embedded database, load demo data and users, serve locally."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from straz.accounts import audit
from straz.core.filemodes import secure_data_dir
from straz.core.management.commands.serve import check_port_free, serve
from straz.demo.accounts import DEMO_PASSWORD_SUFFIX
from straz.demo.loader import ensure_demo_data


class Command(BaseCommand):
    help = "Create or migrate ./var/straz.sqlite3, load demo data, create demo users, serve on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="prepare the data and exit")
        parser.add_argument("--reports", type=int, default=None, help="number of demo reports (first run only)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not opts["no_serve"]:
            # Before minutes of loading: a taken port is said now, with how to pick another.
            check_port_free("127.0.0.1", opts["port"])
        # Before the database file exists: it is created 0600 in a 0700 directory.
        secure_data_dir(settings.DATA_DIR)
        call_command("migrate", interactive=False, verbosity=0)
        # A demo database from before the audit key (ADR 0020) is anchored here so that the
        # demo keeps working; a production deployment runs `straz audit rekey` on purpose.
        anchor = audit.rekey(actor_label="straz demo")
        if anchor is not None:
            self.stdout.write(f"Audit log written before the audit key: anchored by entry #{anchor.seq}.")
        created = ensure_demo_data(report_count=opts["reports"], stdout=self.stdout)
        self.stdout.write(("Demo data loaded." if created else "Demo data already present, reused.") + f" Database: {settings.DATABASES['default']['NAME']}")
        self.stdout.write(
            "Demo logins (user / password). These are DEMO-ONLY passwords: they are published, "
            "skip the password rules and must never be used on a real deployment. "
            "The demo also does not ask for a second factor (STRAZ_REQUIRE_2FA=0)."
        )
        for role in ("officer", "supervisor", "dispatcher", "commander", "commander2", "analyst", "manager", "admin"):
            self.stdout.write(f"  {role:<11} {role}{DEMO_PASSWORD_SUFFIX}")
        if opts["no_serve"]:
            return
        serve(host="127.0.0.1", port=opts["port"], with_worker=True)
