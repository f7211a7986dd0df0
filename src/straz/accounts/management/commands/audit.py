"""`straz audit verify|checkpoint|rekey`: check, checkpoint and anchor the audit chain (ADR 0020)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from straz.accounts.audit import AuditChainError, ChainProblem, rekey, verify_chain
from straz.accounts.checkpoints import (
    Checkpoint,
    CheckpointError,
    check_against,
    checkpoint_dir,
    latest_checkpoint,
    load_checkpoint,
    take_checkpoint,
)
from straz.accounts.models import AuditEntry


class Command(BaseCommand):
    help = (
        "Audit log tools: `verify` checks the keyed hash chain and the latest signed checkpoint; "
        "`checkpoint` writes a signed checkpoint of the head; `rekey` anchors a log written "
        "before the audit key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint", "rekey"])
        parser.add_argument("--out", type=Path, help="checkpoint: write to this file instead")
        parser.add_argument(
            "--checkpoint", type=Path, help="verify: check against this checkpoint file instead"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            if opts["action"] == "checkpoint":
                checkpoint, path = take_checkpoint(opts["out"])
                self.stdout.write(
                    f"checkpoint written: entry #{checkpoint.seq}, {checkpoint.count} entries, {path}"
                )
            elif opts["action"] == "rekey":
                entry = rekey()
                if entry is None:
                    self.stdout.write("audit chain already signed with the audit key: nothing to anchor")
                else:
                    self.stdout.write(f"audit chain anchored by entry #{entry.seq}")
            else:
                self._verify(opts["checkpoint"])
        except (ImproperlyConfigured, CheckpointError, AuditChainError) as exc:
            raise CommandError(str(exc)) from exc

    def _verify(self, checkpoint_file: Path | None) -> None:
        problems = list(verify_chain())
        checkpoint: Checkpoint | None = (
            load_checkpoint(checkpoint_file) if checkpoint_file is not None else latest_checkpoint()
        )
        if checkpoint is not None:
            problems += check_against(checkpoint)
        total = AuditEntry.objects.count()
        if problems:
            self._report(problems)
            first = problems[0]
            raise CommandError(
                f"audit chain BROKEN: {len(problems)} problem(s) in {total} entries; "
                f"first: entry #{first.seq}: {first.reason}"
            )
        self.stdout.write(f"audit chain OK: {total} entries verified")
        if checkpoint is None:
            self.stdout.write(
                f"no checkpoint in {checkpoint_dir()} yet: deleted newest entries or a wiped log "
                "cannot be detected until `straz audit checkpoint` has run"
            )
        else:
            self.stdout.write(f"checkpoint of {checkpoint.at} (entry #{checkpoint.seq}) matches")

    def _report(self, problems: list[ChainProblem]) -> None:
        for p in problems[:50]:
            self.stderr.write(f"entry #{p.seq}: {p.reason}")
