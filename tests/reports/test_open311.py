"""Open311 GeoReport v2: every answer checked against the official JSON Schemas and XML names."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from lxml import etree
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from straz.reports.intake import IncomingAttachment
from straz.reports.models import Report, ReportSource
from straz.reports.services import add_note, transition_report
from tests.reports.reportkit import IN_A, OUTSIDE, image_bytes, submit

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "open311"
BASE = "/open311/v2/"

# --------------------------------------------------------------------------- judges

_formats = FormatChecker(formats=())


@_formats.checks("date-time", raises=ValueError)
def _is_rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return True
    moment = datetime.fromisoformat(value)
    return "T" in value and moment.tzinfo is not None


def _schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def _registry() -> Registry:
    resources = [
        (path.name, Resource.from_contents(_schema(path.name), default_specification=DRAFT202012))
        for path in SCHEMAS.glob("*.json")
        if path.name != "swagger.json"
    ]
    return Registry().with_resources(resources)


REGISTRY = _registry() if SCHEMAS.is_dir() else Registry()
ERRORS_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "additionalProperties": False,
        "properties": {
            "code": {"type": "integer"},
            "description": {"type": "string", "minLength": 1},
        },
    },
}


def validate(instance: Any, schema_file: str) -> None:
    """Validate against one of the shared Open311 JSON Schemas, $refs resolved between files."""
    assert SCHEMAS.is_dir(), f"Open311 schemas missing at {SCHEMAS}"
    Draft202012Validator(_schema(schema_file), registry=REGISTRY, format_checker=_formats).validate(
        instance
    )


def swagger_definition(name: str) -> dict[str, Any]:
    return _schema("swagger.json")["definitions"][name]


def validate_swagger(instance: Any, definition: str) -> None:
    """Validate one object against a definition of the spec's Swagger file (no extra keys)."""
    schema = swagger_definition(definition)
    Draft4Validator(schema, format_checker=_formats).validate(instance)
    assert set(instance) <= set(schema["properties"]), set(instance) - set(schema["properties"])


def properties_of(schema_file: str) -> tuple[set[str], set[str]]:
    schema = _schema(schema_file)
    return set(schema["properties"]), set(schema.get("required", []))


def get(
    client: Client,
    path: str,
    expect: int = 200,
    headers: dict[str, str] | None = None,
    **params: Any,
) -> Any:
    response = client.get(BASE + path, params, headers=headers or {})
    assert response.status_code == expect, response.content
    return response


def xml_items(response: Any, root: str, item: str) -> list[dict[str, Any]]:
    """Parse a GeoReport XML answer into dicts (nested lists as lists of dicts)."""
    assert response["Content-Type"].startswith("text/xml")
    doc = etree.fromstring(response.content)
    assert doc.tag == root
    assert all(child.tag == item for child in doc), [c.tag for c in doc]
    return [_element(child) for child in doc]


def _element(element: Any) -> Any:
    children = list(element)
    if not children:
        return element.text
    if (len({c.tag for c in children}) == 1 and len(children) > 1) or element.tag in {
        "attributes",
        "values",
        "formats",
        "endpoints",
    }:
        return [_element(c) for c in children]
    return {c.tag: _element(c) for c in children}


