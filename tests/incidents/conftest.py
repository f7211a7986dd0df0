"""Fixtures of the incident tests (defined in incident_fixtures.py)."""

from tests.incidents.incident_fixtures import (  # noqa: F401 (pytest finds fixtures by name)
    api_as,
    contacts,
    dispatcher_api,
    make_incident,
)
