"""Staff pages of joint interventions under /operations/: board, incident, report (statistics: analytics.izs).

Each slice keeps its own URL module so that the board, the §16(4) report can change independently; this module only joins them under one namespace.
"""

from straz.incidents.urls_board import urlpatterns as board_urls
from straz.incidents.urls_report import urlpatterns as report_urls

app_name = "incidents"

urlpatterns = [*board_urls, *report_urls]
