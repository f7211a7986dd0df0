"""`straz createtoken USERNAME`: print a new API token for a staff user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from straz.accounts import audit
from straz.accounts.auth import issue_token
from straz.accounts.models import User


class Command(BaseCommand):
    help = "Print a new API token (use it as `Authorization: Bearer TOKEN`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {opts['username']!r}")
        with transaction.atomic():
            raw = issue_token(user=user, name=opts["name"])
            audit.record(action="token.issue", object_type="user", object_id=user.pk,
                         after={"token_prefix": raw[:12], "name": opts["name"]}, actor_label="cli")
        self.stdout.write(raw)
