"""§23(2) notices by decision (ADR 0028): proposed when level III is declared, sent once decided.

The OPIS notifies the hejtman of level III on the decision of the regional fire brigade's
duty officer, and the ORP mayor the same way or at the incident commander's request.
Straz proposes the notices with the declaration, a user records the decision (or the
request), and only then are they written to the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from straz.incidents import entries
from straz.incidents.alarm.notify import contact_role_label, enqueue_notifications, would_tell
from straz.incidents.alarm.recipients import (
    COMMANDER_REQUEST,
    Notice,
    bases_for,
    needs_decision,
    notices_for,
)
from straz.incidents.choices import NoticeBasis, NoticeStatus, TimelineKind
from straz.incidents.models import AlarmDeclaration, Incident, IncidentEvent, NoticeProposal
from straz.incidents.policy import can_record_notice_decision, require_incident_role
from straz.incidents.services.base import (
    NAME_MAX_CHARS,
    _choice,
    _label,
    _locked_event,
    _locked_incident,
    _now,
    _require_open,
    _text,
    _timeline,
)

# A decision time a little ahead of the server clock is a clock difference, not the future.
CLOCK_SKEW = timedelta(minutes=2)


def split_notices(level: str, *, territory: bool) -> tuple[tuple[Notice, ...], tuple[Notice, ...]]:
    """The level's notices as (sent with the declaration, proposed for a decision)."""
    notices = notices_for(level, territory=territory)
    return (
        tuple(n for n in notices if not needs_decision(n)),
        tuple(n for n in notices if needs_decision(n)),
    )


def propose_notices(
    *, declaration: AlarmDeclaration, source: Incident | IncidentEvent, notices: Sequence[Notice], at: datetime
) -> list[NoticeProposal]:
    """Record the §23(2) notices of a declaration as proposals (inside the declaring transaction)."""
    incident = source if isinstance(source, Incident) else None
    event = source if isinstance(source, IncidentEvent) else None
    return [
        NoticeProposal.objects.create(
            declaration=declaration, incident=incident, event=event, rule=n.rule, role=n.role, proposed_at=at
        )
        for n in notices
    ]


def supersede_pending(*, source: Incident | IncidentEvent) -> int:
    """A new level leaves the earlier level's undecided notices behind (they are kept, marked)."""
    where = {"incident": source} if isinstance(source, Incident) else {"event": source}
    return NoticeProposal.objects.filter(status=NoticeStatus.PROPOSED, **where).update(
        status=NoticeStatus.SUPERSEDED
    )


def proposals_message(proposals: Sequence[NoticeProposal]) -> dict[str, Any]:
    """The declaration's timeline sentence naming whom Straz proposes to notify."""
    return entries.message("notice.proposed", whom=entries.labels("role", (p.role for p in proposals)))


def _notice(proposal: NoticeProposal) -> Notice:
    level = proposal.declaration.level
    for notice in notices_for(level, territory=proposal.event_id is not None):
        if notice.rule == proposal.rule and notice.role == proposal.role:
            return notice
    raise Conflict(_("This notice no longer belongs to the declared level; nothing was sent."))


def _decided_at(value: datetime | None, now: datetime) -> datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        raise ValidationFailed(_("The time of the decision must include a time zone."))
    if value > now + CLOCK_SKEW:
        raise ValidationFailed(_("The time of the decision cannot be in the future."))
    return value


