"""URL patterns of the board pages (joined in straz.incidents.urls)."""

from django.urls import URLPattern, path

from straz.incidents import views

urlpatterns: list[URLPattern] = [
    path("", views.board, name="board"),
    path("board/rows/", views.board_rows, name="board-rows"),
    path("incidents/new/", views.incident_new, name="incident-new"),
    path("incidents/proposal/", views.proposal_preview, name="proposal-preview"),
    path("incidents/<int:incident_id>/", views.incident_page, name="incident"),
    path("incidents/<int:incident_id>/timeline/", views.incident_timeline, name="incident-timeline"),
    path("events/new/", views.event_new, name="event-new"),
    path("calls/", views.calls_page, name="calls"),
    path("events/<int:event_id>/", views.event_page, name="event"),
]
