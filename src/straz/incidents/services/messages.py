"""Messages and the log of the site (§6)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from straz.accounts.models import User
from straz.incidents.choices import SiteMessageLetter, TimelineKind
from straz.incidents.models import TimelineEntry
from straz.incidents.policy import (
    require_incident_role,
)
from straz.incidents.services.base import (
    _audit,
    _choice,
    _now,
    _text,
    _timeline,
    _touch,
    _writing,
)

# ---------------------------------------------------------------- messages and log (§6)


def post_site_message(*, user: User, incident_id: int, letter: str, text: str) -> TimelineEntry:
    """A message from the site to the OPIS, typed by §6(1) a)–i)."""
    require_incident_role(user)
    code = _choice(str(letter), SiteMessageLetter, label=_("message type"))
    body = _text(text, label=_("message"), required=True)
    now = _now()
    with _writing(user, incident_id) as incident:
        entry = _timeline(
            incident=incident, kind=TimelineKind.MESSAGE, letter=code, user=user, at=now, text=body
        )
        _touch(incident, now)
        _audit(incident, user=user, action="incident.message_posted", after={"entry": entry.pk, "letter": code, "chars": len(body)})
    return entry


def add_log_entry(*, user: User, incident_id: int, text: str) -> TimelineEntry:
    """A free-text line in the incident's log (also after closing: the record may be completed)."""
    require_incident_role(user)
    body = _text(text, label=_("log entry"), required=True)
    now = _now()
    with _writing(user, incident_id, open_only=False) as incident:
        entry = _timeline(incident=incident, kind=TimelineKind.LOG, user=user, at=now, text=body)
        _audit(incident, user=user, action="incident.log_added", after={"entry": entry.pk, "chars": len(body)})
    return entry
