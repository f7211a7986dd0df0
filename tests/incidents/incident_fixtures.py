"""Shared fixtures of the incident tests: a dispatcher's API, incidents, notification contacts."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from straz.accounts.models import AuditEntry, User


@dataclass
class Api:
    """A JSON client speaking to /api/v1 as one staff user (Bearer token)."""

    client: Client
    token: str

    def _headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get("/api/v1" + path, params, **self._headers())

    def post(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self.client.post(
            "/api/v1" + path,
            data=json.dumps({} if body is None else body),
            content_type="application/json",
            **self._headers(),
            **extra,
        )

    def put(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self.client.put(
            "/api/v1" + path,
            data=json.dumps({} if body is None else body),
            content_type="application/json",
            **self._headers(),
            **extra,
        )


@pytest.fixture
def api_as(token_for: Callable[[User], str]) -> Callable[[User | None], Api]:
    """An API client for a staff user (None = anonymous)."""

    def make(user: User | None) -> Api:
        return Api(Client(), token_for(user) if user is not None else "")

    return make


@pytest.fixture
def dispatcher_api(dispatcher: User, api_as: Callable[[User | None], Api]) -> Api:
    return api_as(dispatcher)


def audit_count() -> int:
    """How many audit entries exist now."""
    return AuditEntry.objects.count()


INCIDENT_BODY: dict[str, Any] = {
    "type": "mass-road-accident",
    "title": "D5 km 80, hromadná nehoda",
    "lat": 49.74,
    "lon": 13.37,
    "persons_threatened": 40,
    "threatened": ["mass_road_accident"],
    "region_code": "CZ032",
    "orp_code": "3212",
}


@pytest.fixture
def make_incident(dispatcher: User) -> Callable[..., Any]:
    """Create an incident through the service, as the dispatcher."""
    from straz.incidents import services

    def make(**overrides: Any) -> Any:
        data = {**INCIDENT_BODY, **overrides}
        return services.create_incident(
            user=dispatcher,
            type_code=data.pop("type"),
            **data,
        )

    return make


@pytest.fixture
def contacts(db: Any) -> dict[str, Any]:
    """One notification contact per role the decree names, for region CZ032 / ORP 3212."""
    from straz.notifications.models import NotificationContact

    def add(role: str, name: str, channel: str, address: str, **codes: str) -> Any:
        return NotificationContact.objects.create(
            role=role, name=name, channel=channel, address=address, **codes
        )

    return {
        "hejtman": add("hejtman", "Hejtman Plzeňského kraje", "email", "hejtman@kraj.example", region_code="CZ032"),
        "hejtman_other": add("hejtman", "Hejtman jiného kraje", "email", "hejtman@jiny.example", region_code="CZ020"),
        "orp_mayor": add("orp_mayor", "Starosta ORP Plzeň", "webhook", "https://orp.example/hook", region_code="CZ032", orp_code="3212"),
        "orp_other": add("orp_mayor", "Starosta jiné ORP", "email", "starosta@jina.example", region_code="CZ032", orp_code="3299"),
        "gr_hzs": add("gr_hzs", "GŘ HZS ČR", "email", "opis@grhzs.example"),
        "higher_opis": add("higher_opis", "OPIS GŘ HZS", "webhook", "https://opis.example/hook", region_code="CZ032"),
    }
