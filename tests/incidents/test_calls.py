"""§12(1): a call is forwarded to the centre competent for its type and place (the region's
operations centres) and, when several components are needed, also to the OPIS — refused without it;
a centre other than the competent one is flagged."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from straz.accounts.models import AuditEntry, User
from straz.core.errors import ValidationFailed
from straz.demo.territory import create_izs_areas
from straz.incidents import services
from straz.incidents.calls.rules import (
    MISSING_OPIS,
    NOT_COMPETENT,
    forwarding_for,
    forwarding_problems,
)
from straz.incidents.models import CallRecord, OperationsCentre, TimelineEntry

pytestmark = pytest.mark.django_db

IN_PLZEN = {"lat": 49.7477, "lon": 13.3776}


# ---------------------------------------------------------------- the rule (pure)


def test_the_competent_component_follows_the_type_of_call() -> None:
    assert forwarding_for("fire").competent == "hzs"
    assert forwarding_for("medical").competent == "zzs"
    assert forwarding_for("crime").competent == "pcr"
    with pytest.raises(ValueError):
        forwarding_for("gossip")


def test_several_components_require_the_opis_copy() -> None:
    alone = forwarding_for("medical", ["zzs"])
    assert not alone.opis_required and alone.components == frozenset({"zzs"})
    several = forwarding_for("medical", ["hzs"])
    assert several.opis_required and several.components == frozenset({"zzs", "hzs"})
    assert forwarding_problems(several, to_centre="ZOS ZZS PK", competent_centre="ZOS ZZS PK", to_opis="") == (
        MISSING_OPIS,
    )
    assert forwarding_problems(several, to_centre="ZOS ZZS PK", competent_centre="ZOS ZZS PK", to_opis="KOPIS") == ()
    assert forwarding_problems(alone, to_centre="Jiné", competent_centre="ZOS ZZS PK", to_opis="") == (NOT_COMPETENT,)
    assert forwarding_problems(alone, to_centre="Jiné", competent_centre="", to_opis="") == ()


# ---------------------------------------------------------------- the service


@pytest.fixture
def centres(db: Any) -> dict[str, OperationsCentre]:
    create_izs_areas()
    return {
        "opis": OperationsCentre.objects.create(component="hzs", name="KOPIS HZS Plzeňského kraje", region_code="CZ032", is_opis=True),
        "zzs": OperationsCentre.objects.create(component="zzs", name="ZOS ZZS Plzeňského kraje", region_code="CZ032"),
        "pcr": OperationsCentre.objects.create(component="pcr", name="OS KŘP Plzeňského kraje", region_code="CZ032"),
        "zzs_other": OperationsCentre.objects.create(component="zzs", name="ZOS ZZS Praha", region_code="CZ010"),
    }


def _call(dispatcher: User, **kw: Any) -> CallRecord:
    return services.record_call(user=dispatcher, received_by_centre="OS KŘP", summary="Nehoda, zranění", **IN_PLZEN, **kw)


def test_the_competent_centre_of_the_calls_region_is_found(dispatcher: User, centres: dict[str, Any]) -> None:
    call = _call(dispatcher, call_type="medical")
    routing = services.call_routing(call)
    assert routing.region_code == "CZ032"
    assert routing.competent_centre == "ZOS ZZS Plzeňského kraje" and not routing.opis_required
    done = services.forward_call(user=dispatcher, call_id=call.pk)
    assert done.forwarded_to_centre == "ZOS ZZS Plzeňského kraje" and done.forwarded_to_opis == ""
    assert done.forward_flags == []


def test_several_components_without_an_opis_are_refused_and_nothing_changes(
    dispatcher: User, make_incident: Any
) -> None:
    create_izs_areas()
    OperationsCentre.objects.create(component="zzs", name="ZOS ZZS Plzeňského kraje", region_code="CZ032")
    incident = make_incident()
    call = _call(dispatcher, call_type="medical", components_needed=["hzs", "pcr"], incident_id=incident.pk)
    before = (AuditEntry.objects.count(), TimelineEntry.objects.count())
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        services.forward_call(user=dispatcher, call_id=call.pk)
    assert "§12(1)" in refused.value.message
    call.refresh_from_db()
    assert call.forwarded_at is None and (AuditEntry.objects.count(), TimelineEntry.objects.count()) == before
    # Typing the OPIS makes it go.
    done = services.forward_call(user=dispatcher, call_id=call.pk, to_opis="KOPIS HZS PK")
    assert done.forwarded_to_opis == "KOPIS HZS PK"


def test_the_opis_copy_is_added_from_the_region_when_several_components_are_needed(
    dispatcher: User, centres: dict[str, Any], make_incident: Any
) -> None:
    incident = make_incident()
    call = _call(dispatcher, call_type="traffic_accident", components_needed=["zzs", "hzs"], incident_id=incident.pk)
    done = services.forward_call(user=dispatcher, call_id=call.pk)
    assert done.forwarded_to_centre == "OS KŘP Plzeňského kraje"
    assert done.forwarded_to_opis == "KOPIS HZS Plzeňského kraje"
    audit = AuditEntry.objects.filter(action="call.forwarded").latest("seq")
    assert audit.after["opis_required"] is True and audit.after["competent"] == "OS KŘP Plzeňského kraje"
    entry = TimelineEntry.objects.filter(incident=incident, kind="call").latest("id")
    assert entry.data["to_opis"] == "KOPIS HZS Plzeňského kraje"


def test_forwarding_elsewhere_than_the_competent_centre_is_flagged(
    dispatcher: User, centres: dict[str, Any], client_for: Any
) -> None:
    call = _call(dispatcher, call_type="medical")
    done = services.forward_call(user=dispatcher, call_id=call.pk, to_centre="ZOS ZZS Praha")
    assert done.forward_flags == [NOT_COMPETENT]
    assert AuditEntry.objects.filter(action="call.forwarded").latest("seq").after["flags"] == [NOT_COMPETENT]
    html = client_for(dispatcher).get(reverse("incidents:calls")).content.decode()
    assert 'data-testid="call-flag-not-competent"' in html


def test_without_a_known_centre_one_must_be_typed(dispatcher: User) -> None:
    call = services.record_call(user=dispatcher, received_by_centre="OS KŘP", summary="x", call_type="fire")
    with pytest.raises(ValidationFailed):
        services.forward_call(user=dispatcher, call_id=call.pk)
    assert services.forward_call(user=dispatcher, call_id=call.pk, to_centre="KOPIS").forwarded_to_centre == "KOPIS"


def test_bad_call_type_or_component_is_refused(dispatcher: User) -> None:
    with pytest.raises(ValidationFailed):
        services.record_call(user=dispatcher, received_by_centre="OS KŘP", summary="x", call_type="gossip")
    with pytest.raises(ValidationFailed):
        services.record_call(user=dispatcher, received_by_centre="OS KŘP", summary="x", components_needed=["army"])
    assert not CallRecord.objects.exists()


def test_the_calls_page_records_the_type_and_shows_where_the_call_goes(
    dispatcher: User, centres: dict[str, Any], client_for: Any
) -> None:
    ops = client_for(dispatcher)
    url = reverse("incidents:calls")
    resp = ops.post(url, {"action": "record", "call-received_by_centre": "OS KŘP", "call-summary": "Požár, zranění",
                          "call-lat": "49.7477", "call-lon": "13.3776", "call-call_type": "fire",
                          "call-components_needed": ["zzs"]})
    assert resp.status_code == 302
    call = CallRecord.objects.get()
    assert call.call_type == "fire" and call.components_needed == ["zzs"]
    html = ops.get(url).content.decode()
    assert f'data-testid="call-routing-{call.pk}"' in html and "KOPIS HZS Plzeňského kraje" in html
    resp = ops.post(url, {"action": "forward", "call_id": str(call.pk), "to_centre": "", "to_opis": ""})
    assert resp.status_code == 302
    call.refresh_from_db()
    # No HZS centre but the OPIS itself for a fire: the OPIS is the competent centre and gets the copy.
    assert call.forwarded_to_centre == "KOPIS HZS Plzeňského kraje"
    assert call.forwarded_to_opis == "KOPIS HZS Plzeňského kraje"


def test_the_api_takes_the_type_and_refuses_the_missing_opis(dispatcher_api: Any, dispatcher: User) -> None:
    create_izs_areas()
    made = dispatcher_api.post("/incidents/calls", {"received_by_centre": "OS KŘP", "summary": "x", **IN_PLZEN,
                                                   "call_type": "crime", "components_needed": ["zzs"]})
    assert made.status_code == 201, made.content
    assert made.json()["call_type"] == "crime"
    refused = dispatcher_api.post(f"/incidents/calls/{made.json()['id']}/forward", {"to_centre": "OS KŘP PK"})
    assert refused.status_code == 422
    done = dispatcher_api.post(f"/incidents/calls/{made.json()['id']}/forward", {"to_centre": "OS KŘP PK", "to_opis": "KOPIS"})
    assert done.status_code == 200 and done.json()["forwarded_to_opis"] == "KOPIS"