def as_xml_text(value: Any) -> Any:
    """What a JSON value looks like as XML text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return [as_xml_text(v) for v in value]
    if isinstance(value, dict):
        return {k: as_xml_text(v) for k, v in value.items()}
    return str(value)


def assert_xml_matches_json(
    xml: list[dict[str, Any]], data: list[dict[str, Any]], schema_file: str
) -> None:
    """Same objects in both formats, with field names from the schema."""
    names, required = properties_of(schema_file)
    assert len(xml) == len(data)
    for x, j in zip(xml, data, strict=True):
        assert set(x) <= names, set(x) - names
        assert required <= set(x)
        assert x == {k: as_xml_text(v) for k, v in j.items()}


def assert_error(response: Any, status: int, fmt: str = "json") -> str:
    """An error list with the HTTP status; returns the description."""
    assert response.status_code == status, response.content
    if fmt == "xml":
        items = xml_items(response, "errors", "error")
        assert len(items) == 1 and set(items[0]) == {"code", "description"}
        assert items[0]["code"] == str(status)
        return str(items[0]["description"])
    body = response.json()
    Draft202012Validator(ERRORS_SCHEMA).validate(body)
    assert body[0]["code"] == status
    return str(body[0]["description"])


def client_at(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


def post(ip: str, fmt: str = "json", headers: dict[str, str] | None = None, **data: Any) -> Any:
    return client_at(ip).post(f"{BASE}requests.{fmt}", data, headers=headers or {})


# --------------------------------------------------------------------------- services


def test_services_json_validates_and_names_follow_the_language(categories: dict[str, Any]) -> None:
    body = get(Client(), "services.json").json()
    validate(body, "services.json")
    from straz.reports.models import Category

    assert [s["service_code"] for s in body] == list(
        Category.objects.offered()
        .order_by("order", "code")
        .values_list("code", flat=True)
    )
    assert {c.code for c in categories.values()} <= {s["service_code"] for s in body}
    by_code = {s["service_code"]: s for s in body}
    dump = by_code["illegal-dump"]
    assert dump["service_name"] == "Černá skládka"  # Czech by default
    assert dump["metadata"] is True and dump["type"] == "realtime"
    assert "Illegal dump" in dump["keywords"] and "Dzikie wysypisko śmieci" in dump["keywords"]
    english = get(Client(), "services.json", headers={"Accept-Language": "en"}).json()
    assert {s["service_code"]: s["service_name"] for s in english}["illegal-dump"] == "Illegal dump"
    polish = get(Client(), "services.json", locale="pl").json()
    assert {s["service_code"]: s["service_name"] for s in polish}[
        "drug-use"
    ] == "Używanie środków odurzających"


def test_services_xml_has_the_georeport_names(categories: dict[str, Any]) -> None:
    xml = xml_items(get(Client(), "services.xml"), "services", "service")
    data = get(Client(), "services.json").json()
    assert_xml_matches_json(xml, data, "service.json")


def test_inactive_categories_are_not_services(categories: dict[str, Any]) -> None:
    categories["venue"].is_active = False
    categories["venue"].save()
    codes = {s["service_code"] for s in get(Client(), "services.json").json()}
    assert "dangerous-venue" not in codes
    assert_error(get(Client(), "services/dangerous-venue.json", expect=404), 404)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition(categories: dict[str, Any], fmt: str) -> None:
    response = get(Client(), f"services/illegal-dump.{fmt}")
    if fmt == "json":
        body = response.json()
        validate(body, "service-definition.json")
        attribute, consent = body["attributes"]
        assert attribute["code"] == "occurred_at" and attribute["datatype"] == "datetime"
        assert attribute["required"] is False and attribute["variable"] is True
        # The consent to status e-mails (ADR 0036): optional, one value.
        assert consent["code"] == "email_consent" and consent["datatype"] == "singlevaluelist"
        assert consent["required"] is False
        assert [v["key"] for v in consent["values"]] == ["yes"]
        return
    doc = etree.fromstring(response.content)
    assert doc.tag == "service_definition"
    assert doc.findtext("service_code") == "illegal-dump"
    attributes = doc.find("attributes")
    assert [a.tag for a in attributes] == ["attribute", "attribute"]
    item_schema = _schema("service-definition.json")["properties"]["attributes"]["items"]
    fields = {child.tag for child in attributes[0]}
    assert set(item_schema["required"]) <= fields <= set(item_schema["properties"])
    assert attributes[0].findtext("datatype") == "datetime"
    assert attributes[0].findtext("required") == "false"
    assert attributes[1].findtext("code") == "email_consent"
    assert [v.findtext("key") for v in attributes[1].find("values")] == ["yes"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_a_404_error_list(categories: dict[str, Any], fmt: str) -> None:
    text = assert_error(get(Client(), f"services/no-such-thing.{fmt}", expect=404), 404, fmt)
    assert "no-such-thing" in text


# --------------------------------------------------------------------------- creating requests


def test_post_creates_an_anonymous_report(district_a: Any, categories: dict[str, Any]) -> None:
    when = (timezone.now() - timedelta(hours=3)).replace(microsecond=0)
    response = post(
        "203.0.113.31",
        service_code="illegal-dump",
        lat=str(IN_A[0]),
        long=str(IN_A[1]),
        description="Pneumatiky za garážemi",
        **{"attribute[occurred_at]": when.isoformat()},
        email="jana.novakova@example.cz",
        first_name="Jana",
        last_name="Nováková",
        phone="+420 601 234 567",
        device_id="device-XYZ-123",
        account_id="acct-987",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    validate_swagger(body[0], "RequestResponse")
    report = Report.objects.get(pk=int(body[0]["service_request_id"]))
    assert report.source == ReportSource.OPEN311
    assert report.category.code == "illegal-dump"
    assert report.description == "Pneumatiky za garážemi"  # kept for the police only
    assert report.occurred_at == when
    assert report.district_id == district_a.pk
    text = response.content.decode()
    for personal in (
        "jana.novakova@example.cz",
        "Nováková",
        "601 234 567",
        "device-XYZ-123",
        "acct-987",
    ):
        assert personal not in text
        assert not Report.objects.filter(description__contains=personal).exists()
        assert not Report.objects.filter(address_text__contains=personal).exists()
    assert "account_id" not in body[0]  # anonymous: no account
    assert "Obvod A" in body[0]["service_notice"]
    # The token resolves to the same id.
    resolved = get(Client(), f"tokens/{body[0]['token']}.json").json()
    validate_swagger(resolved[0], "TokenResponse")
    assert resolved[0]["service_request_id"] == body[0]["service_request_id"]


def test_post_answers_in_xml(district_a: Any, categories: dict[str, Any]) -> None:
    response = post(
        "203.0.113.32", fmt="xml", service_code="illegal-dump", lat=str(IN_A[0]), long=str(IN_A[1])
    )
    assert response.status_code == 200, response.content
    (item,) = xml_items(response, "service_requests", "request")
    assert set(item) <= set(swagger_definition("RequestResponse")["properties"])
    assert Report.objects.filter(pk=int(item["service_request_id"]), source="open311").exists()
    assert "account_id" not in item


def test_post_with_an_address_string_uses_the_gazetteer(
    district_a: Any, categories: dict[str, Any]
) -> None:
    from straz.territory.models import Place

    Place.objects.create(name="Americká", lat=49.7431, lon=13.3712)
    response = post("203.0.113.33", service_code="illegal-dump", address_string="Americká 12")
    assert response.status_code == 200, response.content
    report = Report.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert (report.lat, report.lon) == (49.7431, 13.3712)
    assert_error(
        post("203.0.113.34", service_code="illegal-dump", address_string="Nikde neexistující 99"),
        400,
    )


@pytest.mark.parametrize(
    ("data", "status", "needle"),
    [
        ({"lat": "91", "long": "13.37"}, 400, "90"),
        ({"lat": "49.74", "long": "-181"}, 400, "180"),
        ({"lat": "abc", "long": "13.37"}, 400, "lat"),
        ({"lat": "nan", "long": "13.37"}, 400, "lat"),
        ({"lat": "49.74"}, 400, "long"),
        ({}, 400, "location"),
        ({"address_id": "545483"}, 400, "address_id"),
        ({"lat": str(OUTSIDE[0]), "long": str(OUTSIDE[1])}, 400, "outside"),
        ({"lat": "49.74", "long": "13.37", "attribute[colour]": "red"}, 400, "colour"),
        (
            {"lat": "49.74", "long": "13.37", "attribute[occurred_at]": "yesterday"},
            400,
            "occurred_at",
        ),
        (
            {"lat": "49.74", "long": "13.37", "attribute[occurred_at]": "2099-01-01T10:00:00Z"},
            400,
            "future",
        ),
        (
            {"lat": "49.74", "long": "13.37", "description": "<script>alert(1)</script>"},
            400,
            "HTML",
        ),
        ({"lat": "49.74", "long": "13.37", "description": "x" * 501}, 400, "500"),
        ({"lat": "49.74", "long": "13.37", "service_code": ""}, 400, "service_code"),
        ({"lat": "49.74", "long": "13.37", "service_code": "no-such-thing"}, 404, "no-such-thing"),
        ({"lat": "49.74", "long": "13.37", "api_key": "straz_wrong"}, 403, "api_key"),
    ],
)
def test_bad_posts_are_refused_and_store_nothing(
    district_a: Any, categories: dict[str, Any], data: dict[str, str], status: int, needle: str
) -> None:
    payload = {"service_code": "illegal-dump", **data}
    for fmt in ("json", "xml"):
        response = post("203.0.113.40", fmt=fmt, headers={"Accept-Language": "en"}, **payload)
        text = assert_error(response, status, fmt)
        assert needle.lower() in text.lower(), text
    assert Report.objects.count() == 0


@pytest.mark.parametrize("where", ["form", "query"])
def test_a_staff_token_is_never_taken_as_api_key(
    district_a: Any, categories: dict[str, Any], officer: Any, token_for: Any, where: str
) -> None:
    """Parameters end up in access logs: a staff token there is refused (ADR 0027)."""
    raw = token_for(officer)
    data = {"service_code": "illegal-dump", "lat": "49.74", "long": "13.37"}
    url = f"{BASE}requests.json"
    if where == "form":
        data["api_key"] = raw
    else:
        url += f"?api_key={raw}"
    response = client_at("203.0.113.41").post(url, data, headers={"Accept-Language": "en"})
    text = assert_error(response, 403, "json")
    assert "Authorization header" in text and raw not in text
    assert Report.objects.count() == 0


def test_a_page_of_another_site_cannot_file_a_request(
    district_a: Any, categories: dict[str, Any]
) -> None:
    """GeoReport's form POST needs no preflight, so another site's page is refused by Origin."""
    data = {"service_code": "illegal-dump", "lat": "49.74", "long": "13.37"}
    response = client_at("203.0.113.44").post(
        f"{BASE}requests.json",
        data,
        headers={"Origin": "https://evil.example", "Accept-Language": "en"},
    )
    text = assert_error(response, 403, "json")
    assert "allowed application" in text
    assert Report.objects.count() == 0
    same_site = client_at("203.0.113.44").post(
        f"{BASE}requests.json", data, headers={"Origin": "http://testserver"}
    )
    assert same_site.status_code == 200, same_site.content


def test_rate_limit_is_the_web_form_limit(district_a: Any, categories: dict[str, Any]) -> None:
    first = post("203.0.113.42", service_code="illegal-dump", lat="49.74", long="13.37")
    assert first.status_code == 200
    second = post("203.0.113.42", service_code="drug-use", lat="49.745", long="13.365")
    assert_error(second, 429)
    assert int(second["Retry-After"]) > 0
    assert Report.objects.count() == 1


def test_post_needs_no_csrf_token(district_a: Any, categories: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.43")
    response = client.post(
        BASE + "requests.json", {"service_code": "illegal-dump", "lat": "49.74", "long": "13.37"}
    )
    assert response.status_code == 200, response.content


def test_media_url_is_not_fetched_nor_stored(district_a: Any, categories: dict[str, Any]) -> None:
    response = post(
        "203.0.113.44",
        service_code="illegal-dump",
        lat="49.74",
        long="13.37",
        media_url="http://example.invalid/photo.jpg",
    )
    assert response.status_code == 200
    report = Report.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert not report.attachments.exists()
    assert "media_url" in response.json()[0]["service_notice"]


def test_idempotency_key_replays_the_same_request(
    district_a: Any, categories: dict[str, Any]
) -> None:
    headers = {"Idempotency-Key": "open311-retry-1"}
    data = {"service_code": "illegal-dump", "lat": "49.74", "long": "13.37"}
    first = post("203.0.113.45", headers=headers, **data)
    again = post("203.0.113.45", headers=headers, **data)
    assert first.status_code == again.status_code == 200
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert Report.objects.count() == 1


# --------------------------------------------------------------------------- reading requests


@pytest.fixture
def reports(district_a: Any, categories: dict[str, Any], officer: Any) -> dict[str, Report]:
    """Reports in several states: public, confirmed-only, approximated, duplicate, closed."""
    ids = {
        "dump": submit(
            category_code="illegal-dump",
            client_ip="198.51.100.1",
            description="Tajný popis pro policii",
            address_text="U Jana Nováka 5",
        ),
        "venue": submit(
            category_code="dangerous-venue", lat=49.73, lon=13.36, client_ip="198.51.100.2"
        ),
        "drugs": submit(
            category_code="drug-use",
            lat=49.751234,
            lon=13.381234,
            client_ip="198.51.100.3",
            attachment=IncomingAttachment(name="fotka-sousedu.jpg", data=image_bytes()),
        ),
        "dup": submit(category_code="illegal-dump", client_ip="198.51.100.4"),
        "closed": submit(
            category_code="illegal-dump", lat=49.725, lon=13.385, client_ip="198.51.100.5"
        ),
    }
    out = {k: Report.objects.get(pk=v.report_id) for k, v in ids.items()}
    transition_report(user=officer, report_id=out["closed"].pk, target="verification")
    transition_report(
        user=officer, report_id=out["closed"].pk, target="confirmed", public_note="Posíleny hlídky"
    )
    transition_report(
        user=officer,
        report_id=out["closed"].pk,
        target="eliminated",
        public_note="Skládka odklizena",
    )
    add_note(user=officer, report_id=out["dump"].pk, text="Interní poznámka: soused podezřelý")
    return {k: Report.objects.get(pk=r.pk) for k, r in out.items()}


def test_requests_list_only_public_reports(reports: dict[str, Report]) -> None:
    body = get(Client(), "requests.json").json()
    validate(body, "requests.json")
    ids = {r["service_request_id"] for r in body}
    assert reports["dup"].duplicate_of_id == reports["dump"].pk
    assert ids == {str(reports[k].pk) for k in ("dump", "drugs", "closed")}
    by_id = {r["service_request_id"]: r for r in body}
    dump = by_id[str(reports["dump"].pk)]
    assert dump["status"] == "open"
    assert dump["agency_responsible"] == "Obvod A"
    assert dump["description"] is None and dump["address"] is None
    assert "media_url" not in dump
    assert (dump["lat"], dump["long"]) == (reports["dump"].lat, reports["dump"].lon)
    # An approximated category shows only the centre of its coarse cell.
    drugs = by_id[str(reports["drugs"].pk)]
    assert (drugs["lat"], drugs["long"]) == (
        reports["drugs"].public_lat,
        reports["drugs"].public_lon,
    )
    assert (drugs["lat"], drugs["long"]) != (49.751234, 13.381234)
    closed = by_id[str(reports["closed"].pk)]
    assert closed["status"] == "closed"
    assert "Skládka odklizena" in closed["status_notes"]
    assert closed["expected_datetime"] is None
    assert dump["expected_datetime"] is not None


def test_status_mapping_open_and_closed(reports: dict[str, Report], officer: Any) -> None:
    pk = reports["dump"].pk
    seen = {}
    for target in ("verification", "confirmed", "not_confirmed"):
        if target == "not_confirmed":
            pk = reports["drugs"].pk
            transition_report(user=officer, report_id=pk, target="verification")
        transition_report(user=officer, report_id=pk, target=target, public_note=f"krok {target}")
        (item,) = get(Client(), f"requests/{pk}.json").json()
        seen[target] = (item["status"], item["status_notes"])
    assert seen["verification"][0] == "open" and seen["confirmed"][0] == "open"
    assert seen["not_confirmed"][0] == "closed"
    assert seen["confirmed"][1].endswith("krok confirmed")
    english = get(Client(), f"requests/{reports['dump'].pk}.json", locale="en").json()[0]
    assert english["status_notes"].startswith("Confirmed")
    assert english["service_name"] == "Illegal dump"


def test_requests_xml_matches_json(reports: dict[str, Report]) -> None:
    xml = xml_items(get(Client(), "requests.xml"), "service_requests", "request")
    data = get(Client(), "requests.json").json()
    assert_xml_matches_json(xml, data, "request.json")


def test_request_filters(reports: dict[str, Report]) -> None:
    c = Client()
    dump, drugs, closed = (str(reports[k].pk) for k in ("dump", "drugs", "closed"))
    assert {
        r["service_request_id"] for r in get(c, "requests.json", service_code="drug-use").json()
    } == {drugs}
    assert {
        r["service_request_id"]
        for r in get(c, "requests.json", service_code="drug-use,illegal-dump").json()
    } == {dump, drugs, closed}
    assert {r["service_request_id"] for r in get(c, "requests.json", status="closed").json()} == {
        closed
    }
    assert {r["service_request_id"] for r in get(c, "requests.json", status="open").json()} == {
        dump,
        drugs,
    }
    assert len(get(c, "requests.json", status="open,closed").json()) == 3
    # Parameters may also be repeated (the spec allows both spellings).
    repeated = c.get(
        BASE
        + "requests.json?status=closed&status=open&service_code=drug-use&service_code=illegal-dump"
    )
    assert len(repeated.json()) == 3
    # Older than the default 90-day window: only an explicit window or id list finds it.
    Report.objects.filter(pk=reports["drugs"].pk).update(
        created_at=timezone.now() - timedelta(days=120)
    )
    assert drugs not in {r["service_request_id"] for r in get(c, "requests.json").json()}
    start = (timezone.now() - timedelta(days=130)).isoformat()
    end = (timezone.now() - timedelta(days=110)).isoformat()
    assert {
        r["service_request_id"]
        for r in get(c, "requests.json", start_date=start, end_date=end).json()
    } == {drugs}
    assert {r["service_request_id"] for r in get(c, "requests.json", end_date=end).json()} == {
        drugs
    }
    ids = f"{drugs},{dump},{reports['venue'].pk},999999"
    # An id list overrides the other filters, and never reveals non-public reports.
    assert {
        r["service_request_id"]
        for r in get(c, "requests.json", service_request_id=ids, status="closed").json()
    } == {drugs, dump}
    # Paging (newest first).
    page1 = get(c, "requests.json", page_size=1).json()
    page2 = get(c, "requests.json", page_size=1, page=2).json()
    assert (
        len(page1) == len(page2) == 1
        and page1[0]["service_request_id"] != page2[0]["service_request_id"]
    )
    assert get(c, "requests.json", page=5).json() == []


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"status": "pending"}, 400),
        ({"start_date": "last week"}, 400),
        ({"end_date": "2026-02-30T00:00:00Z"}, 400),
        ({"start_date": "2026-05-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}, 400),
        ({"page_size": "5000"}, 400),
        ({"page_size": "0"}, 400),
        ({"page": "-1"}, 400),
        ({"service_request_id": "1,abc"}, 400),
        ({"service_code": "no-such-thing"}, 404),
    ],
)
def test_bad_list_parameters_are_error_lists(
    reports: dict[str, Report], params: dict[str, str], status: int
) -> None:
    for fmt in ("json", "xml"):
        assert_error(get(Client(), f"requests.{fmt}", expect=status, **params), status, fmt)


@pytest.mark.parametrize("path", ["requests/{id}.json", "request/{id}.json"])
def test_single_request(reports: dict[str, Report], path: str) -> None:
    body = get(Client(), path.format(id=reports["dump"].pk)).json()
    validate(body, "requests.json")
    assert len(body) == 1 and body[0]["service_request_id"] == str(reports["dump"].pk)
    xml = xml_items(
        get(Client(), path.format(id=reports["dump"].pk).replace(".json", ".xml")),
        "service_requests",
        "request",
    )
    assert_xml_matches_json(xml, body, "request.json")


@pytest.mark.parametrize("which", ["venue", "dup", "missing", "text"])
def test_non_public_or_unknown_request_is_404(reports: dict[str, Report], which: str) -> None:
    rid = {"missing": "987654", "text": "abc"}.get(which) or reports[which].pk
    for fmt in ("json", "xml"):
        assert_error(get(Client(), f"requests/{rid}.{fmt}", expect=404), 404, fmt)


def test_report_past_its_public_period_is_not_listed(reports: dict[str, Report]) -> None:
    Report.objects.filter(pk=reports["closed"].pk).update(
        public_until=timezone.now() - timedelta(seconds=1)
    )
    ids = {r["service_request_id"] for r in get(Client(), "requests.json").json()}
    assert str(reports["closed"].pk) not in ids
    assert_error(get(Client(), f"requests/{reports['closed'].pk}.json", expect=404), 404)


def test_tokens(reports: dict[str, Report]) -> None:
    from straz.reports.open311.views import issue_token

    token = issue_token(reports["dump"].pk)
    xml = xml_items(get(Client(), f"tokens/{token}.xml"), "service_requests", "request")
    assert xml == [{"service_request_id": str(reports["dump"].pk), "token": token}]
    forged = (
        token.rsplit(":", 1)[0].replace(str(reports["dump"].pk), str(reports["drugs"].pk))
        + ":"
        + token.rsplit(":", 1)[1]
    )
    assert_error(get(Client(), f"tokens/{forged}.json", expect=404), 404)
    assert_error(get(Client(), "tokens/nonsense.xml", expect=404), 404, "xml")


# --------------------------------------------------------------------------- privacy and plumbing


def test_no_private_field_ever_appears(reports: dict[str, Report]) -> None:
    secrets = [
        "Tajný popis pro policii",
        "U Jana Nováka 5",
        "Interní poznámka",
        "fotka-sousedu",
        "198.51.100.",
        "49.751234",
        "13.381234",
        "reporter",
        "media_url",
    ]
    paths = [
        "services.json",
        "services.xml",
        "services/drug-use.json",
        "requests.json",
        "requests.xml",
        "discovery.json",
        "discovery.xml",
    ]
    for key in ("dump", "drugs", "closed"):
        paths += [f"requests/{reports[key].pk}.json", f"requests/{reports[key].pk}.xml"]
    for path in paths:
        for lang in ("cs", "pl", "en"):
            text = get(Client(), path, locale=lang).content.decode()
            for secret in secrets:
                assert secret not in text, (path, secret)


def test_method_not_allowed_is_an_error_list(categories: dict[str, Any]) -> None:
    response = Client().delete(BASE + "services.json")
    assert_error(response, 405)
    assert "GET" in response["Allow"]
    assert_error(Client().post(BASE + "services.xml"), 405, "xml")


def test_unknown_endpoint_and_format(categories: dict[str, Any]) -> None:
    assert_error(get(Client(), "nothing-here.json", expect=404), 404)
    assert_error(get(Client(), "nothing-here.xml", expect=404), 404, "xml")
    assert "csv" in assert_error(get(Client(), "services.csv", expect=400), 400)


def test_discovery_points_at_this_endpoint(categories: dict[str, Any]) -> None:
    body = get(Client(), "discovery.json").json()
    (endpoint,) = body["endpoints"]
    assert endpoint["url"].endswith("/open311/v2/")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    doc = etree.fromstring(get(Client(), "discovery.xml").content)
    assert doc.tag == "discovery"
    assert [f.text for f in doc.find("endpoints").find("endpoint").find("formats")] == [
        "text/xml",
        "application/json",
    ]


@pytest.mark.parametrize(
    ("headers", "params", "start"),
    [
        ({}, {}, "Neznámý service_code"),  # Czech by default
        ({"Accept-Language": "en"}, {}, "Unknown service_code"),
        ({"Accept-Language": "pl"}, {}, "Nieznany"),
        ({"Accept-Language": "en"}, {"locale": "cs"}, "Neznámý service_code"),
    ],
)
def test_error_descriptions_are_in_the_users_language(
    categories: dict[str, Any], headers: dict[str, str], params: dict[str, str], start: str
) -> None:
    response = get(Client(), "services/no-such-thing.json", expect=404, headers=headers, **params)
    assert assert_error(response, 404).startswith(start)


def test_head_and_cors_preflight(categories: dict[str, Any]) -> None:
    assert Client().head(BASE + "services.json").status_code == 200
    preflight = Client().options(BASE + "requests.json")
    assert preflight.status_code == 204
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert get(Client(), "services.json")["Access-Control-Allow-Origin"] == "*"
