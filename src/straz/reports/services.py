"""Use cases of the threat map: citizen intake and the police verification workflow."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import h3
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.core.config import straz_settings
from straz.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from straz.core.groupcommit import GroupCommit
from straz.core.storage import ATTACHMENTS
from straz.reports import followers, intake, policy, signals
from straz.reports.map import aggregates
from straz.reports.models import (
    STATUS_LABELS,
    Attachment,
    Category,
    EventKind,
    IdempotencyRecord,
    InternalNote,
    Report,
    ReportEvent,
    ReportSource,
)
from straz.reports.rules import (
    OPEN_STATUSES,
    STATUS_CORRECTION_WINDOW,
    VERIFIED_STATUSES,
    Status,
    allowed_targets,
    can_transition,
    deadlines_for,
    h3_int,
    may_correct_status_change,
    public_location,
    public_visibility,
)
from straz.reports.selectors import can_act_on_reports, visible_reports_for
from straz.territory.models import Officer
from straz.territory.services import geocode, route_point

DUPLICATE_RESOLUTION = 9
NOTE_MAX_CHARS = 4000
PUBLIC_NOTE_MAX_CHARS = 500
ADDRESS_MAX_CHARS = 250
# Reports about events older than this are refused as implausible.
OCCURRED_AT_MAX_AGE = timedelta(days=366)
# Clock skew we tolerate for an event time "in the future".
OCCURRED_AT_SKEW = timedelta(minutes=10)


def public_url_for(report_id: int) -> str:
    """The public page of a report."""
    try:
        return reverse("reports:report-detail", args=[report_id])
    except NoReverseMatch:
        return f"/r/{report_id}/"


# ---------------------------------------------------------------- intake

# Reports arriving together in one process are written in one transaction: one wait for
# the writer's lock (the audit chain head, SQLite's single writer) and one commit for all,
# each report in its own savepoint and answered only once committed (ADR 0037).
def _count_on_map(written: list[tuple[SubmitResult, aggregates.Footprint | None]]) -> None:
    # The map counts of a batch in one go: its reports share the coarse cells.
    aggregates.apply_changes((None, footprint) for _result, footprint in written)


_INTAKE_COMMIT = GroupCommit(audit.audited_transaction, finish=_count_on_map)


@dataclass(frozen=True)
class SubmitResult:
    """What a submission produced: the body to answer with and whether it was a replay."""

    report_id: int
    status_code: int
    response: dict[str, Any]
    replayed: bool = False


@dataclass(frozen=True)
class DailyLimit:
    """The per-address daily report limit an address has used up: how many a day, and
    from when it may report again."""

    limit: int
    until: datetime


def daily_limit_reached(*, client_ip: str, now: datetime | None = None) -> DailyLimit | None:
    """The limit this address has used up, or None when it may file a report now.

    The report form asks before the person starts, so nobody fills in the whole form (photo
    included) only to be refused; submit_report enforces the same limit under its lock.
    """
    now = now or timezone.now()
    client = intake.client_key(client_ip)
    retry = intake.seconds_until_next_report(client=client, now=now)
    if retry is None:
        return None
    return DailyLimit(limit=client.limit, until=now + timedelta(seconds=retry))


def _check_occurred_at(value: datetime | None, now: datetime) -> datetime | None:
    if value is None:
        return None
    try:
        aware = value if timezone.is_aware(value) else timezone.make_aware(value)
        utc = aware.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationFailed(
            _("The time of the event is not a valid date and time."), field="occurred_at"
        ) from None
    if utc > now + OCCURRED_AT_SKEW:
        raise ValidationFailed(
            _("The time of the event cannot be in the future."), field="occurred_at"
        )
    if utc < now - OCCURRED_AT_MAX_AGE:
        raise ValidationFailed(
            _("The time of the event is more than a year ago; please contact the police directly."),
            field="occurred_at",
        )
    return utc


def _active_category(code: str) -> Category:
    category = Category.objects.offered().filter(code=str(code or "")).first()
    if category is None:
        raise ValidationFailed(
            _("Unknown category “%(code)s”. Choose one from the list.") % {"code": str(code)[:60]},
            field="category",
        )
    return category


def _resolve_point(point: tuple[float, float] | None, address_text: str) -> tuple[float, float]:
    if point is not None:
        return point
    if address_text:
        found = geocode(text=address_text)
        if found is not None:
            resolved = intake.check_coordinates(found[0], found[1])
            if resolved is not None:
                return resolved
        raise ValidationFailed(
            _("We could not find that address. Please mark the place on the map."),
            field="address_text",
        )
    raise ValidationFailed(_("Please mark the place on the map."), field="location")


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; plenty for a few hundred metres)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def _ring_for_radius(radius_m: float) -> int:
    # Cells vary in size over the globe (down to about half the average edge); a ring of
    # k cells reaches at least k·√3·edge_min from the centre cell, plus the centre's own.
    edge_min = h3.average_hexagon_edge_length(DUPLICATE_RESOLUTION, "m") * 0.5
    return max(1, math.ceil(radius_m / (math.sqrt(3) * edge_min)) + 1)


def find_duplicate_primary(
    *, category_id: int, lat: float, lon: float, now: datetime
) -> Report | None:
    """The open report this one repeats: same category, nearby, recent, not itself a duplicate."""
    radius = float(straz_settings().duplicate_radius_m)
    hours = float(straz_settings().duplicate_window_hours)
    if radius <= 0 or hours <= 0:
        return None
    origin = h3.latlng_to_cell(lat, lon, DUPLICATE_RESOLUTION)
    cells = [int(c, 16) for c in h3.grid_disk(origin, _ring_for_radius(radius))]
    # Only the (category, h3_r9, created_at) index is selective here. Status and
    # duplicate_of are checked in Python: given them in SQL, SQLite's planner picked the
    # duplicate_of index (NULL for ~97 % of rows) and took 0.6 s at 3 M reports.
    open_values = {s.value for s in OPEN_STATUSES}
    candidates = (
        Report.objects.filter(
            category_id=category_id,
            h3_r9__in=cells,
            created_at__gte=now - timedelta(hours=hours),
        )
        .order_by()
        .only("id", "lat", "lon", "created_at", "status", "duplicate_of_id")
    )
    best: tuple[float, datetime, Report] | None = None
    for cand in candidates:
        if cand.status not in open_values or cand.duplicate_of_id is not None:
            continue
        d = _distance_m(lat, lon, cand.lat, cand.lon)
        if d <= radius and (best is None or (d, cand.created_at) < best[:2]):
            best = (d, cand.created_at, cand)
    return best[2] if best else None


def _store_file(checked: intake.CheckedAttachment, now: datetime) -> str:
    """Save the file through the attachments storage (durably) and return its stored name."""
    # A generated name only: the sender's file name is never kept (ADR 0022).
    relative = f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}.{checked.extension}"
    # Local disk (0600, fsynced: core.storage) or the configured object store (ADR 0038).
    return attachment_storage().save(relative, ContentFile(checked.data))


def attachment_storage() -> Storage:
    """Where attachments live: settings.STORAGES['default'] (disk, or S3 when configured)."""
    return storages[ATTACHMENTS]


def _footprint_move(old: Any, new: Any) -> None:
    if old is None and new is None:
        return
    aggregates.apply_change(old=old, new=new)


def _footprint(report: Report) -> Any:
    return aggregates.footprint_of(report)


def _creation_response(report: Report, district: Any) -> dict[str, Any]:
    primary = report.duplicate_of_id
    return {
        "id": report.pk,
        "status": report.status,
        "district": {"code": district.code, "name": district.name},
        # A duplicate is not shown on its own; the citizen follows the first report.
        "public_url": public_url_for(primary or report.pk),
        "duplicate_of": primary,
    }


def _may_replay(client: intake.ClientKey, key: str | None) -> bool:
    """True when an Idempotency-Key was seen before: the answer is replayed, nothing decoded."""
    return key is not None and IdempotencyRecord.objects.filter(scope=client.key, key=key).exists()


def submit_report(
    *,
    category_code: str,
    lat: float | None,
    lon: float | None,
    description: str = "",
    occurred_at: datetime | None = None,
    address_text: str = "",
    attachment: intake.UploadLike | intake.IncomingAttachment | None = None,
    client_ip: str,
    source: str = ReportSource.API,
    idempotency_key: str | None = None,
    request_fingerprint: str | None = None,
    follow: followers.FollowRequest | None = None,
) -> SubmitResult:
    """Accept a citizen's report: validate, route, link duplicates, store, audit in one go.

    `follow` (checked by followers.check_follow) stores the reporter's e-mail address, given
    with consent, apart from the report, to tell them of status changes (ADR 0036).
    """
    now = timezone.now()
    # Checks that need no database come first, so bad input costs nothing.
    point = intake.check_coordinates(lat, lon)
    text = intake.check_description(description)
    address = intake.check_text(
        address_text, label=_("address"), max_chars=ADDRESS_MAX_CHARS, field="address_text"
    )
    when = _check_occurred_at(occurred_at, now)
    # Only the cheap look at the first bytes here: decoding waits for the rate limit.
    sniffed = intake.sniff_attachment(intake.read_upload(attachment))
    key = intake.check_idempotency_key(idempotency_key)
    if source not in ReportSource.values:
        source = ReportSource.API
    client = intake.client_key(client_ip)
    fingerprinted: dict[str, Any] = {
        "category": str(category_code),
        "lat": point[0] if point else None,
        "lon": point[1] if point else None,
        "description": text,
        "address": address,
        "occurred_at": when.isoformat() if when else None,
    }
    if follow is not None:
        # Only when given, so that keys stored before followers existed still match.
        fingerprinted["follow_email"] = follow.email
    fingerprint = request_fingerprint or intake.request_fingerprint(
        fingerprinted, sniffed.received_sha256 if sniffed else None
    )
    checked: intake.CheckedAttachment | None = None
    if sniffed is not None and not _may_replay(client, key):
        # A client over its limit costs no image decode (the limit is enforced again,
        # authoritatively, under the client's lock below).
        intake.enforce_rate_limit(client=client, now=now)
        checked = intake.sanitise_attachment(sniffed)

    # Reads that need no lock run before the transaction, so that the write lock (SQLite)
    # and the audit chain head (PostgreSQL) are held only for the decisions and writes
    # that need them (ADR 0037). Their refusals are raised inside, after an idempotent
    # replay had its chance, so a retry is answered exactly as before.
    lookup_error: ValidationFailed | None = None
    category: Category | None = None
    routing = None
    lat_f = lon_f = 0.0
    try:
        category = _active_category(category_code)
        lat_f, lon_f = _resolve_point(point, address)
        routing = route_point(lat=lat_f, lon=lon_f)
    except ValidationFailed as exc:
        lookup_error = exc

    stored: str | None = None
    committed = False
    if checked is not None:
        # Before the transaction: with an object store the upload is a network round-trip,
        # which must not happen while the audit head (every writer's first lock) is held.
        stored = _store_file(checked, now)
    try:
        def write() -> tuple[SubmitResult, aggregates.Footprint | None]:
            # Runs in a savepoint of a transaction it may share with concurrent reports
            # of this process (group commit, ADR 0037); refusals undo only its own writes.
            nonlocal checked, stored
            intake.lock_client(client.key)
            if key is not None:
                previous = IdempotencyRecord.objects.filter(scope=client.key, key=key).first()
                if previous is not None:
                    if previous.fingerprint != fingerprint:
                        raise ValidationFailed(
                            _(
                                "This Idempotency-Key was already used for a different report. "
                                "Use a new key."
                            )
                        )
                    replay = SubmitResult(
                        report_id=int(previous.response["id"]),
                        status_code=previous.status_code,
                        response=previous.response,
                        replayed=True,
                    )
                    return replay, None
            if lookup_error is not None:
                raise lookup_error
            assert category is not None  # set whenever lookup_error is None
            if routing is None:
                raise ValidationFailed(
                    _("This place is outside the area served. Reports can be sent only within it."),
                    field="location",
                )
            intake.enforce_rate_limit(client=client, now=now)
            if sniffed is not None and checked is None:
                # The idempotency record seen above is gone (pruned): decode now.
                checked = intake.sanitise_attachment(sniffed)

            primary = find_duplicate_primary(category_id=category.pk, lat=lat_f, lon=lon_f, now=now)
            plat, plon = public_location(
                lat_f,
                lon_f,
                approximate=category.public_location_approximated,
                resolution=int(straz_settings().approximate_resolution),
            )
            visibility = public_visibility(
                status=Status.NEW,
                last_change=now,
                now=now,
                only_when_confirmed=category.public_only_when_confirmed,
                is_duplicate=primary is not None,
                retention_days=int(straz_settings().public_retention_days),
            )
            due = deadlines_for(
                now,
                read_days=int(straz_settings().read_deadline_days),
                verify_days=int(straz_settings().verify_deadline_days),
            )
            report = Report.objects.create(
                category=category,
                status=Status.NEW.value,
                lat=lat_f,
                lon=lon_f,
                public_lat=plat,
                public_lon=plon,
                h3_r9=h3_int(lat_f, lon_f, DUPLICATE_RESOLUTION),
                address_text=address,
                description=text,
                occurred_at=when,
                created_at=now,
                updated_at=now,
                # The first report carries the deadlines; its duplicates are handled with it.
                read_due_at=None if primary else due.read_due,
                verify_due_at=None if primary else due.verify_due,
                district=routing.district,
                officer=routing.officer,
                source=source,
                reporter_ip=client_ip if client_ip and client_ip != "0.0.0.0" else None,  # noqa: S104
                reporter_key=client.key,
                duplicate_of=primary,
                is_public=visibility.public,
                public_until=visibility.until,
            )
            ReportEvent.objects.create(
                report=report, at=now, kind=EventKind.CREATED, to_status=report.status
            )
            if primary is not None:
                Report.objects.filter(pk=primary.pk).update(
                    duplicate_count=F("duplicate_count") + 1
                )
                ReportEvent.objects.create(report=report, at=now, kind=EventKind.DUPLICATE)
            if checked is not None:
                if stored is None:
                    stored = _store_file(checked, now)
                Attachment.objects.create(
                    report=report,
                    path=stored,
                    content_type=checked.content_type,
                    size=checked.size,
                    sha256=checked.sha256,
                    created_at=now,
                )
            follower = (
                followers.add_follower(report=report, follow=follow, now=now)
                if follow is not None
                else None
            )
            audit.record(
                action="report.submitted",
                object_type="report",
                object_id=report.pk,
                actor_label=f"citizen:{source}",
                # Neither the address nor the description goes into the log in the clear.
                after={
                    "category": category.code,
                    "status": report.status,
                    "district": routing.district.code,
                    "officer": routing.officer.pk if routing.officer else None,
                    "duplicate_of": report.duplicate_of_id,
                    "is_public": report.is_public,
                    "description_chars": len(text),
                    "attachment_sha256": checked.sha256 if checked else None,
                    "reporter_key": client.key[:16],
                    # Whether an e-mail address follows the report; never the address itself.
                    **(
                        {"follower": follower.pk, "follower_language": follower.language}
                        if follower is not None
                        else {}
                    ),
                },
            )
            response = _creation_response(report, routing.district)
            if key is not None:
                IdempotencyRecord.objects.create(
                    key=key,
                    scope=client.key,
                    fingerprint=fingerprint,
                    status_code=201,
                    response=response,
                    created_at=now,
                )
            # The map counts follow for the whole batch, before its commit (_count_on_map).
            return (
                SubmitResult(report_id=report.pk, status_code=201, response=response),
                _footprint(report),
            )

        result, _footprint_added = _INTAKE_COMMIT.run(write)
        committed = not result.replayed
    finally:
        if stored is not None and not committed:
            # Refused, failed or replayed: no row names the file, so it goes.
            attachment_storage().delete(stored)
    return result


# ---------------------------------------------------------------- workflow


def _require_actor(user: User) -> None:
    if not can_act_on_reports(user):
        raise Forbidden(_("Your role may view reports but not change them."))


def _locked_report(user: User, report_id: int) -> Report:
    report = visible_reports_for(user).select_for_update(of=("self",)).filter(pk=report_id).first()
    if report is None:
        raise NotFound(_("Report not found."))
    return report


def _snapshot(report: Report) -> dict[str, Any]:
    return {
        "status": report.status,
        "is_public": report.is_public,
        "public_until": report.public_until,
        "officer": report.officer_id,
        "district": report.district_id,
        "read_at": report.read_at,
        "verified_at": report.verified_at,
    }


def parse_status(value: str) -> Status:
    """A Status from its value, or 422 listing the valid ones."""
    try:
        return Status(str(value))
    except ValueError:
        raise ValidationFailed(
            _("Unknown status “%(status)s”. Valid statuses: %(valid)s.")
            % {"status": str(value)[:40], "valid": ", ".join(s.value for s in Status)}
        ) from None


def _refresh_visibility(report: Report, now: datetime) -> None:
    category = Category.objects.only("public_only_when_confirmed").get(pk=report.category_id)
    vis = public_visibility(
        status=Status(report.status),
        last_change=report.updated_at,
        now=now,
        only_when_confirmed=category.public_only_when_confirmed,
        is_duplicate=report.duplicate_of_id is not None,
        retention_days=int(straz_settings().public_retention_days),
    )
    report.is_public, report.public_until = vis.public, vis.until


def transition_report(
    *, user: User, report_id: int, target: str, public_note: str = "", note: str = ""
) -> Report:
    """Move a report along the KMZB workflow (legal steps only); event, audit, map update."""
    _require_actor(user)
    goal = parse_status(target)
    public_text = intake.check_text(
        public_note, label=_("public note"), max_chars=PUBLIC_NOTE_MAX_CHARS
    )
    note_text = intake.check_text(note, label=_("note"), max_chars=NOTE_MAX_CHARS)
    now = timezone.now()
    with audit.audited_transaction():
        report = _locked_report(user, report_id)
        current = Status(report.status)
        if not can_transition(current, goal):
            allowed = ", ".join(str(STATUS_LABELS[s]) for s in allowed_targets(current)) or _(
                "none (final status)"
            )
            raise Conflict(
                _(
                    "A report in status “%(current)s” cannot move to “%(target)s”. "
                    "Allowed next steps: %(allowed)s."
                )
                % {
                    "current": STATUS_LABELS[current],
                    "target": STATUS_LABELS[goal],
                    "allowed": allowed,
                }
            )
        before = _snapshot(report)
        old_fp = _footprint(report)
        report.status = goal.value
        report.updated_at = now
        if report.read_at is None and policy.stops_read_clock(user, report.district_id):
            # The district's police acting on a report have read it (KMZB, ADR 0026).
            report.read_at = now
        if goal in VERIFIED_STATUSES and report.verified_at is None:
            report.verified_at = now
        _refresh_visibility(report, now)
        report.save()
        _footprint_move(old_fp, _footprint(report))
        event = ReportEvent.objects.create(
            report=report,
            at=now,
            kind=EventKind.STATUS,
            from_status=current.value,
            to_status=goal.value,
            actor=user,
            public_note=public_text,
        )
        # The reporters who asked are told of the public status and public note (ADR 0036).
        told = followers.notify_followers(report=report, event=event, now=now)
        if note_text:
            InternalNote.objects.create(report=report, author=user, text=note_text, created_at=now)
        audit.record(
            action="report.status_changed",
            object_type="report",
            object_id=report.pk,
            actor=user,
            before=before,
            after={
                **_snapshot(report),
                "public_note": public_text,
                "note_added": bool(note_text),
                **({"followers_told": told} if told else {}),
            },
        )
    return report


# The history steps that set a report's status: the latest of them is the one an undo reverts.
STATUS_SETTING_KINDS = (EventKind.STATUS, EventKind.CORRECTED)


def latest_status_step(report: Report) -> ReportEvent | None:
    """The newest history step that set the report's status (a change or a correction)."""
    return (
        report.events.filter(kind__in=[k.value for k in STATUS_SETTING_KINDS])
        .order_by("-at", "-id")
        .first()
    )


