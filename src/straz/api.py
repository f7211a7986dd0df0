"""The JSON API: one Ninja instance with every wing's router and the shared error envelope."""

from ninja import NinjaAPI

from straz.analytics.api import router as analytics_router
from straz.analytics.izs.api import router as incident_stats_router
from straz.core.api import JsonBodyParser, install_error_handlers
from straz.incidents.api import router as incidents_router
from straz.incidents.api.alarm import router as alarm_router
from straz.incidents.api.reports import router as incident_report_router
from straz.reports.api import router as reports_router
from straz.reports.map.api import router as map_router
from straz.softtargets.api import router as softtargets_router
from straz.territory.api import router as territory_router

api = NinjaAPI(
    title="Straz API",
    version="1",
    description="Public-safety platform: threat map, districts, statistics and staff workflow.",
    urls_namespace="api",
    # JSON bodies only as application/json (a cross-site page cannot send that unasked).
    parser=JsonBodyParser(),
)
# Every API error answers {"detail": "<translated message>"} (see core.api).
install_error_handlers(api)
# Kept in the order they always had: Django tries the URL patterns in this order.
api.add_router("", reports_router)
api.add_router("", map_router)
api.add_router("", territory_router)
api.add_router("", analytics_router)
api.add_router("", alarm_router)
api.add_router("", incidents_router)
api.add_router("", incident_stats_router)
api.add_router("", incident_report_router)
api.add_router("", softtargets_router)
