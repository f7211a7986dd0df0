"""The site: components checking in and out (§4(2), §6 h), zones and posts (§5)."""

from __future__ import annotations

from typing import Any

import pytest

from straz.incidents.models import ComponentDeployment, SiteFeature, TimelineEntry
from tests.incidents.incident_fixtures import audit_count

pytestmark = pytest.mark.django_db


def square(lon: float, lat: float, size: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


# ---------------------------------------------------------------- components


def test_called_component_checks_in_with_forces_and_means_and_leaves(
    dispatcher_api: Any, make_incident: Any
) -> None:
    incident = make_incident()
    called = dispatcher_api.post(f"/incidents/{incident.pk}/components", {"kind": "zzs", "unit_name": "RZP Plzeň 2"})
    assert called.status_code == 201
    dep = called.json()
    assert dep["arrived_at"] is None and not dep["on_site"] and dep["is_basic"]
    before = audit_count()
    resp = dispatcher_api.post(
        f"/incidents/{incident.pk}/components/check-in",
        {
            "kind": "zzs",
            "deployment_id": dep["id"],
            "leader_name": "MUDr. Anna Lípová",
            "people": 3,
            "vehicles": 1,
            "equipment": ["defibrilátor", "vakuová matrace"],
        },
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["id"] == dep["id"] and body["on_site"]
    assert (body["leader_name"], body["people"], body["vehicles"]) == ("MUDr. Anna Lípová", 3, 1)
    assert body["equipment"] == ["defibrilátor", "vakuová matrace"]
    assert body["called_at"] < body["arrived_at"] or body["called_at"] == body["arrived_at"]
    assert audit_count() == before + 1
    # Checking in twice is refused.
    twice = dispatcher_api.post(
        f"/incidents/{incident.pk}/components/check-in",
        {"kind": "zzs", "deployment_id": dep["id"], "leader_name": "X", "people": 1, "vehicles": 1},
    )
    assert twice.status_code == 409
    out = dispatcher_api.post(f"/incidents/{incident.pk}/components/{dep['id']}/check-out")
    assert out.status_code == 200
    assert out.json()["departed_at"] is not None and not out.json()["on_site"]
    assert dispatcher_api.post(f"/incidents/{incident.pk}/components/{dep['id']}/check-out").status_code == 409
    departure = TimelineEntry.objects.get(incident=incident, kind="message", letter="h")
    assert departure.data["deployment"]["id"] == dep["id"]
    kinds = list(TimelineEntry.objects.filter(incident=incident).values_list("kind", flat=True).order_by("id"))
    assert kinds == ["state", "component", "component", "message"]


def test_component_arriving_unannounced_and_other_components(dispatcher_api: Any, make_incident: Any) -> None:
    incident = make_incident()
    resp = dispatcher_api.post(
        f"/incidents/{incident.pk}/components/check-in",
        {"kind": "utilities", "leader_name": "Ing. Voda", "people": 2, "vehicles": 1, "unit_name": "Vodárna Plzeň"},
    )
    assert resp.status_code == 201
    assert not resp.json()["is_basic"] and resp.json()["on_site"]
    assert resp.json()["called_at"] == resp.json()["arrived_at"]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "aliens", "leader_name": "X", "people": 1, "vehicles": 1},
        {"kind": "hzs", "leader_name": "", "people": 1, "vehicles": 1},
        {"kind": "hzs", "leader_name": "X", "people": -1, "vehicles": 1},
        {"kind": "hzs", "leader_name": "X", "vehicles": 1},
        {"kind": "hzs", "leader_name": "X", "people": 1, "vehicles": 1, "deployment_id": 999999},
    ],
)
def test_bad_check_in_is_refused(dispatcher_api: Any, make_incident: Any, body: dict[str, Any]) -> None:
    incident = make_incident()
    before = (ComponentDeployment.objects.count(), audit_count())
    resp = dispatcher_api.post(f"/incidents/{incident.pk}/components/check-in", body)
    assert resp.status_code in (404, 422)
    assert resp.json()["detail"]
    assert (ComponentDeployment.objects.count(), audit_count()) == before


def test_check_out_of_a_component_of_another_incident_is_404(dispatcher_api: Any, make_incident: Any) -> None:
    a, b = make_incident(), make_incident()
    dep = dispatcher_api.post(
        f"/incidents/{a.pk}/components/check-in", {"kind": "pcr", "leader_name": "X", "people": 2, "vehicles": 1}
    ).json()
    assert dispatcher_api.post(f"/incidents/{b.pk}/components/{dep['id']}/check-out").status_code == 404
    assert ComponentDeployment.objects.get(pk=dep["id"]).departed_at is None


# ---------------------------------------------------------------- zones and posts


