"""territory.locate: one cached index per area kind, for every kind, with the same invalidation."""

from __future__ import annotations

import pytest
from shapely.geometry import box, mapping

from straz.territory import locate as locating
from straz.territory.models import Area, AreaKind
from straz.territory.services import load_area, route_point

pytestmark = pytest.mark.django_db


def _square(kind: str, code: str, bounds: tuple[float, float, float, float], parent: Area | None = None) -> Area:
    return load_area(kind=kind, code=code, name=code, geometry=dict(mapping(box(*bounds))), parent=parent)


@pytest.mark.parametrize("kind", [k.value for k in AreaKind])
def test_every_kind_is_located_the_same_way(kind: str) -> None:
    _square(kind, "A", (13.0, 49.0, 14.0, 50.0))
    _square(kind, "B", (14.0, 49.0, 15.0, 50.0))
    found = locating.locate(kind, [(49.5, 13.5), (49.5, 14.5), (48.0, 13.5)])
    assert [a.code if a else None for a in found] == ["A", "B", None]


def test_kinds_do_not_see_each_other() -> None:
    region = _square(AreaKind.REGION, "CZ032", (12.6, 49.15, 13.95, 50.1))
    _square(AreaKind.ORP, "3212", (13.15, 49.58, 13.6, 49.88), parent=region)
    point = (49.7477, 13.3776)
    assert locating.locate_point(AreaKind.REGION, lat=point[0], lon=point[1]).code == "CZ032"  # type: ignore[union-attr]
    assert locating.locate_point(AreaKind.ORP, lat=point[0], lon=point[1]).code == "3212"  # type: ignore[union-attr]
    assert locating.locate_point(AreaKind.MUNICIPALITY, lat=point[0], lon=point[1]) is None
    # District routing is the same index used for police districts: none exist here.
    assert route_point(lat=point[0], lon=point[1]) is None


def test_a_change_made_behind_the_cache_is_noticed_by_the_fingerprint() -> None:
    area = _square(AreaKind.REGION, "CZ032", (13.0, 49.0, 14.0, 50.0))
    assert locating.locate_point(AreaKind.REGION, lat=49.5, lon=13.5) is not None
    # A queryset update sends no signal (as another process's change would not).
    Area.objects.filter(pk=area.pk).update(is_active=False)
    assert locating.locate_point(AreaKind.REGION, lat=49.5, lon=13.5) is None


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown area kind"):
        locating.locate("galaxy", [(49.5, 13.5)])
