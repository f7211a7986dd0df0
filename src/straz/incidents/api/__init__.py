"""The JSON API of joint interventions: one router per concept, joined here (alarm preview and reports have their own)."""

from ninja import Router

from straz.incidents.api import command, events, incidents, site

router = Router()
for part in (incidents.router, command.router, site.router, events.router):
    router.add_router("", part)