def test_danger_zone_and_command_post_are_drawn(dispatcher_api: Any, make_incident: Any) -> None:
    incident = make_incident()
    before = audit_count()
    zone = dispatcher_api.post(
        f"/incidents/{incident.pk}/site-features",
        {"kind": "danger_zone", "name": "Nebezpečná zóna", "geometry": square(13.36, 49.73, 0.01)},
    )
    assert zone.status_code == 201, zone.content
    post = dispatcher_api.post(
        f"/incidents/{incident.pk}/site-features",
        {"kind": "command_post", "geometry": {"type": "Point", "coordinates": [13.355, 49.735]}},
    )
    assert post.status_code == 201, post.content
    assert audit_count() == before + 2
    fc = dispatcher_api.get(f"/incidents/{incident.pk}/site-features").json()
    assert fc["type"] == "FeatureCollection"
    assert [(f["properties"]["kind"], f["geometry"]["type"]) for f in fc["features"]] == [
        ("danger_zone", "Polygon"),
        ("command_post", "Point"),
    ]
    assert TimelineEntry.objects.filter(incident=incident, kind="zone").count() == 2


@pytest.mark.parametrize(
    ("kind", "geometry", "needle"),
    [
        (
            "danger_zone",
            {"type": "Polygon", "coordinates": [[[13.36, 49.73], [13.38, 49.75], [13.38, 49.73], [13.36, 49.75], [13.36, 49.73]]]},
            "13.37",
        ),
        ("danger_zone", {"type": "Polygon", "coordinates": [[[13.36, 49.73], [13.38, 49.73], [13.38, 49.75], [13.36, 49.75]]]}, "0"),
        ("danger_zone", {"type": "Polygon", "coordinates": [[[13.36, 49.73], [13.38, 49.73], [13.36, 49.73]]]}, "4"),
        ("danger_zone", {"type": "Polygon", "coordinates": [[[13.36, 95.0], [13.38, 49.73], [13.38, 49.75], [13.36, 95.0]]]}, "95"),
        ("danger_zone", {"type": "Point", "coordinates": [13.36, 49.73]}, "Point"),
        ("command_post", square(13.36, 49.73, 0.01), "Polygon"),
        ("command_post", {"type": "Point", "coordinates": [13.36]}, None),
        ("command_post", {"type": "Point", "coordinates": [200, 49.7]}, None),
    ],
)
def test_bad_geometry_is_refused_with_the_reason(
    dispatcher_api: Any, make_incident: Any, kind: str, geometry: dict[str, Any], needle: str | None
) -> None:
    incident = make_incident()
    before = (SiteFeature.objects.count(), audit_count(), TimelineEntry.objects.count())
    resp = dispatcher_api.post(f"/incidents/{incident.pk}/site-features", {"kind": kind, "geometry": geometry})
    assert resp.status_code == 422, resp.content
    detail = resp.json()["detail"]
    if needle:
        assert needle in detail
    assert (SiteFeature.objects.count(), audit_count(), TimelineEntry.objects.count()) == before


def test_sections_lie_within_their_sector(dispatcher_api: Any, make_incident: Any) -> None:
    incident = make_incident()
    sector = dispatcher_api.post(
        f"/incidents/{incident.pk}/site-features",
        {"kind": "sector", "name": "Sektor 1", "geometry": square(13.36, 49.73, 0.02)},
    ).json()
    inside = dispatcher_api.post(
        f"/incidents/{incident.pk}/site-features",
        {"kind": "section", "name": "Úsek 1a", "geometry": square(13.36, 49.73, 0.01), "parent": sector["id"]},
    )
    assert inside.status_code == 201, inside.content
    assert inside.json()["parent"] == sector["id"]
    before = SiteFeature.objects.count()
    outside = dispatcher_api.post(
        f"/incidents/{incident.pk}/site-features",
        {"kind": "section", "name": "Úsek 1b", "geometry": square(13.375, 49.73, 0.01), "parent": sector["id"]},
    )
    assert outside.status_code == 422
    assert "Sektor 1" in outside.json()["detail"]
    orphan = dispatcher_api.post(
        f"/incidents/{incident.pk}/site-features", {"kind": "section", "geometry": square(13.36, 49.73, 0.01)}
    )
    assert orphan.status_code == 422
    # A section cannot hang under a zone that is not a sector, nor under another incident's sector.
    zone = dispatcher_api.post(
        f"/incidents/{incident.pk}/site-features", {"kind": "danger_zone", "geometry": square(13.36, 49.73, 0.02)}
    ).json()
    under_zone = dispatcher_api.post(
        f"/incidents/{incident.pk}/site-features",
        {"kind": "section", "geometry": square(13.36, 49.73, 0.01), "parent": zone["id"]},
    )
    assert under_zone.status_code == 422
    other = make_incident()
    foreign = dispatcher_api.post(
        f"/incidents/{other.pk}/site-features",
        {"kind": "section", "geometry": square(13.36, 49.73, 0.01), "parent": sector["id"]},
    )
    assert foreign.status_code == 422
    # Only sections have a parent.
    zone_with_parent = dispatcher_api.post(
        f"/incidents/{incident.pk}/site-features",
        {"kind": "danger_zone", "geometry": square(13.36, 49.73, 0.01), "parent": sector["id"]},
    )
    assert zone_with_parent.status_code == 422
    assert SiteFeature.objects.count() == before + 1  # only the danger zone was added
