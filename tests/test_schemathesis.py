"""Property-based attack on the JSON API from its own OpenAPI schema (schemathesis 4).

Every operation of /api/v1/openapi.json gets generated requests — valid and invalid —
against a real `straz serve` process; no answer may be a 5xx, and every documented answer
must match its documented schema. Staff operations carry a Bearer token of an
administrator (who may act on every report) so that they are exercised past the login.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.helpers.fixtures import straz_server  # noqa: F401
from tests.helpers.live_server import LiveServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live-server")]

# Bounded so that the whole module runs in a couple of minutes on two cores.
MAX_EXAMPLES = 30


def _openapi_document() -> dict[str, Any]:
    from straz.api import api

    return api.get_openapi_schema()


# Loaded at import (schemathesis' lazy fixture loader does not work with pytest 9); the
# document is the one the server serves, which test_served_schema_is_the_fuzzed_one checks.
schema = schemathesis.openapi.from_dict(_openapi_document())


def _is_staff_operation(case: Any) -> bool:
    return "/staff/" in case.path or bool(case.operation.definition.raw.get("security"))


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_and_keeps_its_schema(case: Any, straz_server: LiveServer) -> None:  # noqa: F811
    headers = {}
    if _is_staff_operation(case):
        headers["Authorization"] = f"Bearer {straz_server.token('admin')}"
    case.call_and_validate(
        base_url=straz_server.url,
        headers=headers,
        checks=[not_a_server_error, response_schema_conformance],
        timeout=30,
    )


def test_served_schema_is_the_fuzzed_one(straz_server: LiveServer) -> None:  # noqa: F811
    resp = requests.get(straz_server.url + "/api/v1/openapi.json", timeout=30)
    assert resp.status_code == 200
    assert resp.json() == json.loads(json.dumps(_openapi_document()))


def test_schema_lists_the_required_operations() -> None:
    """The issue's API shapes are in the schema (a missing one would escape the fuzzing)."""
    operations = {
        (op.method.upper(), op.path) for op in (r.ok() for r in schema.get_all_operations())
    }
    for expected in [
        ("GET", "/api/v1/categories"),
        ("POST", "/api/v1/reports"),
        ("GET", "/api/v1/reports/{report_id}"),
        ("GET", "/api/v1/map"),
        ("GET", "/api/v1/districts/lookup"),
        ("POST", "/api/v1/staff/reports/{report_id}/transition"),
    ]:
        assert expected in operations, (
            f"{expected} missing from the OpenAPI schema: {sorted(operations)}"
        )
