"""`straz import-addresses FILE… --format ruian|csv`: load address points (all or nothing)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from straz.territory.addresses.importer import (
    AddressImportError,
    CsvColumns,
    import_addresses,
)


class Command(BaseCommand):
    help = (
        "Import address points: ČÚZK RÚIAN CSV files or zips of them (--format ruian), "
        "or any CSV with named columns (--format csv). A municipality's points are replaced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="CSV files or zip archives of CSV files")
        parser.add_argument(
            "--format", dest="file_format", choices=["ruian", "csv"], default="ruian"
        )
        csv_group = parser.add_argument_group("--format csv: column names")
        csv_group.add_argument("--municipality-code-column", default="")
        csv_group.add_argument("--municipality-column", default="")
        csv_group.add_argument("--house-number-column", default="")
        csv_group.add_argument("--x-column", default="", help="longitude, or easting with --crs")
        csv_group.add_argument("--y-column", default="", help="latitude, or northing with --crs")
        csv_group.add_argument("--street-column", default="")
        csv_group.add_argument(
            "--part-column", default="", help="part of municipality (village, quarter)"
        )
        csv_group.add_argument("--orientation-number-column", default="")
        csv_group.add_argument(
            "--letter-column", default="", help="letter of the orientation number"
        )
        csv_group.add_argument("--postcode-column", default="")
        csv_group.add_argument(
            "--source-code-column", default="", help="the point's id in its register"
        )
        csv_group.add_argument("--delimiter", default=",")
        csv_group.add_argument("--encoding", default="utf-8")
        csv_group.add_argument(
            "--crs", default="EPSG:4326", help="e.g. EPSG:2180 for Polish PUWG 1992"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        columns = None
        if opts["file_format"] == "csv":
            required = {
                "--municipality-code-column": opts["municipality_code_column"],
                "--municipality-column": opts["municipality_column"],
                "--house-number-column": opts["house_number_column"],
                "--x-column": opts["x_column"],
                "--y-column": opts["y_column"],
            }
            missing = [name for name, value in required.items() if not value]
            if missing:
                raise CommandError(
                    _("The CSV format needs these options: %(options)s")
                    % {"options": ", ".join(missing)}
                )
            columns = CsvColumns(
                municipality_code=opts["municipality_code_column"],
                municipality=opts["municipality_column"],
                house_number=opts["house_number_column"],
                x=opts["x_column"],
                y=opts["y_column"],
                street=opts["street_column"],
                part=opts["part_column"],
                orientation_number=opts["orientation_number_column"],
                letter=opts["letter_column"],
                postcode=opts["postcode_column"],
                source_code=opts["source_code_column"],
                delimiter=opts["delimiter"],
                encoding=opts["encoding"],
                crs=opts["crs"],
            )
        progress: Any = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            progress = tqdm(unit=" rows", desc=_("Address points"), file=sys.stderr)
        try:
            summary = import_addresses(
                paths=opts["files"],
                file_format=opts["file_format"],
                columns=columns,
                on_rows=progress.update if progress is not None else None,
            )
        except AddressImportError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(_("Nothing was imported.")) from exc
        finally:
            if progress is not None:
                progress.close()
        self.stdout.write(
            _(
                "Imported %(imported)s address points in %(municipalities)s municipalities; "
                "skipped %(without)s without coordinates and %(bad)s bad rows."
            )
            % {
                "imported": summary.imported,
                "municipalities": len(summary.municipalities),
                "without": summary.without_coordinates,
                "bad": len(summary.bad_rows),
            }
        )
        for bad in summary.bad_rows[:100]:
            self.stdout.write(
                _("%(source)s, line %(line)s: %(reason)s")
                % {"source": bad.source, "line": bad.line, "reason": bad.reason}
            )
        if len(summary.bad_rows) > 100:
            self.stdout.write(
                _("… and %(count)s more bad rows.") % {"count": len(summary.bad_rows) - 100}
            )
