"""In Chromium: a zone's vertices are dragged with the own drawing tool and saved as a change;
the zone is then removed from the site and leaves the map; the affected area is drawn."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import browser_session, e2e_server  # noqa: F401 (fixtures)
from tests.helpers.fixtures import browser, straz_server_factory  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("live-server")]

ZONE = {"type": "Polygon", "coordinates": [[[13.3695, 49.7395], [13.3705, 49.7395], [13.3705, 49.7405], [13.3695, 49.7405], [13.3695, 49.7395]]]}


def test_zone_vertices_are_dragged_then_the_zone_is_removed(browser_session: Any, e2e_server: Any) -> None:  # noqa: F811
    server = e2e_server
    ids = server.run_django(
        "from straz.accounts.models import User\n"
        "from straz.incidents import services\n"
        "u = User.objects.get(username='dispatcher')\n"
        "i = services.create_incident(user=u, type_code='mass-road-accident', title='Editace zón', lat=49.74, lon=13.37)\n"
        f"f = services.add_site_feature(user=u, incident_id=i.pk, kind='danger_zone', geometry={ZONE!r}, name='NZ')\n"
        "result = [i.pk, f.pk]\n"
    )
    incident_id, feature_id = ids
    url = f"/operations/incidents/{incident_id}/"
    page = browser_session.new_page(server.url)
    page.goto(f"/login/?next={url}")
    page.fill("#id_username", "dispatcher")
    page.fill("#id_password", server.password("dispatcher"))
    page.click("#login-submit")
    page.wait_for_url(f"**{url}")
    page.locator("#site-map.leaflet-container").wait_for()

    page.click(f'[data-testid=feature-row][data-feature-id="{feature_id}"] [data-testid=feature-edit]')
    page.locator("[data-testid=feature-editing]").wait_for()
    page.locator("#site-map.leaflet-container").wait_for()
    page.locator("[data-testid=draw-edit]:enabled").wait_for()
    page.click("[data-testid=draw-edit]")
    page.locator('#site-map[data-drawing="1"][data-vertices="4"]').wait_for()
    handle = page.locator("#site-map .draw-vertex").first
    box = handle.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 40, y + 30, steps=8)
    page.mouse.up()
    page.click("[data-testid=draw-finish]")
    geometry = json.loads(page.input_value("#id_feature-geometry"))
    ring = geometry["coordinates"][0]
    assert len(ring) == 5 and ring[0] != ZONE["coordinates"][0][0]
    assert ring[1:4] == ZONE["coordinates"][0][1:4]  # the other vertices stay where they were
    page.click("[data-testid=feature-submit]")
    page.locator("[data-testid=feature-editing]").wait_for(state="detached")
    stored = server.run_django(
        f"from straz.incidents.models import SiteFeature\nresult = SiteFeature.objects.get(pk={feature_id}).geometry\n"
    )
    assert stored["coordinates"][0][0] == ring[0]

    # The affected area is drawn with the second tool on the same map.
    page.click("#area-box summary")
    page.click("[data-testid=area-draw-start]")
    page.locator('#site-map[data-drawing="1"]').wait_for()
    map_box = page.locator("#site-map").bounding_box()
    assert map_box is not None
    for fx, fy in ((0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9)):
        page.mouse.click(map_box["x"] + map_box["width"] * fx, map_box["y"] + map_box["height"] * fy)
    page.click("[data-testid=area-draw-finish]")
    page.click("[data-testid=area-submit]")
    page.locator("[data-testid=area-clear]").wait_for(state="attached")
    area = server.run_django(
        f"from straz.incidents.models import Incident\nresult = Incident.objects.get(pk={incident_id}).affected_area\n"
    )
    assert area["type"] == "Polygon" and len(area["coordinates"][0]) == 5
    page.locator("#site-map.leaflet-container").wait_for()

    # Removed from the site: gone from the map and the list, listed as removed.
    page.click(f'[data-testid=feature-row][data-feature-id="{feature_id}"] [data-testid=feature-retire]')
    page.locator(f'[data-testid=retired-feature-row][data-feature-id="{feature_id}"]').wait_for(state="attached")
    page.wait_for_function("() => document.getElementById('site-map').dataset.features === '0'")
    assert not browser_session.page_errors, browser_session.page_errors
    assert not browser_session.external_requests