def decide_notice(
    *,
    user: User,
    proposal_id: int,
    basis: str,
    decided_by_name: str,
    decided_at: datetime | None = None,
    notify: bool = True,
) -> NoticeProposal:
    """Record the decision on a proposed §23(2) notice (or the commander's request) and send it."""
    require_incident_role(user)
    basis_v = _choice(str(basis), NoticeBasis, label=_("basis of the notice"))
    name = _text(decided_by_name, label=_("name of who decided"), max_chars=NAME_MAX_CHARS, required=True)
    now = _now()
    when = _decided_at(decided_at, now)
    if not notify and basis_v == COMMANDER_REQUEST:
        raise ValidationFailed(_("A commander's request is a request to notify; record it with “notify”."))
    found = NoticeProposal.objects.filter(pk=proposal_id).values_list("incident_id", "event_id").first()
    if found is None:
        raise NotFound(_("Proposed notice not found."))
    incident_id, event_id = found
    with audit.audited_transaction():
        # The source first (the lock order of every incident write), then the proposal.
        incident = _locked_incident(incident_id) if incident_id is not None else None
        event = _locked_event(event_id) if event_id is not None else None
        if not can_record_notice_decision(user, incident, basis_v):
            raise Forbidden(
                _("Only the operations centre (dispatcher) records the duty officer's decision; the current "
                  "commander of the incident may request the notice of the ORP mayor.")
                if basis_v == COMMANDER_REQUEST or incident is None
                else _("Only the operations centre (dispatcher) records the duty officer's decision.")
            )
        proposal = NoticeProposal.objects.select_for_update(of=("self",)).select_related("declaration").get(pk=proposal_id)
        if basis_v not in bases_for(proposal.role):
            raise ValidationFailed(
                _("§23(2): %(whom)s is notified only on the decision of the fire brigade's duty officer.")
                % {"whom": contact_role_label(proposal.role)}
            )
        if proposal.status != NoticeStatus.PROPOSED:
            raise Conflict(
                _("This notice is no longer awaiting a decision (%(status)s); nothing was changed.")
                % {"status": proposal.get_status_display()}
            )
        if incident is not None:
            _require_open(incident)
        source = incident or event
        assert source is not None
        notice = _notice(proposal)
        decision = {
            "basis": basis_v,
            "decided_by": name,
            "decided_at": when.isoformat(),
            "decided_at_local": timezone.localtime(when).strftime("%Y-%m-%d %H:%M"),
            "recorded_by": _label(user),
            "proposal": proposal.pk,
        }
        sent: list[dict[str, Any]] = []
        if notify:
            sent = enqueue_notifications(
                declaration=proposal.declaration, source=source, only=[notice], decision=decision
            )
        before = {"status": proposal.status}
        proposal.status = NoticeStatus.SENT if notify else NoticeStatus.DECLINED
        proposal.basis = basis_v
        proposal.decided_by_name = name
        proposal.decided_at = when
        proposal.recorded_by = user
        proposal.recorded_by_label = _label(user)
        proposal.recorded_at = now
        proposal.sent = sent
        proposal.save()
        after = {
            "status": proposal.status,
            "rule": proposal.rule,
            "role": proposal.role,
            "declaration": proposal.declaration_id,
            **decision,
            "notifications": sent,
        }
        _note(source, user=user, at=now, proposal=proposal, sent=sent, data=after)
        audit.record(
            action="incident.notice_decided" if incident is not None else "event.notice_decided",
            object_type="incident" if incident is not None else "event",
            object_id=source.pk,
            actor=user,
            before=before,
            after=after,
        )
    return proposal


def _note(
    source: Incident | IncidentEvent,
    *,
    user: User,
    at: datetime,
    proposal: NoticeProposal,
    sent: list[dict[str, Any]],
    data: dict[str, Any],
) -> None:
    """Two timeline lines: the decision (or request) as recorded, then what was sent."""
    whom = entries.label("role", proposal.role)
    params: dict[str, Any] = {
        "whom": whom,
        "name": proposal.decided_by_name,
        "at": entries.at(proposal.decided_at, short=True) if proposal.decided_at else "",
    }
    if proposal.basis == COMMANDER_REQUEST:
        code = "notice.requested"
    elif proposal.status == NoticeStatus.SENT:
        code = "notice.decided_send"
    else:
        code = "notice.decided_not"
    lines = [entries.message(code, **params)]
    if proposal.status == NoticeStatus.SENT:
        messages = [s for s in sent if "message" in s]
        gaps = [s for s in sent if "error" in s]
        if messages:
            lines.append(entries.message("notice.handed_over", whom=whom, count=len(messages)))
        if gaps or not messages:
            lines.append(entries.message("notice.unreachable", whom=whom))
    sites: list[tuple[Incident | None, IncidentEvent | None]]
    if isinstance(source, IncidentEvent):
        sites = [(None, source)] + [(member, source) for member in source.incidents.order_by("pk")]
    else:
        sites = [(source, None)]
    for incident, event in sites:
        for line in lines:
            _timeline(incident=incident, event=event, kind=TimelineKind.DECLARATION, user=user, at=at,
                      message=line, data={"notice": data})


def pending_notices(source: Incident | IncidentEvent) -> list[dict[str, Any]]:
    """The proposals of a site or territory, newest first, each with whom it would tell and how it may be decided."""
    where = {"incident": source} if isinstance(source, Incident) else {"event": source}
    rows = []
    for proposal in NoticeProposal.objects.filter(**where).select_related("declaration").order_by("-proposed_at", "-pk"):
        contacts = would_tell(_notice(proposal), source) if proposal.is_pending else []
        rows.append(
            {
                "proposal": proposal,
                "role_label": contact_role_label(proposal.role),
                "contacts": contacts,
                "bases": [(b, NoticeBasis(b).label) for b in bases_for(proposal.role)],
            }
        )
    return rows

