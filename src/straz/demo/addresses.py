"""Demo address points of Plzeň, in the shape ČÚZK publishes them (RÚIAN CSV, cp1250, S-JTSK).

`data/addresses/554791-plzen.csv` is a small SYNTHETIC sample in exactly the RÚIAN
address-point format (the 2024 header, positive S-JTSK coordinates, a point without
coordinates, a registration number written with a decimal comma): real street names of
the demo streets with invented numbers and positions. It is loaded through the real
importer, so the find-your-district page and the report form's address box work out of
the box, and the import path is the one a deployment uses with the real files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from straz.demo.common import say
from straz.territory.addresses.importer import import_addresses
from straz.territory.addresses.search import address_points_present

SAMPLE = Path(__file__).parent / "data" / "addresses" / "554791-plzen.csv"


def load_address_sample(*, stdout: Any = None) -> None:
    """Import the demo city's address points unless any address points exist."""
    if address_points_present():
        return
    summary = import_addresses(paths=[SAMPLE], file_format="ruian")
    say(
        stdout,
        f"Address points: {summary.imported} "
        f"({summary.without_coordinates} without coordinates skipped).",
    )
