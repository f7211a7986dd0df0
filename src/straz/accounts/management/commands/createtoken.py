"""`straz createtoken USERNAME [--expires-days N] [--read-only]`: print a new API token."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from straz.accounts import audit
from straz.accounts.auth import issue_token
from straz.accounts.models import User
from straz.core.config import straz_settings
from straz.core.errors import DomainError


class Command(BaseCommand):
    help = "Print a new API token (use it as `Authorization: Bearer TOKEN`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help="days the token lives (default STRAZ_API_TOKEN_DAYS, 90)",
        )
        parser.add_argument(
            "--read-only",
            action="store_true",
            help="the token may only read (GET); any change is refused with 403",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {opts['username']!r}")
        days = opts["expires_days"]
        if days is None:
            days = straz_settings().api_token_days
        with transaction.atomic():
            try:
                raw = issue_token(
                    user=user, name=opts["name"], expires_days=days, read_only=opts["read_only"]
                )
            except DomainError as error:
                raise CommandError(error.message) from None
            audit.record(
                action="token.issue",
                object_type="user",
                object_id=user.pk,
                after={
                    "token_prefix": raw[:12],
                    "name": opts["name"],
                    "expires_days": days,
                    "read_only": bool(opts["read_only"]),
                },
                actor_label="cli",
            )
        self.stdout.write(raw)
