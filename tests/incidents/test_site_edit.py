"""The site changes during the intervention: zones and posts are changed or removed (kept on
record), the affected area is redrawn or cleared, the coordination level moves (§2, §5)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from straz.accounts.models import User
from straz.core.errors import Conflict, Forbidden, ValidationFailed
from straz.incidents import reporting, services
from straz.incidents.models import Incident, SiteFeature, TimelineEntry
from tests.incidents.incident_fixtures import audit_count

pytestmark = pytest.mark.django_db


def square(lon: float, lat: float, size: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


BOWTIE = {"type": "Polygon", "coordinates": [[[13.36, 49.73], [13.37, 49.74], [13.37, 49.73], [13.36, 49.74], [13.36, 49.73]]]}


def patch(api: Any, path: str, body: Any, **extra: Any) -> Any:
    return api.client.patch(
        "/api/v1" + path, data=json.dumps(body), content_type="application/json", **api._headers(), **extra
    )


def zone_entries(incident: Incident) -> list[TimelineEntry]:
    return list(TimelineEntry.objects.filter(incident=incident, kind="zone").order_by("at", "id"))


def stored(feature_id: int) -> dict[str, Any]:
    f = SiteFeature.objects.get(pk=feature_id)
    return {"kind": f.kind, "name": f.name, "geometry": f.geometry, "parent": f.parent_id, "retired_at": f.retired_at}


@pytest.fixture
def incident(make_incident: Any) -> Incident:
    return make_incident()


@pytest.fixture
def zone(incident: Incident, dispatcher: User) -> SiteFeature:
    return services.add_site_feature(
        user=dispatcher, incident_id=incident.pk, kind="danger_zone", geometry=square(13.36, 49.73, 0.01), name="NZ 1"
    )


# ---------------------------------------------------------------- changing a zone or post


def test_zone_is_redrawn_and_renamed_in_one_audited_change_with_old_and_new(
    dispatcher_api: Any, incident: Incident, zone: SiteFeature
) -> None:
    before_audit = audit_count()
    bigger = square(13.355, 49.725, 0.02)
    resp = patch(dispatcher_api, f"/incidents/{incident.pk}/site-features/{zone.pk}", {"geometry": bigger, "name": "NZ rozšířená"})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["name"] == "NZ rozšířená" and body["active"] and body["updated_at"] is not None
    assert body["geometry"]["coordinates"][0][0] == [13.355, 49.725]
    assert audit_count() == before_audit + 1
    entry = zone_entries(incident)[-1]
    assert "NZ 1" in entry.rendered and "NZ rozšířená" in entry.rendered
    assert entry.data["before"]["name"] == "NZ 1" and entry.data["after"]["name"] == "NZ rozšířená"
    assert entry.data["before"]["geometry"] == square(13.36, 49.73, 0.01)
    assert entry.data["after"]["geometry"] == body["geometry"]


def test_kind_changes_only_within_its_family(dispatcher_api: Any, incident: Incident, zone: SiteFeature) -> None:
    url = f"/incidents/{incident.pk}/site-features/{zone.pk}"
    ok = patch(dispatcher_api, url, {"kind": "outer_zone"})
    assert ok.status_code == 200 and ok.json()["kind"] == "outer_zone"
    snapshot, audits, entries = stored(zone.pk), audit_count(), len(zone_entries(incident))
    refused = patch(dispatcher_api, url, {"kind": "command_post"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422
    assert "zone can only become another zone" in refused.json()["detail"]
    assert stored(zone.pk) == snapshot and audit_count() == audits and len(zone_entries(incident)) == entries


def test_post_is_moved(dispatcher_api: Any, dispatcher: User, incident: Incident) -> None:
    post = services.add_site_feature(
        user=dispatcher, incident_id=incident.pk, kind="command_post", geometry={"type": "Point", "coordinates": [13.35, 49.73]}
    )
    resp = patch(
        dispatcher_api,
        f"/incidents/{incident.pk}/site-features/{post.pk}",
        {"geometry": {"type": "Point", "coordinates": [13.351, 49.731]}, "kind": "staff_post"},
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["geometry"] == {"type": "Point", "coordinates": [13.351, 49.731]}
    assert resp.json()["kind"] == "staff_post"


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"geometry": BOWTIE}, 422, "not a valid polygon"),
        ({"geometry": {"type": "Point", "coordinates": [13.36, 49.73]}}, 422, "not a valid polygon"),
        ({"name": "x" * 151}, 422, ""),
        ({"kind": "volcano"}, 422, ""),
        ({"name": "NZ 1"}, 409, "Nothing to change"),
        ({"parent": 1}, 422, "Only a section"),
        ({"colour": "red"}, 422, ""),
    ],
)
def test_bad_change_is_a_translated_4xx_and_changes_nothing(
    dispatcher_api: Any, incident: Incident, zone: SiteFeature, body: dict[str, Any], status: int, words: str
) -> None:
    snapshot, audits, entries = stored(zone.pk), audit_count(), len(zone_entries(incident))
    resp = patch(dispatcher_api, f"/incidents/{incident.pk}/site-features/{zone.pk}", body, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == status, resp.content
    assert words in json.dumps(resp.json())
    assert stored(zone.pk) == snapshot and audit_count() == audits and len(zone_entries(incident)) == entries


def test_refusal_is_in_the_users_language(dispatcher_api: Any, incident: Incident, zone: SiteFeature) -> None:
    cs = patch(dispatcher_api, f"/incidents/{incident.pk}/site-features/{zone.pk}", {"name": "NZ 1"}, HTTP_ACCEPT_LANGUAGE="cs")
    en = patch(dispatcher_api, f"/incidents/{incident.pk}/site-features/{zone.pk}", {"name": "NZ 1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert cs.status_code == en.status_code == 409
    assert en.json()["detail"].startswith("Nothing to change")


def test_feature_of_another_incident_is_not_found(
    dispatcher_api: Any, make_incident: Any, zone: SiteFeature
) -> None:
    other = make_incident(title="Jiná")
    assert patch(dispatcher_api, f"/incidents/{other.pk}/site-features/{zone.pk}", {"name": "X"}).status_code == 404
    assert dispatcher_api.post(f"/incidents/{other.pk}/site-features/{zone.pk}/retire", {}).status_code == 404
    assert stored(zone.pk)["name"] == "NZ 1" and stored(zone.pk)["retired_at"] is None


# ---------------------------------------------------------------- sectors and sections


@pytest.fixture
def sectors(incident: Incident, dispatcher: User) -> tuple[SiteFeature, SiteFeature, SiteFeature]:
    west = services.add_site_feature(user=dispatcher, incident_id=incident.pk, kind="sector", geometry=square(13.30, 49.70, 0.05), name="Sektor Z")
    east = services.add_site_feature(user=dispatcher, incident_id=incident.pk, kind="sector", geometry=square(13.40, 49.70, 0.05), name="Sektor V")
    section = services.add_site_feature(
        user=dispatcher, incident_id=incident.pk, kind="section", geometry=square(13.31, 49.71, 0.01), name="Úsek 1", parent_id=west.pk
    )
    return west, east, section


def test_section_moves_to_another_sector_only_when_it_lies_within(
    dispatcher_api: Any, incident: Incident, sectors: tuple[SiteFeature, SiteFeature, SiteFeature]
) -> None:
    west, east, section = sectors
    url = f"/incidents/{incident.pk}/site-features/{section.pk}"
    snapshot = stored(section.pk)
    outside = patch(dispatcher_api, url, {"parent": east.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert outside.status_code == 422 and "within its sector" in outside.json()["detail"]
    assert stored(section.pk) == snapshot
    no_sector = patch(dispatcher_api, url, {"parent": None}, HTTP_ACCEPT_LANGUAGE="en")
    assert no_sector.status_code == 422 and "choose the sector" in no_sector.json()["detail"]
    moved = patch(dispatcher_api, url, {"parent": east.pk, "geometry": square(13.41, 49.71, 0.01)})
    assert moved.status_code == 200, moved.content
    assert moved.json()["parent"] == east.pk
    assert zone_entries(incident)[-1].data["before"]["parent"] == west.pk


def test_sector_cannot_strand_its_sections(
    dispatcher_api: Any, incident: Incident, sectors: tuple[SiteFeature, SiteFeature, SiteFeature]
) -> None:
    west, _east, section = sectors
    url = f"/incidents/{incident.pk}/site-features/{west.pk}"
    snapshot = stored(west.pk)
    shrunk = patch(dispatcher_api, url, {"geometry": square(13.33, 49.73, 0.01)}, HTTP_ACCEPT_LANGUAGE="en")
    assert shrunk.status_code == 422 and "Úsek 1" in shrunk.json()["detail"]
    kind = patch(dispatcher_api, url, {"kind": "danger_zone"}, HTTP_ACCEPT_LANGUAGE="en")
    assert kind.status_code == 409
    retire = dispatcher_api.post(f"{url}/retire", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert retire.status_code == 409 and "sections" in retire.json()["detail"]
    assert stored(west.pk) == snapshot
    # Once its section is gone, the sector can go too; a retired sector takes no new sections.
    assert dispatcher_api.post(f"/incidents/{incident.pk}/site-features/{section.pk}/retire", {}).status_code == 200
    assert dispatcher_api.post(f"{url}/retire", {}).status_code == 200
    again = dispatcher_api.post(
        f"/incidents/{incident.pk}/site-features",
        {"kind": "section", "geometry": square(13.31, 49.71, 0.01), "parent": west.pk},
    )
    assert again.status_code == 422


# ---------------------------------------------------------------- retiring


def test_retired_zone_stays_on_record_but_leaves_the_map_and_the_report_map(
    dispatcher_api: Any, dispatcher: User, incident: Incident, zone: SiteFeature
) -> None:
    services.add_site_feature(
        user=dispatcher, incident_id=incident.pk, kind="outer_zone", geometry=square(13.35, 49.72, 0.04), name="Vnější zůstává"
    )
    assert "NZ 1" in reporting.site_map_svg(incident)
    before = audit_count()
    resp = dispatcher_api.post(f"/incidents/{incident.pk}/site-features/{zone.pk}/retire", {"note": "Únik utěsněn."})
    assert resp.status_code == 200, resp.content
    assert resp.json()["retired_at"] is not None and not resp.json()["active"]
    assert audit_count() == before + 1
    f = SiteFeature.objects.get(pk=zone.pk)
    assert f.retired_by == dispatcher and f.geometry == zone.geometry
    entry = zone_entries(incident)[-1]
    assert entry.data["retired"] and "NZ 1" in entry.rendered and "Únik utěsněn." in entry.rendered
    fc = dispatcher_api.get(f"/incidents/{incident.pk}/site-features").json()
    assert [x["properties"]["name"] for x in fc["features"]] == ["Vnější zůstává"]
    everything = dispatcher_api.get(f"/incidents/{incident.pk}/site-features", include_retired="true").json()
    assert [x["properties"]["name"] for x in everything["features"]] == ["NZ 1", "Vnější zůstává"]
    svg = reporting.site_map_svg(incident)
    assert "Vnější zůstává" in svg and "NZ 1" not in svg
    # The report keeps the history of the site division.
    doc = reporting.report_document(incident)
    assert any("NZ 1" in row.text for row in doc.site_history)
    # Retired means final: no change, no second retirement.
    assert patch(dispatcher_api, f"/incidents/{incident.pk}/site-features/{zone.pk}", {"name": "X"}).status_code == 409
    assert dispatcher_api.post(f"/incidents/{incident.pk}/site-features/{zone.pk}/retire", {}).status_code == 409


# ---------------------------------------------------------------- who may change it


def test_only_writers_of_the_incident_change_the_site(
    api_as: Any, dispatcher: User, commander: User, commander_b: User, analyst: User, incident: Incident, zone: SiteFeature
) -> None:
    services.assign_commander(
        user=dispatcher, incident_id=incident.pk, commander_name="Petr Velitel", commander_user_id=commander.pk, component="hzs"
    )
    url = f"/incidents/{incident.pk}/site-features/{zone.pk}"
    for user in (commander_b, analyst):
        assert patch(api_as(user), url, {"name": "X"}).status_code == 403
        assert api_as(user).post(f"{url}/retire", {}).status_code == 403
        assert api_as(user).put(f"/incidents/{incident.pk}/coordination-level", {"coordination_level": "operational"}).status_code == 403
        assert api_as(user).put(f"/incidents/{incident.pk}/affected-area", {"affected_area": None}).status_code == 403
    assert patch(api_as(None), url, {"name": "X"}).status_code == 401
    assert stored(zone.pk)["name"] == "NZ 1"
    assert patch(api_as(commander), url, {"name": "Velitelova"}).status_code == 200
    with pytest.raises(Forbidden):
        services.retire_site_feature(user=commander_b, incident_id=incident.pk, feature_id=zone.pk)


def test_closed_incident_site_is_not_changed(dispatcher: User, incident: Incident, zone: SiteFeature) -> None:
    services.change_state(user=dispatcher, incident_id=incident.pk, target="in_progress")
    services.change_state(user=dispatcher, incident_id=incident.pk, target="closed")
    with pytest.raises(Conflict):
        services.change_site_feature(user=dispatcher, incident_id=incident.pk, feature_id=zone.pk, name="X")
    with pytest.raises(Conflict):
        services.retire_site_feature(user=dispatcher, incident_id=incident.pk, feature_id=zone.pk)
    with pytest.raises(Conflict):
        services.change_coordination_level(user=dispatcher, incident_id=incident.pk, coordination_level="strategic")
    assert stored(zone.pk)["retired_at"] is None


# ---------------------------------------------------------------- affected area and coordination level


def test_affected_area_is_drawn_redrawn_and_cleared(dispatcher_api: Any, incident: Incident) -> None:
    url = f"/incidents/{incident.pk}/affected-area"
    first = dispatcher_api.put(url, {"affected_area": square(13.3, 49.7, 0.1)})
    assert first.status_code == 200, first.content
    assert first.json()["affected_area"]["type"] == "Polygon"
    second = dispatcher_api.put(url, {"affected_area": square(13.3, 49.7, 0.2)})
    assert second.status_code == 200
    entry = zone_entries(incident)[-1]
    assert entry.data["before"] == first.json()["affected_area"] and entry.data["after"] == second.json()["affected_area"]
    cleared = dispatcher_api.put(url, {"affected_area": None})
    assert cleared.status_code == 200 and cleared.json()["affected_area"] is None
    assert [e.data["after"] is None for e in zone_entries(incident)] == [False, False, True]
    assert dispatcher_api.put(url, {"affected_area": None}).status_code == 409


@pytest.mark.parametrize(
    "body",
    [{"affected_area": BOWTIE}, {"affected_area": {"type": "Point", "coordinates": [13, 49]}}, {}, {"affected_area": "x"}],
)
def test_bad_affected_area_changes_nothing(dispatcher_api: Any, incident: Incident, body: dict[str, Any]) -> None:
    services.change_affected_area(user=incident.created_by, incident_id=incident.pk, affected_area=square(13.3, 49.7, 0.1))
    incident.refresh_from_db()
    area, audits = incident.affected_area, audit_count()
    resp = dispatcher_api.put(f"/incidents/{incident.pk}/affected-area", body, HTTP_ACCEPT_LANGUAGE="pl")
    assert resp.status_code == 422, resp.content
    incident.refresh_from_db()
    assert incident.affected_area == area and audit_count() == audits


def test_coordination_level_moves_and_is_recorded(dispatcher_api: Any, incident: Incident) -> None:
    url = f"/incidents/{incident.pk}/coordination-level"
    resp = dispatcher_api.put(url, {"coordination_level": "operational"})
    assert resp.status_code == 200 and resp.json()["coordination_level"] == "operational"
    entry = TimelineEntry.objects.filter(incident=incident, kind="command").latest("id")
    assert entry.data == {"from": "tactical", "to": "operational"}
    before = audit_count()
    assert dispatcher_api.put(url, {"coordination_level": "operational"}).status_code == 409
    assert dispatcher_api.put(url, {"coordination_level": "global"}).status_code == 422
    assert audit_count() == before
    with pytest.raises(ValidationFailed):
        services.change_coordination_level(user=incident.created_by, incident_id=incident.pk, coordination_level="global")
    incident.refresh_from_db()
    assert incident.coordination_level == "operational"
