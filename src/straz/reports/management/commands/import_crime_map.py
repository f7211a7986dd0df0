"""`straz import-crime-map FILE…`: import Czech police crime-map open data and code lists."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from straz.reports.crimemap.importer import (
    BATCH_SIZE,
    FileSummary,
    import_paths,
    reapply_public_rules,
    rebuild_map_layer,
)
from straz.reports.crimemap.readers import FileKind


class Command(BaseCommand):
    help = (
        "Import Czech police crime-map open data: monthly YYYYMM.geojson or CSV files (also in a "
        ".zip) and the code lists types.json, states.json, relevance.json. Re-importing updates "
        "records by their id. Exits non-zero when a file is broken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files", nargs="*", help="files to import (kind detected from name and content)"
        )
        parser.add_argument(
            "--kind", choices=[k.value for k in FileKind], help="treat every file as this kind"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--rebuild-map",
            action="store_true",
            help="recompute the public map layer once at the end (faster for a first bulk load)",
        )
        parser.add_argument(
            "--reapply-rules",
            action="store_true",
            help="re-judge every stored record against the current public rules (after a settings change)",
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args: Any, **opts: Any) -> None:
        files: list[str] = opts["files"]
        if not files and not opts["reapply_rules"]:
            raise CommandError(_("Give at least one file to import."))
        if opts["batch_size"] < 1:
            raise CommandError(_("--batch-size must be at least 1."))

        def show(summary: FileSummary) -> None:
            for line in summary.lines():
                self.stdout.write(line)
            if summary.error:
                self.stderr.write(
                    _("ERROR in %(name)s: %(error)s")
                    % {"name": summary.name, "error": summary.error}
                )

        summaries = []
        if files:
            summaries = import_paths(
                files,
                kind=FileKind(opts["kind"]) if opts["kind"] else None,
                progress=not opts["no_progress"] and sys.stderr.isatty(),
                rebuild_map=opts["rebuild_map"],
                batch_size=opts["batch_size"],
                on_summary=show,
            )
        if opts["reapply_rules"]:
            changed = reapply_public_rules(update_map=not opts["rebuild_map"])
            if opts["rebuild_map"] and not files:
                rebuild_map_layer()
            self.stdout.write(_("Public rules re-applied: %(n)d records changed.") % {"n": changed})
        broken = [s for s in summaries if s.error]
        total = {
            k: sum(getattr(s, k) for s in summaries)
            for k in ("inserted", "updated", "unchanged", "skipped_total")
        }
        if summaries:
            self.stdout.write(
                _(
                    "Total: %(inserted)d inserted, %(updated)d updated, %(unchanged)d unchanged, %(skipped)d skipped in %(files)d files."
                )
                % {**total, "skipped": total["skipped_total"], "files": len(summaries)}
            )
        if broken:
            raise CommandError(
                _("%(n)d file(s) could not be imported: %(names)s")
                % {"n": len(broken), "names": ", ".join(s.name for s in broken)}
            )
