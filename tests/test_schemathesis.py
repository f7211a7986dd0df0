"""Property-based attack on the JSON API from its own OpenAPI schema (schemathesis 4).

Every operation of /api/v1/openapi.json gets generated requests — valid and invalid —
against a real `straz serve` process; no answer may be a 5xx, and every documented answer
must match its documented schema. Staff operations carry a Bearer token of an
administrator (who may act on every report) so that they are exercised past the login.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
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


@pytest.fixture(scope="session")
def fuzz_targets(straz_server: LiveServer) -> dict[str, list[Any]]:  # noqa: F811
    """Real reports (with an attachment) for the fuzzer to aim at, besides random ids."""
    import io

    from PIL import Image

    ids, attachments = [], []
    for i in range(6):
        buf = io.BytesIO()
        Image.new("RGB", (8, 8), (i * 40, 10, 10)).save(buf, "PNG")
        resp = requests.post(
            straz_server.url + "/api/v1/reports/multipart",
            data={"category": "illegal-dump", "lat": str(49.725 + i * 0.005), "lon": "13.355"},
            files={"attachment": (f"p{i}.png", buf.getvalue(), "image/png")},
            timeout=30,
        )
        assert resp.status_code == 201, resp.text
        ids.append(resp.json()["id"])
    found = straz_server.run_django(
        "from straz.reports.models import Attachment\n"
        f"qs = Attachment.objects.filter(report_id__in={ids!r})\n"
        "result = list(qs.values_list('pk', flat=True))"
    )
    attachments.extend(found)
    return {
        "report_id": ids,
        "attachment_id": attachments,
        "category": ["illegal-dump", "drug-use"],
        "district": ["PD-A", "PD-B"],
    }


def _steer(case: Any, targets: dict[str, list[Any]]) -> None:
    """Aim about half of the cases at real objects, so they get past "not found"."""
    rng = random.Random(repr((case.method, case.path, case.path_parameters, case.query, case.body)))
    if rng.random() < 0.5:
        return
    for where in (case.path_parameters, case.query):
        if isinstance(where, dict):
            for name, values in targets.items():
                if name in where:
                    where[name] = rng.choice(values)
    if (
        isinstance(case.body, dict)
        and "category" in case.body
        and isinstance(case.body["category"], str)
    ):
        case.body["category"] = rng.choice(targets["category"])
        if isinstance(case.body.get("lat"), float) and isinstance(case.body.get("lon"), float):
            case.body["lat"], case.body["lon"] = (
                49.74 + rng.random() * 0.01,
                13.36 + rng.random() * 0.02,
            )


def _is_staff_operation(case: Any) -> bool:
    return "/staff/" in case.path or bool(case.operation.definition.raw.get("security"))


def _operations() -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _has_inputs(operation: Any) -> bool:
    return any(len(getattr(operation, part)) for part in ("path_parameters", "query", "body"))


# One pytest item per operation and generation mode, with plain ids: schemathesis' own
# parametrize gives all its items one node id, and pytest-xdist then runs only one of them.
CASES = [
    pytest.param(op.label, mode, id=f"{op.label} [{mode.value}]")
    for op in _operations()
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or _has_inputs(op)
]


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_api_never_fails_and_keeps_its_schema(
    label: str,
    mode: GenerationMode,
    straz_server: LiveServer,  # noqa: F811
    fuzz_targets: dict[str, list[Any]],
) -> None:
    operation = next(op for op in _operations() if op.label == label)
    token = straz_server.token("admin")

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def attack(case: Any) -> None:
        _steer(case, fuzz_targets)
        headers = {"Authorization": f"Bearer {token}"} if _is_staff_operation(case) else {}
        case.call_and_validate(
            base_url=straz_server.url,
            headers=headers,
            checks=[not_a_server_error, response_schema_conformance],
            timeout=30,
        )

    attack()


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
        ("GET", "/api/v1/addresses"),
        ("POST", "/api/v1/staff/reports/{report_id}/transition"),
    ]:
        assert expected in operations, (
            f"{expected} missing from the OpenAPI schema: {sorted(operations)}"
        )


def _models_in(annotation: Any, seen: set[type]) -> None:
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for info in annotation.model_fields.values():
            _models_in(info.annotation, seen)
        return
    for arg in get_args(annotation):
        _models_in(arg, seen)


def test_schema_names_are_unique() -> None:
    """Two API models with one name collide in the OpenAPI components: one silently wins."""
    from straz.api import api

    seen: set[type] = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in (operation.response_models or {}).values():
                    _models_in(model, seen)
                for model in operation.models:
                    _models_in(model, seen)
    by_name: dict[str, set[str]] = {}
    for model in seen:
        if model.__module__.startswith("straz."):
            by_name.setdefault(model.__name__, set()).add(
                f"{model.__module__}.{model.__qualname__}"
            )
    clashes = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert not clashes, f"API models sharing a name (rename one): {clashes}"