def correction_refusal(
    *, user: User, report: Report, step: ReportEvent | None, now: datetime
) -> str | None:
    """Why `user` may not undo `step` now (a translated sentence), or None when they may."""
    if step is None or step.kind != EventKind.STATUS or step.report_id != report.pk:
        return _("Only the latest status change can be undone, and only once.")
    if not policy.can_correct_status_change(user, step.actor_id):
        return _("Only the officer who changed the status, or a supervisor, can undo it.")
    if not may_correct_status_change(step.at, now):
        minutes = int(STATUS_CORRECTION_WINDOW.total_seconds() // 60)
        return _(
            "The status change can no longer be undone: undo is possible for %(minutes)s minutes "
            "after the change. Move the report on by its next legal step instead."
        ) % {"minutes": minutes}
    return None


def correct_status_change(*, user: User, report_id: int, event_id: int) -> Report:
    """Undo the latest status change within the correction window; the history gains a correction step."""
    _require_actor(user)
    now = timezone.now()
    with audit.audited_transaction():
        report = _locked_report(user, report_id)
        step = latest_status_step(report)
        if step is not None and step.pk != event_id:
            step = None  # not the latest change: refused below like any other stale undo
        refusal = correction_refusal(user=user, report=report, step=step, now=now)
        if refusal is not None:
            raise Conflict(refusal)
        assert step is not None
        restored = Status(step.from_status)
        undone = Status(step.to_status)
        before = _snapshot(report)
        old_fp = _footprint(report)
        report.status = restored.value
        report.updated_at = now
        if restored not in VERIFIED_STATUSES:
            # The undone step was the verification result: the report is unverified again.
            report.verified_at = None
        _refresh_visibility(report, now)
        report.save()
        _footprint_move(old_fp, _footprint(report))
        ReportEvent.objects.create(
            report=report,
            at=now,
            kind=EventKind.CORRECTED,
            from_status=undone.value,
            to_status=restored.value,
            actor=user,
        )
        audit.record(
            action="report.status_corrected",
            object_type="report",
            object_id=report.pk,
            actor=user,
            before=before,
            after={**_snapshot(report), "undone_event": step.pk},
        )
    return report


def mark_read(*, user: User, report_id: int) -> bool:
    """Record that the police of its district read a report (first time only); True when this call did it."""
    _require_actor(user)
    now = timezone.now()
    with audit.audited_transaction():
        report = _locked_report(user, report_id)
        if not policy.stops_read_clock(user, report.district_id):
            # KMZB: the read deadline is about the competent police (ADR 0026).
            raise Forbidden(_("Only the police of the report's district can mark it as read."))
        if report.read_at is not None:
            return False
        report.read_at = now
        report.save(update_fields=["read_at"])
        ReportEvent.objects.create(report=report, at=now, kind=EventKind.READ, actor=user)
        audit.record(
            action="report.read",
            object_type="report",
            object_id=report.pk,
            actor=user,
            before={"read_at": None},
            after={"read_at": now},
        )
    return True


def add_note(*, user: User, report_id: int, text: str) -> InternalNote:
    """Add a police-only note to a report."""
    _require_actor(user)
    body = intake.check_text(text, label=_("note"), max_chars=NOTE_MAX_CHARS)
    if not body:
        raise ValidationFailed(_("The note is empty."))
    now = timezone.now()
    with audit.audited_transaction():
        report = _locked_report(user, report_id)
        note = InternalNote.objects.create(report=report, author=user, text=body, created_at=now)
        audit.record(
            action="report.note_added",
            object_type="report",
            object_id=report.pk,
            actor=user,
            after={"note": note.pk, "chars": len(body)},
        )
    return note


def reassign_report(*, user: User, report_id: int, officer_id: int | None) -> Report:
    """Give a report to another officer serving its district (supervisors and admins)."""
    if not policy.can_reassign(user):
        raise Forbidden(_("Only a supervisor can reassign reports."))
    now = timezone.now()
    with audit.audited_transaction():
        report = _locked_report(user, report_id)
        officer = None
        if officer_id is not None:
            officer = Officer.objects.filter(pk=officer_id).first()
            if officer is None or (
                report.district_id is not None
                and not officer.districts.filter(pk=report.district_id).exists()
            ):
                raise ValidationFailed(_("This officer does not serve the report's district."))
        before = _snapshot(report)
        report.officer = officer
        report.save(update_fields=["officer"])
        ReportEvent.objects.create(report=report, at=now, kind=EventKind.ASSIGNED, actor=user)
        audit.record(
            action="report.reassigned",
            object_type="report",
            object_id=report.pk,
            actor=user,
            before=before,
            after=_snapshot(report),
        )
    return report


def open_attachment(attachment: Attachment) -> File | None:
    """The stored file of an attachment, open for reading; None when it is missing or its name leaves the store."""
    store = attachment_storage()
    try:
        return store.open(attachment.path, "rb")
    except (OSError, SuspiciousFileOperation, ValueError):
        return None


def attachment_path(attachment: Attachment) -> Path | None:
    """The local file of an attachment when the storage is a local disk (None with an object store)."""
    try:
        path = Path(attachment_storage().path(attachment.path))
    except (NotImplementedError, SuspiciousFileOperation):
        return None
    return path if path.is_file() else None


def reapply_category_rules(*, category_id: int, user: User | None = None) -> int:
    """After a category's public rules changed, recompute its reports' public view."""
    now = timezone.now()
    category = Category.objects.get(pk=category_id)
    resolution = int(straz_settings().approximate_resolution)
    changed = 0
    with audit.audited_transaction():
        moves: list[tuple[Any, Any]] = []
        for report in (
            Report.objects.select_for_update()
            .filter(category_id=category_id)
            .order_by("pk")
            .iterator(chunk_size=2000)
        ):
            old_fp = aggregates.footprint_of(report)
            plat, plon = public_location(
                report.lat,
                report.lon,
                approximate=category.public_location_approximated,
                resolution=resolution,
            )
            vis = public_visibility(
                status=Status(report.status),
                last_change=report.updated_at,
                now=now,
                only_when_confirmed=category.public_only_when_confirmed,
                is_duplicate=report.duplicate_of_id is not None,
                retention_days=int(straz_settings().public_retention_days),
            )
            if (plat, plon, vis.public, vis.until) == (
                report.public_lat,
                report.public_lon,
                report.is_public,
                report.public_until,
            ):
                continue
            report.public_lat, report.public_lon = plat, plon
            report.is_public, report.public_until = vis.public, vis.until
            report.save(update_fields=["public_lat", "public_lon", "is_public", "public_until"])
            moves.append((old_fp, aggregates.footprint_of(report)))
            changed += 1
        if moves:
            aggregates.apply_changes(moves)
        # Receivers (the statistics summaries) run here, inside this transaction.
        signals.category_rules_changed.send(sender=Category, category_id=category_id)
        audit.record(
            action="category.rules_applied",
            object_type="category",
            object_id=category.code,
            actor=user,
            after={
                "public_only_when_confirmed": category.public_only_when_confirmed,
                "public_location_approximated": category.public_location_approximated,
                "reports_changed": changed,
            },
        )
    return changed


# ---------------------------------------------------------------- bulk load (demo, imports)


def bulk_load_reports(reports: list[Report]) -> None:
    """Store prepared reports in bulk (no signals: rebuild map aggregates and summaries after)."""
    Report.objects.bulk_create(reports, batch_size=500)


def bulk_load_duplicates(duplicates: list[Report]) -> None:
    """Store prepared duplicates in bulk and count them on their first reports."""
    Report.objects.bulk_create(duplicates, batch_size=500)
    counts: dict[int, int] = {}
    originals: dict[int, Report] = {}
    for dup in duplicates:
        original = dup.duplicate_of
        if original is not None:
            counts[original.pk] = counts.get(original.pk, 0) + 1
            originals[original.pk] = original
    for pk, n in counts.items():
        originals[pk].duplicate_count = n
    Report.objects.bulk_update(list(originals.values()), ["duplicate_count"], batch_size=500)


def bulk_load_history(events: list[ReportEvent], notes: list[InternalNote]) -> None:
    """Store prepared history steps and internal notes of bulk-loaded reports."""
    ReportEvent.objects.bulk_create(events, batch_size=1000)
    InternalNote.objects.bulk_create(notes, batch_size=1000)
