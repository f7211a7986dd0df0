"""`straz import-areas FILE --kind … --code-field … --name-field …`: load polygons from GeoJSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from straz.territory.models import AreaKind
from straz.territory.services import AreaImportError, import_areas


class Command(BaseCommand):
    help = "Import municipalities, city or police districts from GeoJSON (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help="GeoJSON FeatureCollection, Feature or geometry (WGS84); '-' reads stdin"
        )
        parser.add_argument("--kind", required=True, choices=AreaKind.values)
        parser.add_argument(
            "--code-field", required=True, help="feature property holding the code (RÚIAN/TERYT)"
        )
        parser.add_argument("--name-field", required=True, help="feature property holding the name")
        parser.add_argument(
            "--population-field", default=None, help="feature property holding the population"
        )
        parser.add_argument(
            "--parent", default=None, help="code of the parent area (e.g. the municipality)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        name = opts["file"]
        if name == "-":
            source: Any = sys.stdin.buffer.read()
        else:
            path = Path(name)
            if not path.is_file():
                raise CommandError(
                    _("File %(path)s does not exist or is not a file") % {"path": name}
                )
            source = path
        try:
            result = import_areas(
                features_source=source,
                kind=opts["kind"],
                code_field=opts["code_field"],
                name_field=opts["name_field"],
                population_field=opts["population_field"],
                parent_code=opts["parent"],
                source_label=str(name),
            )
        except AreaImportError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(
                _("Nothing was imported: %(count)s problem(s) in %(path)s")
                % {"count": len(exc.messages), "path": name}
            ) from None
        self.stdout.write(
            _("Imported %(total)s areas of kind %(kind)s: %(created)s new, %(updated)s updated")
            % {
                "total": result.total,
                "kind": result.kind,
                "created": len(result.created),
                "updated": len(result.updated),
            }
        )
