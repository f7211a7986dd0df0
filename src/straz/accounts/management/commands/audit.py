"""`straz audit verify`: check the hash chain of the audit log."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from straz.accounts.audit import verify_chain
from straz.accounts.models import AuditEntry


class Command(BaseCommand):
    help = "Audit log tools: `verify` recomputes the hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **opts: Any) -> None:
        problems = list(verify_chain())
        total = AuditEntry.objects.count()
        if problems:
            for p in problems[:50]:
                self.stderr.write(f"entry #{p.seq}: {p.reason}")
            raise CommandError(f"audit chain BROKEN: {len(problems)} problem(s) in {total} entries")
        self.stdout.write(f"audit chain OK: {total} entries verified")
